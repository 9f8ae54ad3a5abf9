package accounts

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// bindingCookie holds, between the start of an OpenID sign-in and the
// provider's answer, the value that ties the flow to this browser.
const bindingCookie = "rkc_oidc"

type codeRequest struct {
	OTP          string `json:"otp"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

type tokenResponse struct {
	Token string `json:"token"`
}

func (r codeRequest) check() error {
	if len(r.OTP) > 16 || len(r.RecoveryCode) > 64 {
		return apperr.InvalidFields(map[string]string{"otp": "is too long"})
	}
	return nil
}

// CompleteSignIn handles POST /api/v1/session/otp: the second factor of a
// session that waits for it. The session gets a new token.
func (h *Handlers) CompleteSignIn(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, req codeRequest) (*loginResponse, error) {
		if err := req.check(); err != nil {
			return nil, err
		}
		caller, _ := sessionCaller(c)
		ctx := c.Request().Context()
		token, err := h.Service.CompleteSignIn(ctx, caller, bearer(c), req.OTP, req.RecoveryCode)
		if err != nil {
			return nil, err
		}
		full, err := h.Service.authenticate(ctx, token, nil)
		if err != nil {
			return nil, err
		}
		h.setCookie(c, token)
		return &loginResponse{Token: token, User: full}, nil
	})
}

type newPasswordRequest struct {
	Password string `json:"password"`
}

// ReplaceOneTimePassword handles POST /api/v1/session/password: the own
// password of a session that signed in with a one-time password. The
// session gets a new token and waits for the second factor next.
func (h *Handlers) ReplaceOneTimePassword(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, req newPasswordRequest) (*ReplacedPassword, error) {
		caller, _ := sessionCaller(c)
		r, err := h.Service.ReplaceOneTimePassword(c.Request().Context(), caller, bearer(c), req.Password)
		if err == nil {
			h.newToken(c, r.Token)
		}
		return r, err
	})
}

type reauthRequest struct {
	Password     string `json:"password"`
	OTP          string `json:"otp,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

// Reauthenticate handles POST /api/v1/session/reauth: the password (and
// the second factor, where the account has one) again, before a sensitive
// action. The session gets a new token.
func (h *Handlers) Reauthenticate(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, req reauthRequest) (*tokenResponse, error) {
		if req.Password == "" || len(req.Password) > 1024 {
			return nil, apperr.InvalidFields(map[string]string{"password": "is required"})
		}
		if err := (codeRequest{OTP: req.OTP, RecoveryCode: req.RecoveryCode}).check(); err != nil {
			return nil, err
		}
		caller, _ := CallerFrom(c)
		token, err := h.Service.Reauthenticate(c.Request().Context(), caller, bearer(c), req.Password, req.OTP, req.RecoveryCode)
		if err != nil {
			return nil, err
		}
		h.setCookie(c, token)
		return &tokenResponse{Token: token}, nil
	})
}

// MySessions handles GET /api/v1/me/sessions.
func (h *Handlers) MySessions(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, _ httpx.NoBody) (httpx.List[SessionView], error) {
		caller, _ := CallerFrom(c)
		list, err := h.Service.Sessions(c.Request().Context(), caller)
		return httpx.List[SessionView]{Items: list}, err
	})
}

// sessionID is the path parameter naming one of the caller's sessions.
var sessionID = httpx.Param{Name: "session", What: "Session"}

// EndMySession handles DELETE /api/v1/me/sessions/{session}: ends one of the
// caller's sessions (404 for any other).
func (h *Handlers) EndMySession(c echo.Context) error {
	return httpx.Handle(c, http.StatusNoContent, []httpx.Param{sessionID}, func(ids []uuid.UUID, _ httpx.NoBody) (any, error) {
		caller, _ := CallerFrom(c)
		if err := h.Service.EndSession(c.Request().Context(), caller, ids[0]); err != nil {
			return nil, err
		}
		if caller.Session != nil && caller.Session.ID == ids[0] {
			h.clearCookie(c)
		}
		return nil, nil
	})
}

func (h *Handlers) clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: h.SecureCookies, MaxAge: -1, SameSite: http.SameSiteLaxMode})
}

