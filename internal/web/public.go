package web

import (
	"context"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/signals"
)

// The case vocabulary, from the case model.
var (
	categories          = cases.Categories
	grounds             = cases.Grounds
	inadmissibleGrounds = cases.InadmissibleGrounds
	judgements          = cases.Judgements
)

// ServeStatic serves the embedded assets. They hold no case data, so the
// browser may keep them for a day.
func (w *Web) ServeStatic(c echo.Context) error {
	name := path.Clean(strings.TrimPrefix(c.Param("*"), "/"))
	b, err := fs.ReadFile(w.static, name)
	if err != nil || strings.HasPrefix(name, ".") {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return c.Blob(http.StatusOK, ct, b)
}

type ministry struct{ Code, Name string }

var ministryCache struct {
	sync.Mutex
	list []ministry
	at   time.Time
}

// ministries lists the active ministries (configurable data), cached briefly.
func (w *Web) ministries() []ministry {
	ministryCache.Lock()
	defer ministryCache.Unlock()
	if ministryCache.list != nil && time.Since(ministryCache.at) < time.Minute {
		return ministryCache.list
	}
	all, err := w.d.Accounts.Ministries(context.Background())
	if err != nil {
		w.d.Log.Error("listing ministries failed")
		return ministryCache.list
	}
	list := []ministry{}
	for _, m := range all {
		if m.Active {
			list = append(list, ministry{Code: m.Code, Name: m.Name})
		}
	}
	slices.SortFunc(list, func(a, b ministry) int { return strings.Compare(a.Code, b.Code) })
	ministryCache.list, ministryCache.at = list, time.Now()
	return list
}

// Home explains the committee and leads to the right start.
func (w *Web) Home(c echo.Context) error {
	if callerOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/dashboard")
	}
	return w.render(c, "home", w.newPage(c, "home.title", nil))
}

type loginData struct {
	Next    string
	Expired bool
	Email   string
	// The configured OpenID providers, and whether the password form is on.
	Providers     []accounts.ProviderInfo
	PasswordLogin bool
	AskOTP        bool // the account has a second factor: ask for the code
}

func (w *Web) newLoginData(c echo.Context, next, email string) loginData {
	return loginData{Next: next, Email: email, Providers: w.d.Accounts.Providers(), PasswordLogin: w.d.Accounts.Options().PasswordLogin}
}

// LoginForm serves GET /login.
func (w *Web) LoginForm(c echo.Context) error {
	if callerOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, accounts.LocalPath(c.QueryParam("next"), "/dashboard"))
	}
	d := w.newLoginData(c, accounts.LocalPath(c.QueryParam("next"), ""), "")
	d.Expired = c.QueryParam("expired") == "1"
	p := w.newPage(c, "login.title", d)
	if c.QueryParam("expired") == "1" {
		p.Notice = "login.expired"
	}
	if c.QueryParam("reauth") == "1" {
		p.Notice = "login.reauth"
	}
	if c.QueryParam("done") == "logout" {
		p.Flash = "flash.logout"
	}
	return w.render(c, "login", p)
}

