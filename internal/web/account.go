package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

// The caller's own account (/account/...): their sessions, setting up the
// second factor, and replacing a one-time password.

// Sessions lists the caller's own live sessions (signed in elsewhere, on
// another device), each with a button to end it.
func (w *Web) Sessions(c echo.Context) error {
	return showList(w, c, "sessions", "sessions.title", w.d.Accounts.Sessions)
}

// EndSession ends one of the caller's sessions; ending the current one is
// signing out.
func (w *Web) EndSession(c echo.Context) error {
	cl := callerOf(c)
	id, err := uuid.Parse(c.Param("session"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Session"))
	}
	if err := w.d.Accounts.EndSession(c.Request().Context(), cl, id); err != nil {
		return w.fail(c, err)
	}
	if cl.Session != nil && cl.Session.ID == id {
		w.clearSession(c)
		return c.Redirect(http.StatusSeeOther, "/login?done=logout")
	}
	return c.Redirect(http.StatusSeeOther, "/account/sessions?done=session_ended")
}

const keyEnrolling = "web.enrolling"

// Enrolling lets in a signed-in person, or one whose password sign-in waits
// for a second factor to be set up; anyone else goes to the sign-in page.
func (w *Web) Enrolling(next echo.HandlerFunc) echo.HandlerFunc {
	return w.waitingFor(accounts.PendingEnrolment, true)(next)
}

// NewPasswordSession lets in a session that signed in with the first
// admin's one-time password and waits for the person's own; anyone else
// goes to the sign-in page.
func (w *Web) NewPasswordSession(next echo.HandlerFunc) echo.HandlerFunc {
	return w.waitingFor(accounts.PendingNewPassword, false)(next)
}

// waitingFor lets in a session that waits for pending (and, with
// signedIn, any usable one), putting its caller on the context.
func (w *Web) waitingFor(pending string, signedIn bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cl := callerOf(c); cl != nil && signedIn {
				c.Set(keyEnrolling, cl)
				return next(c)
			}
			token, _ := c.Get(keyPending).(string)
			if token == "" {
				return w.toLogin(c)
			}
			cl, err := w.d.Accounts.AuthenticateAny(c.Request().Context(), token, nil)
			if err != nil || cl.Session.Pending != pending {
				return w.toLogin(c)
			}
			cl.Client = c.RealIP()
			c.Set(keyEnrolling, cl)
			return next(c)
		}
	}
}

type twoFactorData struct {
	Next   string
	QR     template.URL // the otpauth URI as a PNG data: URL
	Secret string       // the same, to type in, in groups of four
	Codes  []string     // the recovery codes, once set up
	// Retry asks for the code again after a wrong one, without the secret:
	// a secret is shown once, when it is made, and never again.
	Retry bool
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

// TwoFactorForm shows a new secret as a QR code, with the field for the
// first code.
func (w *Web) TwoFactorForm(c echo.Context) error {
	cl, _ := c.Get(keyEnrolling).(*accounts.Caller)
	e, err := w.d.Accounts.BeginEnrolment(c.Request().Context(), cl)
	if apperr.As(err).Type == accounts.TypeReauthRequired {
		// Only a fresh sign-in proves who sets up the second factor: the
		// session ends, and the sign-in page brings the person back here.
		if ck, cerr := c.Cookie(accounts.CookieName); cerr == nil {
			w.d.Accounts.Logout(c.Request().Context(), ck.Value)
		}
		w.clearSession(c)
		return c.Redirect(http.StatusSeeOther, "/login?reauth=1&next="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "two_factor", w.newPage(c, "twofactor.title", newTwoFactorData(accounts.LocalPath(c.QueryParam("next"), "/dashboard"), e)))
}

// TwoFactorConfirm puts the secret in force with its first code and shows
// the recovery codes, once. The session gets a new token.
func (w *Web) TwoFactorConfirm(c echo.Context) error {
	cl, _ := c.Get(keyEnrolling).(*accounts.Caller)
	ctx := c.Request().Context()
	next := accounts.LocalPath(c.FormValue("next"), "/dashboard")
	token := ""
	if ck, err := c.Cookie(accounts.CookieName); err == nil {
		token = ck.Value
	}
	done, err := w.d.Accounts.ConfirmEnrolment(ctx, cl, token, strings.TrimSpace(c.FormValue("otp")))
	if err == nil {
		w.setSession(c, done.Token)
		return w.render(c, "two_factor", w.newPage(c, "twofactor.title", twoFactorData{Next: next, Codes: done.RecoveryCodes}))
	}
	p := w.newPage(c, "twofactor.title", twoFactorData{Next: next, Retry: true})
	p.Form = "two-factor"
	return w.refusedAs(c, "two_factor", p, err, map[apperr.Code]refusal{
		apperr.Unauthenticated: {"otp", "login.otp.wrong"},
		apperr.TooManyRequests: tooManyAttempts,
	})
}

// NewPasswordForm asks for the person's own password in place of the
// one-time one.
func (w *Web) NewPasswordForm(c echo.Context) error {
	return w.render(c, "password", w.newPage(c, "password.title", "password.first.lead"))
}

// NewPassword replaces the one-time password and goes on to setting up the
// second factor.
func (w *Web) NewPassword(c echo.Context) error {
	cl, _ := c.Get(keyEnrolling).(*accounts.Caller)
	p := w.newPage(c, "password.title", "password.first.lead")
	p.Form = "password"
	next := accounts.LocalPath(c.QueryParam("next"), "/dashboard")
	if newPasswordOK(c, p) {
		token, _ := c.Get(keyPending).(string)
		r, err := w.d.Accounts.ReplaceOneTimePassword(c.Request().Context(), cl, token, c.FormValue("password"))
		if err == nil {
			w.setSession(c, r.Token)
			if r.Pending == accounts.PendingEnrolment {
				return c.Redirect(http.StatusSeeOther, "/account/two-factor?next="+url.QueryEscape(next))
			}
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
		}
		return w.refusedAs(c, "password", p, err, map[apperr.Code]refusal{apperr.Invalid: {"password", "err.password.first"}})
	}
	return w.refused(c, "password", p)
}