// BeginEnrolment handles POST /api/v1/me/totp: a new TOTP secret with its
// otpauth URI and QR code, to be confirmed with a code.
func (h *Handlers) BeginEnrolment(c echo.Context) error {
	return httpx.Handle(c, http.StatusCreated, nil, func(_ []uuid.UUID, _ httpx.NoBody) (*Enrolment, error) {
		caller, _ := sessionCaller(c)
		e, err := h.Service.BeginEnrolment(c.Request().Context(), caller)
		if err == nil {
			c.Response().Header().Set("Cache-Control", "no-store") // the answer holds the secret
		}
		return e, err
	})
}

// ConfirmEnrolment handles POST /api/v1/me/totp/confirm: a code of the new
// secret puts it in force; the answer holds the recovery codes, shown this
// once, and the session's new token.
func (h *Handlers) ConfirmEnrolment(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, req codeRequest) (*Enrolled, error) {
		if req.OTP == "" {
			return nil, apperr.InvalidFields(map[string]string{"otp": "is required"})
		}
		if err := req.check(); err != nil {
			return nil, err
		}
		caller, _ := sessionCaller(c)
		done, err := h.Service.ConfirmEnrolment(c.Request().Context(), caller, bearer(c), req.OTP)
		if err == nil {
			h.newToken(c, done.Token)
		}
		return done, err
	})
}

// newToken hands the session's new token to the browser as its cookie; the
// answer that carries it (with the recovery codes or the pending step) is
// kept by no cache.
func (h *Handlers) newToken(c echo.Context, token string) {
	h.setCookie(c, token)
	c.Response().Header().Set("Cache-Control", "no-store")
}

// StartOIDC handles GET /api/v1/oidc/{provider}/start?next=…: sends the
// browser to the provider. With reauth=1, a signed-in person confirms who
// they are there before a sensitive action.
func (h *Handlers) StartOIDC(c echo.Context) error {
	var reauth *Caller
	if c.QueryParam("reauth") != "" {
		caller, ok := CallerFrom(c)
		if !ok {
			return ErrUnauthenticated(c)
		}
		reauth = caller
	}
	f, err := h.Service.StartOIDC(c.Request().Context(), c.Param("provider"), c.QueryParam("next"), reauth)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: bindingCookie, Value: f.Binding, Path: "/api/v1/oidc/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(flowTTL.Seconds())})
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, f.RedirectURL)
}

// FinishOIDC handles GET /api/v1/oidc/{provider}/callback: the provider's
// answer. On success the browser gets its session cookie (a new session,
// or the rotated one after a re-authentication) and goes on to next.
func (h *Handlers) FinishOIDC(c echo.Context) error {
	binding := ""
	if ck, err := c.Cookie(bindingCookie); err == nil {
		binding = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: bindingCookie, Value: "", Path: "/api/v1/oidc/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	ctx := c.Request().Context()
	q := c.Request().URL.Query()
	r, err := h.Service.FinishOIDC(ctx, CallbackInput{Provider: c.Param("provider"), State: q.Get("state"), Code: q.Get("code"),
		Error: q.Get("error"), Binding: binding, Client: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return err
	}
	if old := bearer(c); old != "" && !r.Reauth {
		h.Service.Logout(ctx, old)
	}
	h.setCookie(c, r.Token)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, LocalPath(r.Next, "/dashboard"))
}

// Providers lists the OpenID providers for the sign-in page.
func (h *Handlers) Providers() []ProviderInfo { return h.Service.Providers() }

type resetRequest struct {
	Email string `json:"email"`
}

// accepted is the one answer to a request that may send an e-mail, the
// same whether or not the address has an account.
var accepted = map[string]string{"status": "accepted"}

// RequestReset handles POST /api/v1/password-reset.
func (h *Handlers) RequestReset(c echo.Context) error {
	return httpx.Handle(c, http.StatusAccepted, nil, func(_ []uuid.UUID, req resetRequest) (map[string]string, error) {
		if len(req.Email) > 254 {
			return nil, apperr.InvalidFields(map[string]string{"email": "must be an e-mail address"})
		}
		return accepted, h.Service.RequestPasswordReset(c.Request().Context(), req.Email, c.RealIP())
	})
}

type setPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// SetPassword handles POST /api/v1/password: a password set with the token
// of an invitation or a reset link.
func (h *Handlers) SetPassword(c echo.Context) error {
	return httpx.Handle(c, http.StatusNoContent, nil, func(_ []uuid.UUID, req setPasswordRequest) (any, error) {
		if req.Token == "" || len(req.Token) > 200 {
			return nil, apperr.InvalidFields(map[string]string{"token": "is required"})
		}
		return nil, h.Service.SetPassword(c.Request().Context(), req.Token, req.Password, c.RealIP())
	})
}

// ListAccounts handles GET /api/v1/accounts[?unused=true] (admin).
func (h *Handlers) ListAccounts(c echo.Context) error {
	list, err := h.Service.Accounts(c.Request().Context(), c.QueryParam("unused") == "true")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list, "unused_after_days": int(h.Service.opts.UnusedAfter.Hours() / 24)})
}

