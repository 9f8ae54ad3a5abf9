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

// GrantRequests lists the open role requests.
func (w *Web) GrantRequests(c echo.Context) error {
	items, err := w.d.Accounts.GrantRequests(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "grant_requests", w.newPage(c, "grantreq.title", grantRequestsData{Items: items}))
}

// GrantDecision is the form that confirms or refuses one request.
// Confirming gives power, so the route table asks for a recent proof of
// identity in front of it, as in the API; that refusal, and the service's
// (not this person's request to decide), are shown beside the request.
func (w *Web) GrantDecision(confirm bool) Form {
	done := "grant_refused"
	if confirm {
		done = "grant_confirmed"
	}
	return form[uuid.UUID]{
		parse: func(c echo.Context, _ map[string]string) (uuid.UUID, error) {
			id, err := uuid.Parse(c.Param("rid"))
			if err != nil {
				return id, apperr.NotFoundError("GrantRequest")
			}
			return id, nil
		},
		call: func(c echo.Context, id uuid.UUID) (string, error) {
			return "/grant-requests?done=" + done, w.d.Accounts.DecideGrant(c.Request().Context(), callerOf(c), id, confirm)
		},
		refuse: func(c echo.Context, _ map[string]string, err error) error {
			id, perr := uuid.Parse(c.Param("rid"))
			switch apperr.As(err).Type {
			case accounts.TypeReauthRequired:
				if perr == nil {
					return w.grantRequestError(c, id, "grantreq.reauth")
				}
			case accounts.TypeGrantConfirmer, accounts.TypeOwnGrant:
				return w.grantRequestError(c, id, "grantreq.not-yours")
			}
			return w.fail(c, err)
		},
	}
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
