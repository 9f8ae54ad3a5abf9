package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// SignalComplaint turns the anonymous signal of the receipt code into a
// complaint of the signed-in complainant: the reporter comes forward. The
// code travels in the form body, as when following the signal; the service
// checks it (throttled like every wrong code), that the caller is a
// complainant, and that the signal has not been turned into a complaint
// before. The new case opens with what the reporter wrote.
func (w *Web) SignalComplaint(c echo.Context) error {
	code := strings.TrimSpace(c.FormValue("code"))
	var err error
	if c.FormValue("confirm") == "yes" {
		f, cerr := w.d.Signals.ConvertSignal(c.Request().Context(), w.d.Throttle, code, c.RealIP(), callerOf(c))
		if cerr == nil {
			return c.Redirect(http.StatusSeeOther, "/cases/"+f.ID.String()+"?done=signal_converted")
		}
		if apperr.CodeOf(cerr) == apperr.NotFound || apperr.CodeOf(cerr) == apperr.TooManyRequests {
			return w.showSignal(c, code, "")
		}
		err = cerr
	}
	v, gerr := w.d.Signals.SignalByCode(c.Request().Context(), w.d.Throttle, code, c.RealIP())
	if gerr != nil {
		return w.showSignal(c, code, "")
	}
	p := w.newPage(c, "signal.follow.title", followData{Code: code, Signal: v})
	p.Form = "convert"
	if err == nil {
		p.Errors["confirm"] = p.T("convert.confirm.needed")
	} else if !formErrors(p.Lang, err, p) {
		return w.fail(c, err)
	} else if len(p.Errors) > 0 {
		// The signal lacks what a complaint needs: say so for the whole form.
		clear(p.Errors)
		p.FormError = p.T("convert.incomplete")
	}
	p.Status = refusalStatus(err) // 403: signed in, but not as a complainant
	return w.render(c, "signal_follow", p)
}