// Login signs in with e-mail and password (and the authenticator's code
// where the account has one) and opens the session cookie the API shares.
func (w *Web) Login(c echo.Context) error {
	email, password, otp := strings.TrimSpace(c.FormValue("email")), c.FormValue("password"), strings.TrimSpace(c.FormValue("otp"))
	next := accounts.LocalPath(c.FormValue("next"), "/dashboard")
	d := w.newLoginData(c, c.FormValue("next"), email)
	d.AskOTP = otp != ""
	p := w.newPage(c, "login.title", d)
	p.Form = "login"
	if email == "" {
		p.Errors["email"] = p.T("err.login.email")
	}
	if password == "" {
		p.Errors["password"] = p.T("err.login.password")
	}
	if len(p.Errors) == 0 {
		ctx := c.Request().Context()
		in := accounts.SignInInput{Email: email, Password: password, OTP: otp, Client: c.RealIP(), UserAgent: c.Request().UserAgent()}
		if len(otp) > 8 { // a recovery code in the same field
			in.OTP, in.RecoveryCode = "", otp
		}
		r, err := w.d.Accounts.SignIn(ctx, in)
		switch {
		case err == nil && r.Pending == "":
			if ck, err := c.Cookie(accounts.CookieName); err == nil {
				w.d.Accounts.Logout(ctx, ck.Value) // a new session, never the old one
			}
			w.setSession(c, r.Token)
			return c.Redirect(http.StatusSeeOther, next)
		case err == nil:
			// The pages take the code with the password, in one form: the
			// session that waits for it is not kept.
			if r.Pending == accounts.PendingNewPassword {
				// The first admin's printed password: their own one first.
				w.setSession(c, r.Token)
				return c.Redirect(http.StatusSeeOther, "/account/new-password?next="+url.QueryEscape(next))
			}
			if r.Pending == accounts.PendingEnrolment {
				// Staff without a second factor set one up before anything else.
				w.setSession(c, r.Token)
				return c.Redirect(http.StatusSeeOther, "/account/two-factor?next="+url.QueryEscape(next))
			}
			w.d.Accounts.Logout(ctx, r.Token)
			if r.Pending == accounts.PendingOTP {
				d.AskOTP = true
				p.Data = d
				p.Errors["otp"] = p.T("login.otp.needed")
			} else {
				p.FormError = p.T("login.enrol")
			}
			return w.refused(c, "login", p)
		}
		wrong := refusal{key: "login.wrong"}
		if apperr.As(err).Type == accounts.TypeInvalidOTP {
			wrong = refusal{"otp", "login.otp.wrong"}
		}
		return w.refusedAs(c, "login", p, err, map[apperr.Code]refusal{
			apperr.Unauthenticated: wrong,
			apperr.Forbidden:       {key: "login.password.off"},
			apperr.TooManyRequests: tooManyAttempts,
		})
	}
	return w.refused(c, "login", p)
}

// Logout serves POST /logout.
func (w *Web) Logout(c echo.Context) error {
	if ck, err := c.Cookie(accounts.CookieName); err == nil {
		w.d.Accounts.Logout(c.Request().Context(), ck.Value)
	}
	w.clearSession(c)
	return c.Redirect(http.StatusSeeOther, "/login?done=logout")
}

// Anonymous signals (meldingen).

// SignalForm serves GET /signal.
func (w *Web) SignalForm(c echo.Context) error {
	return w.render(c, "signal_new", w.newPage(c, "signal.title", nil))
}

type receiptData struct{ Code string }

// FileSignal stores the signal and shows the receipt code, this once.
func (w *Web) FileSignal(c echo.Context) error {
	p := w.newPage(c, "signal.title", nil)
	p.Form, p.Values = "signal", formValues(c)
	in := signals.SignalInput{Category: c.FormValue("category"), Ministry: c.FormValue("ministry"), Message: strings.TrimSpace(c.FormValue("message"))}
	if in.Category == "" {
		p.Errors["category"] = p.T("err.category")
	}
	if in.Message == "" {
		p.Errors["message"] = p.T("err.message")
	}
	if len(p.Errors) == 0 {
		rec, err := w.d.Signals.FileSignal(c.Request().Context(), in, c.RealIP())
		if err == nil {
			return w.render(c, "signal_receipt", w.newPage(c, "signal.receipt.title", receiptData{Code: rec.ReceiptCode}))
		}
		if !formErrors(p.Lang, err, p) {
			return w.fail(c, err)
		}
		if apperr.CodeOf(err) == apperr.TooManyRequests {
			p.Status = http.StatusTooManyRequests // the limit on signals
			return w.render(c, "signal_new", p)
		}
	}
	return w.refused(c, "signal_new", p)
}

type followData struct {
	Code   string
	Signal *signals.SignalView
}

// SignalFollowForm serves GET /signal/follow.
func (w *Web) SignalFollowForm(c echo.Context) error {
	return w.render(c, "signal_follow", w.newPage(c, "signal.follow.title", followData{}))
}

