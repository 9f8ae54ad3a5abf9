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
// confirm it (four eyes, grantrequests.go); nobody grants a role to
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
