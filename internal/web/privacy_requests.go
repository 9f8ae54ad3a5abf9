package web

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/privacy"
)

// The privacy officer's data-subject requests (docs/decisions.md, "How a
// data-subject request flows").

// DSRList serves GET /privacy/requests.
func (w *Web) DSRList(c echo.Context) error {
	return w.renderRequests(c, w.newPage(c, "dsr.title", nil))
}

func (w *Web) renderRequests(c echo.Context, p *page) error {
	items, err := w.d.Privacy.Requests(c.Request().Context())
	if err != nil {
		return w.fail(c, err)
	}
	p.Data = rows[privacy.Request]{Items: items}
	return w.render(c, "privacy_requests", p)
}

// DSRCreate records a request from the form; the subject is named by
// their e-mail address.
func (w *Web) DSRCreate(c echo.Context) error {
	p := w.newPage(c, "dsr.title", nil)
	p.Form, p.Values = "dsr", formValues(c)
	ctx := c.Request().Context()
	in := privacy.RequestInput{RequestedBy: c.FormValue("requested_by"), ReceivedOn: c.FormValue("received_on"),
		IdentityCheck: c.FormValue("identity_check"), LegalBasis: c.FormValue("legal_basis")}
	// An unknown address leaves the subject empty, so the service checks
	// every other field as well and the form shows all errors at once.
	subject, err := w.d.Privacy.SubjectByEmail(ctx, c.FormValue("subject_email"))
	if err != nil && apperr.CodeOf(err) != apperr.Invalid {
		return w.fail(c, err)
	}
	in.SubjectID = subject
	r, err := w.d.Privacy.CreateRequest(ctx, callerOf(c), in)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/privacy/requests/"+r.ID.String()+"?done=dsr_created")
	}
	if e := apperr.As(err); e.Code == apperr.Invalid && e.Fields["subject_id"] != "" {
		// The form names the subject by address.
		e.Fields["subject_email"] = e.Fields["subject_id"]
		delete(e.Fields, "subject_id")
	}
	if !formErrors(p.Lang, err, p) {
		return w.fail(c, err)
	}
	if p.Errors["received_on"] != "" {
		p.Errors["received_on"] = p.T("dsr.err.received_on") // the shared text speaks of a complaint
	}
	p.Status = http.StatusUnprocessableEntity
	return w.renderRequests(c, p)
}

type requestData struct {
	R *privacy.Request
	// Recent: the officer proved who they are recently enough to export.
	Recent bool
}

func (w *Web) requestOf(c echo.Context) (*privacy.Request, error) {
	id, err := uuid.Parse(c.Param("request"))
	if err != nil {
		return nil, apperr.NotFoundError("Data-subject request")
	}
	return w.d.Privacy.Request(c.Request().Context(), id)
}

// DSRPage serves GET /privacy/requests/:request.
func (w *Web) DSRPage(c echo.Context) error {
	r, err := w.requestOf(c)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "privacy_request", w.newPage(c, "dsr.one.title",
		requestData{R: r, Recent: w.d.Accounts.RecentlyAuthenticated(callerOf(c))}))
}

// DSRClose serves POST /privacy/requests/:request/close.
func (w *Web) DSRClose(c echo.Context) error {
	r, err := w.requestOf(c)
	if err != nil {
		return w.fail(c, err)
	}
	_, err = w.d.Privacy.CloseRequest(c.Request().Context(), callerOf(c), r.ID, privacy.CloseInput{Outcome: c.FormValue("outcome")})
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/privacy/requests/"+r.ID.String()+"?done=dsr_closed")
	}
	p := w.newPage(c, "dsr.one.title", requestData{R: r, Recent: w.d.Accounts.RecentlyAuthenticated(callerOf(c))})
	p.Form, p.Values = "close", formValues(c)
	if !formErrors(p.Lang, err, p) {
		return w.fail(c, err)
	}
	return w.refused(c, "privacy_request", p)
}

// DSRExport downloads the subject's data under the request; like the API
// it needs a recent proof of identity.
func (w *Web) DSRExport(c echo.Context) error {
	format := c.Param("format")
	if format != "json" && format != "pdf" {
		return w.fail(c, apperr.NotFoundError("Page"))
	}
	r, err := w.requestOf(c)
	if err != nil {
		return w.fail(c, err)
	}
	cl := callerOf(c)
	exp, err := w.d.Privacy.BuildUnderRequest(c.Request().Context(), cl, r.SubjectID, &r.ID)
	if err != nil {
		return w.fail(c, err)
	}
	return w.download(c, r.SubjectID, format, exp, "rkc-inzage-"+strings.SplitN(r.ID.String(), "-", 2)[0])
}
