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

// SetCaller puts an authenticated caller on the request's context, for a
// face that checks the session itself (the pages, with their idle
// timeout): the route table's permission middleware then sees the caller
// as on the API.
func SetCaller(c echo.Context, caller *Caller) { c.Set(callerKey, caller) }

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
	// Companion, when set, may give a request a read to run in the
	// statement that checks its session (see Companion); nil for most
	// routes.
	Companion func(echo.Context) *Companion
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
// requests (routes that need a caller use RequireCaller or authz). A
// session that still waits for its second factor is kept apart: only the
// routes behind RequireSession see it.
func (h *Handlers) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c)
		if token == "" {
			return next(c)
		}
		var comp *Companion
		if h.Companion != nil {
			comp = h.Companion(c)
		}
		caller, err := h.Service.authenticate(c.Request().Context(), token, comp)
		if err != nil {
			if apperr.CodeOf(err) == apperr.Unauthenticated {
				return next(c)
			}
			return err
		}
		caller.Client = c.RealIP()
		if caller.Session.Pending != "" {
			c.Set(pendingKey, caller)
			return next(c)
		}
		if h.Synced != nil {
			if err := h.Synced(caller); err != nil {
				return apperr.Wrap(err)
			}
		}
		c.Set(callerKey, caller)
		return next(c)
	}
}

const pendingKey = "caller_pending"

// sessionCaller returns the caller of the request's session, usable or
// still waiting for its second factor.
func sessionCaller(c echo.Context) (*Caller, bool) {
	if caller, ok := CallerFrom(c); ok {
		return caller, true
	}
	caller, ok := c.Get(pendingKey).(*Caller)
	return caller, ok && caller != nil
}

// RequireCaller refuses requests without a usable session with 401
// (second-factor-required for a session that waits for its second factor).
func RequireCaller(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := CallerFrom(c); !ok {
			return ErrUnauthenticated(c)
		}
		return next(c)
	}
}

// RequireSession lets in any live session, also one that still waits for
// its second factor: the routes that give or set up the second factor.
func RequireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := sessionCaller(c); !ok {
			return errNoSession
		}
		return next(c)
	}
}

// The types of the sign-in refusals a face words in its own way (the
// pages choose their messages by these, never by an error's text).
const (
	// TypeReauthRequired: RequireRecentAuth's refusal; the pages show it
	// beside the form that needs a fresh sign-in.
	TypeReauthRequired = "reauthentication-required"
	// TypeSecondFactorRequired: a session that waits for its second factor.
	TypeSecondFactorRequired = "second-factor-required"
	// TypeInvalidOTP: a wrong or used authenticator code.
	TypeInvalidOTP = "invalid-otp"
)

// RequireRecentAuth refuses a sensitive action (adopting advice, recording
// a decision, exporting someone else's data) with 401
// reauthentication-required unless the caller proved who they are within
// the re-authentication window (POST /api/v1/session/reauth).
func (h *Handlers) RequireRecentAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, ok := CallerFrom(c)
		if !ok {
			return ErrUnauthenticated(c)
		}
		if !h.Service.RecentlyAuthenticated(caller) {
			return errReauth
		}
		return next(c)
	}
}

// ErrUnauthenticated is the error for requests without a usable session.
func ErrUnauthenticated(c echo.Context) error {
	if c != nil {
		if _, pending := c.Get(pendingKey).(*Caller); pending {
			return errSecondFactor
		}
	}
	return errNoSession
}

type loginRequest struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	OTP          string `json:"otp,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

type loginResponse struct {
	Token string  `json:"token"`
	User  *Caller `json:"user"`
	// Pending says what the session waits for before it is usable: "otp"
	// (POST /api/v1/session/otp) or "enrolment" (POST /api/v1/me/totp).
	Pending string `json:"pending,omitempty"`
}

// Login handles POST /api/v1/session. A new session always gets a new
// token; a session the request came with ends (no session fixation).
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
	if len(req.OTP) > 16 || len(req.RecoveryCode) > 64 {
		bad["otp"] = "is too long"
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	ctx := c.Request().Context()
	r, err := h.Service.SignIn(ctx, SignInInput{Email: req.Email, Password: req.Password, OTP: req.OTP,
		RecoveryCode: req.RecoveryCode, Client: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return err
	}
	if old := bearer(c); old != "" {
		h.Service.Logout(ctx, old)
	}
	caller, err := h.Service.authenticate(ctx, r.Token, nil)
	if err != nil {
		return err
	}
	h.setCookie(c, r.Token)
	return c.JSON(http.StatusCreated, loginResponse{Token: r.Token, User: caller, Pending: r.Pending})
}

func (h *Handlers) setCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(h.Service.sessionTTL)})
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
