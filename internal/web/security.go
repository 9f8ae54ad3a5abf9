package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// Cookie and form names.
const (
	langCookie = "rkc_lang"
	csrfCookie = accounts.CSRFCookie
	csrfField  = "csrf"
)

// Context keys.
const (
	keyLang    = "web.lang"
	keyCSRF    = "web.csrf"
	keyIdle    = "web.idle_until"
	keyPending = "web.pending_session" // the token of a session that waits for its second factor
)

// contentSecurityPolicy allows only the server's own scripts, styles and
// images (plus the data: icons inside the design system's CSS), no inline
// script or style, no framing, and forms that post back to the server only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers of every page. Every page may show case
// data or a receipt code, so none is stored by the browser or a proxy.
func (w *Web) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		return next(c)
	}
}

// recoverPage turns a panic into the kind 500 page; the panic value may hold
// personal data, so only the fact is logged.
func (w *Web) recoverPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				w.d.Log.Error("panic in page", "route", c.Path())
				err = w.fail(c, apperr.Wrap(errors.New("panic")))
			}
		}()
		return next(c)
	}
}

// language picks the page language: the remembered choice, else Dutch.
func (w *Web) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := i18n.Default
		if ck, err := c.Cookie(langCookie); err == nil {
			lang = i18n.Lang(ck.Value)
		}
		c.Set(keyLang, lang)
		return next(c)
	}
}

func langOf(c echo.Context) string {
	if l, ok := c.Get(keyLang).(string); ok {
		return l
	}
	return i18n.Default
}

// SetLanguage remembers the chosen language for a year and goes back.
func (w *Web) SetLanguage(c echo.Context) error {
	lang := i18n.Lang(c.Param("lang"))
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: w.d.SecureCookies, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, accounts.LocalPath(c.QueryParam("next"), "/"))
}

// session puts the signed-in person on the context. A session unused for
// longer than the idle timeout is ended here, and the sign-in page says so.
// One statement checks the session, and for the case page loads its case
// too (the route's companion, SetCompanion).
func (w *Web) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(accounts.CookieName)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		var comp *accounts.Companion
		if w.companion != nil {
			comp = w.companion(c) // may give the request a context of its own
		}
		ctx := c.Request().Context()
		caller, err := w.d.Accounts.AuthenticateAny(ctx, ck.Value, comp)
		if err != nil && apperr.CodeOf(err) != apperr.Unauthenticated {
			return w.fail(c, err)
		}
		idle := err == nil && caller.Session.Idle > w.d.IdleTimeout
		if err != nil {
			// Ended, or past a timeout of the accounts' own: was it idle?
			unused, ierr := w.d.Accounts.IdleFor(ctx, ck.Value)
			idle = ierr == nil && unused > w.d.IdleTimeout
		}
		if err != nil || idle {
			if idle { // "signed out for inactivity" on the sign-in page
				w.d.Accounts.Logout(ctx, ck.Value)
				c.Set("web.expired", true)
			}
			w.clearSession(c)
			return next(c)
		}
		if caller.Session.Pending != "" {
			// Staff setting up their second factor: no session for any
			// page but that one (enrolling), so the cookie stays.
			c.Set(keyPending, ck.Value)
			return next(c)
		}
		caller.Client = c.RealIP()
		if err := w.d.Enforcer.Sync(caller.ID.String(), caller.Grants); err != nil {
			return w.fail(c, apperr.Wrap(err))
		}
		accounts.SetCaller(c, caller)
		c.Set(keyIdle, time.Now().Add(w.d.IdleTimeout))
		return next(c)
	}
}

// setSession gives the browser the session token (after signing in, or a
// step that rotates it).
func (w *Web) setSession(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: accounts.CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: w.d.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (w *Web) clearSession(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: accounts.CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: w.d.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func callerOf(c echo.Context) *accounts.Caller {
	cl, _ := accounts.CallerFrom(c)
	return cl
}

// csrf guards every form with a double-submitted token: a random value in a
// SameSite=Strict cookie that the form repeats in a hidden field. A post
// without the matching field is refused and changes nothing.
func (w *Web) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			token = ck.Value
		}
		if c.Request().Method == http.MethodPost {
			c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxFormBytes)
			sent := c.Request().PostFormValue(csrfField)
			if sent == "" && strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
				if err := c.Request().ParseMultipartForm(multipartMemory); err == nil {
					sent = c.Request().FormValue(csrfField)
				}
			}
			if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return w.fail(c, apperr.New(apperr.Forbidden, "csrf", "The form has expired."))
			}
		}
		if token == "" {
			token = accounts.RandomSecret(32)
			c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
				Secure: w.d.SecureCookies, SameSite: http.SameSiteStrictMode})
		}
		c.Set(keyCSRF, token)
		return next(c)
	}
}

// multipartMemory is how much of an upload is held in memory before it goes
// to a temporary file.
const multipartMemory = 32 << 20

// maxFormBytes bounds a posted form, evidence files included.
const maxFormBytes = 64 << 20

// signedIn sends a visitor without a session to the sign-in page and back.
func (w *Web) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if callerOf(c) == nil {
			return w.toLogin(c)
		}
		return next(c)
	}
}

func (w *Web) toLogin(c echo.Context) error {
	q := url.Values{}
	if c.Request().Method == http.MethodGet {
		q.Set("next", c.Request().URL.RequestURI())
	}
	if expired, _ := c.Get("web.expired").(bool); expired {
		q.Set("expired", "1")
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// Roles lets in a signed-in person who holds one of the roles in some
// domain: the deadline board, a work list for which the policy names no
// action of its own.
func (w *Web) Roles(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return w.signedIn(func(c echo.Context) error {
			cl := callerOf(c)
			for _, r := range roles {
				if cl.HasRole(r) {
					return next(c)
				}
			}
			return w.fail(c, apperr.New(apperr.Forbidden, "forbidden", "Your roles do not allow this."))
		})
	}
}

func (w *Web) allowed(cl *accounts.Caller, action string) bool {
	return cl != nil && len(w.d.Enforcer.Domains(cl.ID.String(), action)) > 0
}

// Ping counts as activity: the idle warning's "stay signed in" calls it, and
// learns when the session now ends.
func (w *Web) Ping(c echo.Context) error {
	if t, ok := c.Get(keyIdle).(time.Time); ok {
		c.Response().Header().Set("X-Idle-Until", strconv.FormatInt(t.UnixMilli(), 10))
	}
	return c.NoContent(http.StatusNoContent)
}
