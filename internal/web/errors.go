package web

import (
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// errorPages is the one translation of domain errors to pages: the status
// and the catalogue keys of the title and the explanation. Form errors
// (invalid input, a refused step) are shown beside the form instead, by
// formErrors; what reaches fail is shown as a page of its own.
var errorPages = map[apperr.Code]struct {
	status      int
	title, text string
}{
	apperr.Invalid:         {http.StatusBadRequest, "error.invalid.title", "error.invalid.text"},
	apperr.Unauthenticated: {http.StatusUnauthorized, "error.unauthenticated.title", "error.unauthenticated.text"},
	apperr.Forbidden:       {http.StatusForbidden, "error.forbidden.title", "error.forbidden.text"},
	apperr.NotFound:        {http.StatusNotFound, "error.not_found.title", "error.not_found.text"},
	apperr.Conflict:        {http.StatusConflict, "error.conflict.title", "error.conflict.text"},
	apperr.TooLarge:        {http.StatusRequestEntityTooLarge, "error.too_large.title", "error.too_large.text"},
	apperr.Unsupported:     {http.StatusUnsupportedMediaType, "error.unsupported.title", "error.unsupported.text"},
	apperr.TooManyRequests: {http.StatusTooManyRequests, "error.too_many.title", "error.too_many.text"},
	apperr.Unavailable:     {http.StatusServiceUnavailable, "error.unavailable.title", "error.unavailable.text"},
	apperr.Internal:        {http.StatusInternalServerError, "error.internal.title", "error.internal.text"},
}

type errorData struct {
	Text      string // catalogue key
	Specific  string // catalogue key of the specific problem, if known
	RequestID string
}

// fail answers with the page for err. A missing session leads to sign-in.
func (w *Web) fail(c echo.Context, err error) error {
	e := apperr.As(err)
	if e.Code == apperr.Unauthenticated {
		return w.toLogin(c)
	}
	ep, ok := errorPages[e.Code]
	if !ok {
		ep = errorPages[apperr.Internal]
	}
	if ep.status >= 500 {
		// The cause by type only: error texts can carry values.
		w.d.Log.Error("page failed", "route", c.Path(), "code", string(e.Code), "type", e.Type)
	}
	if e.RetryAfter > 0 { // too many requests, database unavailable
		c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	d := errorData{Text: ep.text, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if k := "error.type." + e.Type; i18n.Has(i18n.Default, k) {
		d.Specific = k
	}
	p := w.newPage(c, ep.title, d)
	p.Status = ep.status
	return w.render(c, "error", p)
}

// NotFound is the kind 404 page for every unknown path outside the API.
func (w *Web) NotFound(c echo.Context) error {
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		return echo.ErrNotFound
	}
	return w.fail(c, apperr.NotFoundError("Page"))
}

// formErrors turns a refused step into messages beside the fields, in plain
// language: a catalogue text per field where there is one, else a general
// one. It reports false for errors that are no form errors (not found,
// internal, …), which the caller then shows as a page.
func formErrors(lang string, err error, p *page) bool {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Invalid, apperr.Conflict, apperr.TooLarge, apperr.Unsupported, apperr.Forbidden, apperr.TooManyRequests:
	default:
		return false
	}
	if e.Code == apperr.Invalid && len(e.Fields) > 0 {
		for f := range e.Fields {
			p.Errors[f] = fieldMessage(lang, f)
		}
		return true
	}
	if k := "error.type." + e.Type; i18n.Has(i18n.Default, k) {
		p.FormError = i18n.T(lang, k)
	} else {
		p.FormError = i18n.T(lang, errorPages[e.Code].text)
	}
	return true
}

// refusalPage is a case page to show again with the refusal of form on it:
// the posted values, the problems in bad beside their fields, and err (the
// service's refusal) beside the form, with refusalStatus. An err that is no
// refusal of the form (a missing case, a failure) comes back, for the
// error page.
func (w *Web) refusalPage(c echo.Context, form string, bad map[string]string, err error) (*page, error) {
	p := w.newPage(c, "case.title", nil)
	p.Form, p.Values = form, formValues(c)
	maps.Copy(p.Errors, bad)
	p.Status = refusalStatus(err)
	if err != nil && !formErrors(p.Lang, err, p) {
		return nil, err
	}
	return p, nil
}

// refusalStatus is the status of a form shown again with its refusal: the
// API's status for the refusal's kind where it says more than that the
// input was wrong (a stale version, a step not the caller's, a file too
// large or of a refused type), otherwise 422.
func refusalStatus(err error) int {
	switch code := apperr.CodeOf(err); code {
	case apperr.Conflict, apperr.Forbidden, apperr.TooLarge, apperr.Unsupported:
		return errorPages[code].status
	}
	return http.StatusUnprocessableEntity
}

// fieldMessage is the plain-language message for a field the service refused.
func fieldMessage(lang, field string) string {
	base := field
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	if k := "err." + base; i18n.Has(i18n.Default, k) {
		return i18n.T(lang, k)
	}
	return i18n.T(lang, "err.invalid")
}

// refusal is how a form's page words one kind of refused request: the
// catalogue key of the message, beside field, or above the form when
// field is empty.
type refusal struct{ field, key string }

// tooManyAttempts is the refusal of a form sent too often (a throttle).
var tooManyAttempts = refusal{key: "error.type.too-many-attempts"}

// refusedAs shows page tmpl again (422) with err beside its form, in the
// words the form gives for the error's code; an error of a code it does
// not name gets the error page.
func (w *Web) refusedAs(c echo.Context, tmpl string, p *page, err error, words map[apperr.Code]refusal) error {
	r, ok := words[apperr.CodeOf(err)]
	if !ok {
		return w.fail(c, err)
	}
	if r.field == "" {
		p.FormError = p.T(r.key)
	} else {
		p.Errors[r.field] = p.T(r.key)
	}
	return w.refused(c, tmpl, p)
}
