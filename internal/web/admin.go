package web

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// One account on the admin's page: its roles (grant, withdraw) and its
// state (deactivate, activate). Each step calls the account service, which
// checks the admin's rights again, ends the person's sessions where it takes
// rights away, and writes the access log. No case content here.

type adminAccountData struct{ Account accounts.AccountView }

// adminAccountView finds one account as the admin's list shows it.
func (w *Web) adminAccountView(c echo.Context) (*adminAccountData, error) {
	pid, err := uuid.Parse(c.Param("pid"))
	if err != nil {
		return nil, apperr.NotFoundError("Person")
	}
	all, err := w.d.Accounts.Accounts(c.Request().Context(), false)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.ID == pid {
			return &adminAccountData{Account: a}, nil
		}
	}
	return nil, apperr.NotFoundError("Person")
}

// AdminAccount serves GET /admin/accounts/:pid.
func (w *Web) AdminAccount(c echo.Context) error {
	d, err := w.adminAccountView(c)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "admin_account", w.newPage(c, "admin.one.title", d))
}

// adminAccountStep runs one step on the account in the address and shows
// the account again: with the confirmation (flash, which the step may
// change), or with the refusal beside the form it came from.
func (w *Web) adminAccountStep(form string, flash *string, step func(c echo.Context, admin *accounts.Caller, pid uuid.UUID) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		d, err := w.adminAccountView(c)
		if err != nil {
			return w.fail(c, err)
		}
		err = step(c, callerOf(c), d.Account.ID)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/admin/accounts/"+d.Account.ID.String()+"?done="+*flash)
		}
		p := w.newPage(c, "admin.one.title", d)
		p.Form, p.Values = form, formValues(c)
		if !formErrors(p.Lang, err, p) {
			return w.fail(c, err)
		}
		p.Status = http.StatusUnprocessableEntity
		if apperr.CodeOf(err) == apperr.Conflict {
			p.Status = http.StatusConflict
		}
		return w.render(c, "admin_account", p)
	}
}

// AdminGrant grants a role, or for a role of power asks a second person to
// confirm it (four eyes, GrantRequests below); nobody grants a role to
// themselves.
func (w *Web) AdminGrant(c echo.Context) error {
	flash := "role_granted"
	return w.adminAccountStep("grant", &flash, func(c echo.Context, admin *accounts.Caller, pid uuid.UUID) error {
		// The service refuses the admin's own account (own-grant).
		req, err := w.d.Accounts.GrantRole(c.Request().Context(), admin, pid, authz.Grant{Role: c.FormValue("role"), Domain: c.FormValue("domain")})
		if req != nil {
			flash = "grant_requested"
		}
		return err
	})(c)
}

// AdminWithdraw serves POST /admin/accounts/:pid/grants/withdraw.
func (w *Web) AdminWithdraw(c echo.Context) error {
	flash := "role_withdrawn"
	return w.adminAccountStep("withdraw", &flash, func(c echo.Context, admin *accounts.Caller, pid uuid.UUID) error {
		return w.d.Accounts.WithdrawRole(c.Request().Context(), admin, pid, authz.Grant{Role: c.FormValue("role"), Domain: c.FormValue("domain")})
	})(c)
}

// AdminDeactivate serves POST /admin/accounts/:pid/deactivate.
func (w *Web) AdminDeactivate(c echo.Context) error {
	flash := "account_deactivated"
	return w.adminAccountStep("account", &flash, func(c echo.Context, admin *accounts.Caller, pid uuid.UUID) error {
		return w.d.Accounts.Deactivate(c.Request().Context(), admin, pid)
	})(c)
}

// AdminActivate serves POST /admin/accounts/:pid/activate.
func (w *Web) AdminActivate(c echo.Context) error {
	flash := "account_activated"
	return w.adminAccountStep("account", &flash, func(c echo.Context, admin *accounts.Caller, pid uuid.UUID) error {
		return w.d.Accounts.Activate(c.Request().Context(), admin, pid)
	})(c)
}

// Role requests under four eyes (issue 14): the admin and the chair see the
// open requests and confirm or refuse the ones they may decide; the
// service says which (accounts.Service.DecideGrant).

// GrantRequests lists the open role requests.
func (w *Web) GrantRequests(c echo.Context) error {
	return showList(w, c, "grant_requests", "grantreq.title", w.d.Accounts.GrantRequests)
}

// GrantDecision is the form that confirms or refuses one request.
// Confirming gives power, so the route table asks for a recent proof of
// identity in front of it, as in the API; that refusal, and the service's
// (not this person's request to decide), are shown beside the request.
func (w *Web) GrantDecision(confirm bool) Form {
	done := "grant_refused"
	if confirm {
		done = "grant_confirmed"
	}
	return form[uuid.UUID]{
		parse: func(c echo.Context, _ map[string]string) (uuid.UUID, error) {
			id, err := uuid.Parse(c.Param("rid"))
			if err != nil {
				return id, apperr.NotFoundError("GrantRequest")
			}
			return id, nil
		},
		call: func(c echo.Context, id uuid.UUID) (string, error) {
			return "/grant-requests?done=" + done, w.d.Accounts.DecideGrant(c.Request().Context(), callerOf(c), id, confirm)
		},
		refuse: func(c echo.Context, _ map[string]string, err error) error {
			id, perr := uuid.Parse(c.Param("rid"))
			switch apperr.As(err).Type {
			case accounts.TypeReauthRequired:
				if perr == nil {
					return w.grantRequestError(c, id, "grantreq.reauth")
				}
			case accounts.TypeGrantConfirmer, accounts.TypeOwnGrant:
				return w.grantRequestError(c, id, "grantreq.not-yours")
			}
			return w.fail(c, err)
		},
	}
}

// grantRequestError shows the list again with the refusal beside the
// request's forms.
func (w *Web) grantRequestError(c echo.Context, id uuid.UUID, key string) error {
	items, err := w.d.Accounts.GrantRequests(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	p := w.newPage(c, "grantreq.title", rows[accounts.GrantRequest]{Items: items})
	p.Form = "decide-" + id.String()
	p.FormError = p.T(key)
	return w.refused(c, "grant_requests", p)
}
