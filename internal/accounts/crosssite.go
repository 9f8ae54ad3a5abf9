package accounts

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// CSRFCookie holds the double-submitted token of the pages' forms; an API
// request may repeat it in the CSRFHeader instead of proving same-origin.
const (
	CSRFCookie = "rkc_csrf"
	CSRFHeader = "X-CSRF-Token"
)

// RefuseCrossSite guards the API against cross-site request forgery. A
// browser sends the session cookie with a form another site posts (only
// SameSite=Lax stands in the way, and not for every method or browser), so
// a request that changes state and is authenticated by that cookie must
// show it comes from this site: Sec-Fetch-Site same-origin (or none, a
// request the user made directly), else an Origin equal to this host, else
// the CSRF token in the X-CSRF-Token header. Requests with a bearer token
// are not at risk (a browser never adds one by itself) and pass, as do
// anonymous ones. It runs after Authenticate.
func RefuseCrossSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if safeMethod(r.Method) || !cookieAuthenticated(c) || sameOrigin(r) || tokenMatches(r) {
			return next(c)
		}
		return apperr.New(apperr.Forbidden, "csrf",
			"A request from another site that changes data is refused: send it from this site, with the X-CSRF-Token header, or with a bearer token.")
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// cookieAuthenticated says whether the session of the request came from
// the cookie rather than an Authorization header.
func cookieAuthenticated(c echo.Context) bool {
	if _, ok := sessionCaller(c); !ok {
		return false
	}
	return !strings.HasPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
}

// sameOrigin reads the Fetch metadata, and where a browser sends none, the
// Origin header. A request with neither is not taken as same-origin: every
// browser that could be tricked into a cross-site post sends one of them.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default: // same-site, cross-site: a sibling host is another site too
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// tokenMatches compares the X-CSRF-Token header with the CSRF cookie, the
// way the pages compare their hidden field: another site can set neither.
func tokenMatches(r *http.Request) bool {
	sent := r.Header.Get(CSRFHeader)
	ck, err := r.Cookie(CSRFCookie)
	if err != nil || len(ck.Value) < 32 || sent == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(ck.Value)) == 1
}