// Invite handles POST /api/v1/invitations (admin).
func (h *Handlers) Invite(c echo.Context) error {
	return httpx.Handle(c, http.StatusAccepted, nil, func(_ []uuid.UUID, req Invitation) (map[string]string, error) {
		caller, _ := CallerFrom(c)
		return accepted, h.Service.Invite(c.Request().Context(), caller, req)
	})
}

// The path parameters of the admin's account routes.
var (
	personID       = httpx.Param{Name: "pid", What: "Person"}
	grantRequestID = httpx.Param{Name: "rid", What: "GrantRequest"}
)

// onAccount answers an admin's change of account {pid} that takes no body
// with act: 204 when done.
func (h *Handlers) onAccount(c echo.Context, act func(ctx context.Context, admin *Caller, pid uuid.UUID) error) error {
	return httpx.Handle(c, http.StatusNoContent, []httpx.Param{personID}, func(ids []uuid.UUID, _ httpx.NoBody) (any, error) {
		caller, _ := CallerFrom(c)
		return nil, act(c.Request().Context(), caller, ids[0])
	})
}

// Deactivate handles POST /api/v1/accounts/{pid}/deactivate (admin).
func (h *Handlers) Deactivate(c echo.Context) error { return h.onAccount(c, h.Service.Deactivate) }

// Activate handles POST /api/v1/accounts/{pid}/activate (admin).
func (h *Handlers) Activate(c echo.Context) error { return h.onAccount(c, h.Service.Activate) }

// GrantRole handles POST /api/v1/accounts/{pid}/grants (admin): 204 when
// the grant took effect, 202 with the request when it waits for a second
// person's confirmation.
func (h *Handlers) GrantRole(c echo.Context) error {
	return httpx.Handle(c, http.StatusAccepted, []httpx.Param{personID}, func(ids []uuid.UUID, g authz.Grant) (*GrantRequest, error) {
		caller, _ := CallerFrom(c)
		return h.Service.GrantRole(c.Request().Context(), caller, ids[0], g)
	})
}

// GrantRequests handles GET /api/v1/grant-requests (admin, chair): the open
// requests the caller asked for or may decide.
func (h *Handlers) GrantRequests(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, _ httpx.NoBody) (httpx.List[GrantRequest], error) {
		caller, _ := CallerFrom(c)
		list, err := h.Service.GrantRequests(c.Request().Context(), caller)
		return httpx.List[GrantRequest]{Items: list}, err
	})
}

// ConfirmGrant handles POST /api/v1/grant-requests/{rid}/confirm.
func (h *Handlers) ConfirmGrant(c echo.Context) error { return h.decideGrant(c, true) }

// RefuseGrant handles POST /api/v1/grant-requests/{rid}/refuse.
func (h *Handlers) RefuseGrant(c echo.Context) error { return h.decideGrant(c, false) }

func (h *Handlers) decideGrant(c echo.Context, confirm bool) error {
	return httpx.Handle(c, http.StatusNoContent, []httpx.Param{grantRequestID}, func(ids []uuid.UUID, _ httpx.NoBody) (any, error) {
		caller, _ := CallerFrom(c)
		return nil, h.Service.DecideGrant(c.Request().Context(), caller, ids[0], confirm)
	})
}

// WithdrawRole handles DELETE /api/v1/accounts/{pid}/grants/{role}/{domain} (admin).
func (h *Handlers) WithdrawRole(c echo.Context) error {
	return h.onAccount(c, func(ctx context.Context, admin *Caller, pid uuid.UUID) error {
		domain, err := url.PathUnescape(c.Param("domain"))
		if err != nil {
			return apperr.NotFoundError("Grant")
		}
		return h.Service.WithdrawRole(ctx, admin, pid, authz.Grant{Role: strings.TrimSpace(c.Param("role")), Domain: domain})
	})
}

// ResetSecondFactor handles DELETE /api/v1/accounts/{pid}/totp (admin).
func (h *Handlers) ResetSecondFactor(c echo.Context) error {
	return h.onAccount(c, h.Service.ResetSecondFactor)
}
