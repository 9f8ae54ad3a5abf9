package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// cookiePrefix is what every cookie of the service is named with inside
// the code (rkc_session, rkc_csrf, rkc_lang, …).
const cookiePrefix = "rkc_"

// prefixedCookies gives the service's cookies the __Host- prefix when it is
// served over TLS (__Secure- for a cookie with a narrower path, which
// __Host- does not allow). A browser keeps a __Host- cookie only when it
// was set Secure, for the whole host and by the host itself, so a sibling
// subdomain or a plain-HTTP answer cannot plant a session or CSRF cookie
// (cookie tossing). Incoming, the prefixed names are read under the plain
// names the code uses and a plain-named cookie, which anyone could have
// planted, is dropped; outgoing, every Set-Cookie of ours is renamed. Doing
// it here, once for the API and the pages, keeps the cookie names in the
// handlers the same in every deployment.
func prefixedCookies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		cookies := r.Cookies()
		r.Header.Del("Cookie")
		for _, ck := range cookies {
			name, ok := strings.CutPrefix(ck.Name, "__Host-")
			if !ok {
				name, ok = strings.CutPrefix(ck.Name, "__Secure-")
			}
			switch {
			case ok && strings.HasPrefix(name, cookiePrefix):
				ck.Name = name
			case strings.HasPrefix(ck.Name, cookiePrefix):
				continue // unprefixed: not set by this service over TLS
			}
			r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
		res := c.Response()
		res.Before(func() {
			set := res.Header()["Set-Cookie"]
			for i, v := range set {
				if !strings.HasPrefix(v, cookiePrefix) {
					continue
				}
				prefix := "__Secure-"
				if ck, err := http.ParseSetCookie(v); err == nil && ck.Path == "/" && ck.Domain == "" {
					prefix = "__Host-"
				}
				set[i] = prefix + v
			}
		})
		return next(c)
	}
}
