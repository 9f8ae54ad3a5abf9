package web

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

// Role requests under four eyes (issue 14): the admin and the chair see the
// open requests and confirm or refuse the ones they may decide; the
// service says which (accounts.Service.DecideGrant).

type grantRequestsData struct {
	Items []accounts.GrantRequest
}

// grantRequests lists the open role requests.
func (w *Web) grantRequests(c echo.Context) error {
	items, err := w.d.Accounts.GrantRequests(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "grant_requests", w.newPage(c, "grantreq.title", grantRequestsData{Items: items}))
}

// decideGrantRequest confirms or refuses one request. Confirming gives
// power, so it needs a recent proof of identity, as in the API.
func (w *Web) decideGrantRequest(c echo.Context) error {
	cl := callerOf(c)
	id, err := uuid.Parse(c.Param("rid"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("GrantRequest"))
	}
	confirm := c.Param("decision") == "confirm"
	if !confirm && c.Param("decision") != "refuse" {
		return w.fail(c, apperr.NotFoundError("Page"))
	}
	if confirm && !w.d.Accounts.RecentlyAuthenticated(cl) {
		return w.grantRequestError(c, id, "grantreq.reauth")
	}
	if err := w.d.Accounts.DecideGrant(c.Request().Context(), cl, id, confirm); err != nil {
		if apperr.CodeOf(err) == apperr.Forbidden {
			return w.grantRequestError(c, id, "grantreq.not-yours")
		}
		return w.fail(c, err)
	}
	done := "grant_refused"
	if confirm {
		done = "grant_confirmed"
	}
	return c.Redirect(http.StatusSeeOther, "/grant-requests?done="+done)
}

// grantRequestError shows the list again with the refusal beside the
// request's forms.
func (w *Web) grantRequestError(c echo.Context, id uuid.UUID, key string) error {
	items, err := w.d.Accounts.GrantRequests(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	p := w.newPage(c, "grantreq.title", grantRequestsData{Items: items})
	p.Form = "decide-" + id.String()
	p.FormError = p.T(key)
	p.Status = http.StatusUnprocessableEntity
	return w.render(c, "grant_requests", p)
}
