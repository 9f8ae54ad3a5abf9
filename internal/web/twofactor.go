package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

const keyEnrolling = "web.enrolling"

// enrolling lets in a signed-in person, or one whose password sign-in waits
// for a second factor to be set up; anyone else goes to the sign-in page.
func (w *Web) enrolling(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if cl := callerOf(c); cl != nil {
			c.Set(keyEnrolling, cl)
			return next(c)
		}
		token, _ := c.Get(keyPending).(string)
		if token == "" {
			return w.toLogin(c)
		}
		cl, err := w.d.Accounts.AuthenticateAny(c.Request().Context(), token)
		if err != nil || cl.Session.Pending != accounts.PendingEnrolment {
			return w.toLogin(c)
		}
		cl.Client = c.RealIP()
		c.Set(keyEnrolling, cl)
		return next(c)
	}
}

type twoFactorData struct {
	Next   string
	QR     template.URL // the otpauth URI as a PNG data: URL
	Secret string       // the same, to type in, in groups of four
	Codes  []string     // the recovery codes, once set up
}

func newTwoFactorData(next string, e *accounts.Enrolment) twoFactorData {
	var groups []string
	for s := e.Secret; len(s) > 0; {
		n := min(4, len(s))
		groups, s = append(groups, s[:n]), s[n:]
	}
	return twoFactorData{Next: next, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCodePNG)),
		Secret: strings.Join(groups, " ")}
}

// twoFactorForm shows a new secret as a QR code, with the field for the
// first code.
func (w *Web) twoFactorForm(c echo.Context) error {
	cl, _ := c.Get(keyEnrolling).(*accounts.Caller)
	e, err := w.d.Accounts.BeginEnrolment(c.Request().Context(), cl)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "two_factor", w.newPage(c, "twofactor.title", newTwoFactorData(localPath(c.QueryParam("next"), "/dashboard"), e)))
}

// twoFactorConfirm puts the secret in force with its first code and shows
// the recovery codes, once. The session gets a new token.
func (w *Web) twoFactorConfirm(c echo.Context) error {
	cl, _ := c.Get(keyEnrolling).(*accounts.Caller)
	ctx := c.Request().Context()
	next := localPath(c.FormValue("next"), "/dashboard")
	token := ""
	if ck, err := c.Cookie(accounts.CookieName); err == nil {
		token = ck.Value
	}
	done, err := w.d.Accounts.ConfirmEnrolment(ctx, cl, token, strings.TrimSpace(c.FormValue("otp")))
	if err == nil {
		c.SetCookie(&http.Cookie{Name: accounts.CookieName, Value: done.Token, Path: "/", HttpOnly: true,
			Secure: w.d.SecureCookies, SameSite: http.SameSiteLaxMode})
		return w.render(c, "two_factor", w.newPage(c, "twofactor.title", twoFactorData{Next: next, Codes: done.RecoveryCodes}))
	}
	e, perr := w.d.Accounts.PendingEnrolment(ctx, cl)
	if perr != nil {
		return w.fail(c, perr)
	}
	p := w.newPage(c, "twofactor.title", newTwoFactorData(next, e))
	p.Form = "two-factor"
	switch apperr.CodeOf(err) {
	case apperr.Unauthenticated:
		p.Errors["otp"] = p.T("login.otp.wrong")
	case apperr.TooManyRequests:
		p.FormError = p.T("error.type.too-many-attempts")
	default:
		return w.fail(c, err)
	}
	p.Status = http.StatusUnprocessableEntity
	return w.render(c, "two_factor", p)
}