// SignalFollow shows the conversation of a receipt code. The code travels
// in the form body only, never in an address.
func (w *Web) SignalFollow(c echo.Context) error {
	code := strings.TrimSpace(c.FormValue("code"))
	return w.showSignal(c, code, "")
}

func (w *Web) showSignal(c echo.Context, code, flash string) error {
	p := w.newPage(c, "signal.follow.title", followData{Code: code})
	p.Form = "follow"
	if code == "" {
		p.Errors["code"] = p.T("err.code")
		return w.refused(c, "signal_follow", p)
	}
	v, err := w.d.Signals.SignalByCode(c.Request().Context(), w.d.Throttle, code, c.RealIP())
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.NotFound:
			p.Errors["code"] = p.T("err.code.unknown")
			p.Status = http.StatusUnprocessableEntity
		case apperr.TooManyRequests:
			p.FormError = p.T("error.type.too-many-attempts")
			p.Status = http.StatusTooManyRequests
		default:
			return w.fail(c, err)
		}
		p.Data = followData{}
		return w.render(c, "signal_follow", p)
	}
	p.Data = followData{Code: code, Signal: v}
	p.Flash = flash
	return w.render(c, "signal_follow", p)
}

// SignalMessage adds information from the holder of the code.
func (w *Web) SignalMessage(c echo.Context) error {
	code := strings.TrimSpace(c.FormValue("code"))
	body := strings.TrimSpace(c.FormValue("body"))
	if body == "" {
		v, err := w.d.Signals.SignalByCode(c.Request().Context(), w.d.Throttle, code, c.RealIP())
		if err != nil {
			return w.showSignal(c, code, "")
		}
		p := w.newPage(c, "signal.follow.title", followData{Code: code, Signal: v})
		p.Form = "message"
		p.Errors["body"] = p.T("err.body")
		return w.refused(c, "signal_follow", p)
	}
	if err := w.d.Signals.AddSignalMessage(c.Request().Context(), w.d.Throttle, code, c.RealIP(), signals.MessageInput{Body: body}); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound || apperr.CodeOf(err) == apperr.TooManyRequests {
			return w.showSignal(c, code, "")
		}
		return w.fail(c, err)
	}
	return w.showSignal(c, code, "flash.signal_message")
}

// formValues returns the posted form, for re-showing it after an error.
func formValues(c echo.Context) map[string][]string {
	if err := c.Request().ParseForm(); err != nil {
		return nil
	}
	return c.Request().PostForm
}

// PasswordForm asks for a password for the link of an invitation or a
// password reset. Whether the link works shows only when the form is sent,
// so the page tells nothing about a link it is opened with.
func (w *Web) PasswordForm(c echo.Context) error {
	return w.render(c, "password", w.newPage(c, "password.title", nil))
}

// SetPassword sets the password with the link's token and sends the person
// to the sign-in page.
func (w *Web) SetPassword(c echo.Context) error {
	p := w.newPage(c, "password.title", nil)
	p.Form = "password"
	pw := c.FormValue("password")
	if newPasswordOK(c, p) {
		err := w.d.Accounts.SetPassword(c.Request().Context(), c.Param("token"), pw, c.RealIP())
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/login?done=password")
		}
		return w.refusedAs(c, "password", p, err, map[apperr.Code]refusal{
			apperr.NotFound:        {key: "password.link.invalid"},
			apperr.TooManyRequests: tooManyAttempts,
			apperr.Invalid:         {"password", "err.password.short"},
		})
	}
	return w.refused(c, "password", p)
}

// newPasswordOK checks a chosen password and its repetition, noting on p
// what is wrong.
func newPasswordOK(c echo.Context, p *page) bool {
	pw, again := c.FormValue("password"), c.FormValue("password_again")
	switch {
	case len(pw) < 12:
		p.Errors["password"] = p.T("err.password.short")
	case pw != again:
		p.Errors["password_again"] = p.T("err.password.again")
	default:
		return true
	}
	return false
}
