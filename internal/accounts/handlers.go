package accounts

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// CookieName is the session cookie.
const CookieName = "rkc_session"

const callerKey = "caller"

// CallerFrom returns the authenticated caller of the request.
func CallerFrom(c echo.Context) (*Caller, bool) {
	caller, ok := c.Get(callerKey).(*Caller)
	return caller, ok && caller != nil
}

// CallerID returns the id of the authenticated caller, for the authz middleware.
func CallerID(c echo.Context) (string, bool) {
	caller, ok := CallerFrom(c)
	if !ok {
		return "", false
	}
	return caller.ID.String(), true
}

// Handlers serves sign-in, sign-out and "who am I".
type Handlers struct {
	Service       *Service
	SecureCookies bool
	// Synced is told of every authenticated caller, so the authorisation
	// layer holds their current grants.
	Synced func(*Caller) error
}

func bearer(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if ck, err := c.Cookie(CookieName); err == nil {
		return ck.Value
	}
	return ""
}

// Authenticate is middleware that puts the session's caller on the context
// when the request carries a valid token; it does not refuse anonymous
// requests (routes that need a caller use RequireCaller or authz).
func (h *Handlers) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c)
		if token == "" {
			return next(c)
		}
		caller, err := h.Service.Authenticate(c.Request().Context(), token)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Unauthenticated {
				return next(c)
			}
			return err
		}
		caller.Client = c.RealIP()
		if h.Synced != nil {
			if err := h.Synced(caller); err != nil {
				return apperr.Wrap(err)
			}
		}
		c.Set(callerKey, caller)
		return next(c)
	}
}

// RequireCaller refuses requests without a valid session with 401.
func RequireCaller(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := CallerFrom(c); !ok {
			return errNoSession
		}
		return next(c)
	}
}

// ErrUnauthenticated is the error for requests without a valid session.
func ErrUnauthenticated(echo.Context) error { return errNoSession }

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty"`
}

type loginResponse struct {
	Token string  `json:"token"`
	User  *Caller `json:"user"`
}

// Login handles POST /api/v1/session.
func (h *Handlers) Login(c echo.Context) error {
	var req loginRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	bad := map[string]string{}
	if strings.TrimSpace(req.Email) == "" || len(req.Email) > 254 {
		bad["email"] = "is required"
	}
	if req.Password == "" || len(req.Password) > 1024 {
		bad["password"] = "is required"
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	token, p, err := h.Service.Login(c.Request().Context(), req.Email, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	caller, err := h.Service.Authenticate(c.Request().Context(), token)
	if err != nil {
		return err
	}
	_ = p
	c.SetCookie(&http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(h.Service.sessionTTL)})
	return c.JSON(http.StatusCreated, loginResponse{Token: token, User: caller})
}

// Logout handles DELETE /api/v1/session.
func (h *Handlers) Logout(c echo.Context) error {
	if err := h.Service.Logout(c.Request().Context(), bearer(c)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: h.SecureCookies, MaxAge: -1, SameSite: http.SameSiteLaxMode})
	return c.NoContent(http.StatusNoContent)
}

// Me handles GET /api/v1/me.
func (h *Handlers) Me(c echo.Context) error {
	caller, _ := CallerFrom(c)
	return c.JSON(http.StatusOK, caller)
}
