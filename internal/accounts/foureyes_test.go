package accounts_test

import (
	"testing"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Who may confirm which role request: never whoever asked or gets it; the
// chair for committee roles, another admin for the others; a refusal
// leaves the person without the role; the operator's command only when
// nobody in RKC can decide.
func TestFourEyes(t *testing.T) {
	t.Parallel()
	e, _ := accountstest.NewEnv(t, nil)
	ctx := t.Context()
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	p := e.Person("nieuw@test.rkc", "BZK")
	request := func(by *apptest.Person, g authz.Grant) string {
		t.Helper()
		var req accounts.GrantRequest
		e.Must(202, by, "POST", "/api/v1/accounts/"+p.ID.String()+"/grants", g).Decode(t, &req)
		return req.ID.String()
	}
	confirm := func(who *apptest.Person, rid string) *apptest.Response {
		return e.Do(who, "POST", "/api/v1/grant-requests/"+rid+"/confirm", nil)
	}

	// With one admin and no chair, nobody in RKC can confirm: the operator can.
	rid := request(adm, apptest.Grant(authz.Admin, authz.AnyDomain))
	accountstest.ExpectProblem(t, confirm(adm, rid), 403, "grant-confirmer")
	if err := e.App.Accounts.ConfirmByOperator(ctx, uuidOf(t, rid)); err != nil {
		t.Fatalf("the operator's confirmation: %v", err)
	}
	if !accountstest.AccessLogged(t, e, "account:grant-confirm:admin@*:"+p.ID.String()) {
		t.Error("the operator's confirmation is not logged")
	}
	adm2 := e.Person("beheer2@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	target := e.Person("doel@test.rkc", "BZK")
	var req accounts.GrantRequest
	e.Must(202, adm, "POST", "/api/v1/accounts/"+target.ID.String()+"/grants", apptest.Grant(authz.Authority, "BZK")).Decode(t, &req)
	if err := e.App.Accounts.ConfirmByOperator(ctx, req.ID); apperr.As(err).Type != "confirm-in-app" {
		t.Errorf("the operator confirms while another admin can: %v", err)
	}
	// The subject, though an admin now, cannot confirm a request for themselves.
	pAdmin := &apptest.Person{ID: p.ID, Token: mustSession(t, e, p)}
	rid = request(adm2, apptest.Grant(authz.PrivacyOfficer, authz.AnyDomain))
	accountstest.ExpectProblem(t, confirm(pAdmin, rid), 403, "grant-confirmer")
	accountstest.ExpectProblem(t, confirm(adm2, rid), 403, "grant-confirmer")
	e.Must(204, adm, "POST", "/api/v1/grant-requests/"+rid+"/refuse", nil)
	if g, _ := e.App.Accounts.Grants(ctx, p.ID); len(g) != 1 {
		t.Errorf("after a refusal the person holds %v", g)
	}
	if !accountstest.AccessLogged(t, e, "account:grant-refuse:privacy_officer@*:"+p.ID.String()) {
		t.Error("the refusal is not logged")
	}

	// A committee role: the chair confirms; an admin may not while there is one.
	chair := e.Person("voorzitter@test.rkc", "BZK", apptest.Grant(authz.Chair, authz.AnyDomain))
	rid = request(adm, apptest.Grant(authz.Secretary, authz.AnyDomain))
	accountstest.ExpectProblem(t, confirm(adm2, rid), 403, "grant-confirmer")
	e.Must(204, chair, "POST", "/api/v1/grant-requests/"+rid+"/confirm", nil)
	accountstest.ExpectProblem(t, confirm(chair, rid), 404, "not-found")
	// The chair is not asked about roles outside the committee.
	var list struct{ Items []accounts.GrantRequest }
	e.Must(200, chair, "GET", "/api/v1/grant-requests", nil).Decode(t, &list)
	for _, it := range list.Items {
		if it.Role == authz.Authority && it.CanDecide {
			t.Error("the chair may decide an authority's role")
		}
	}
	// Confirming needs a recent proof of identity.
	rid = request(adm2, apptest.Grant(authz.Authority, "FIN"))
	e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE person_id = ?`, adm.ID)
	accountstest.ExpectProblem(t, confirm(adm, rid), 401, "reauthentication-required")
}
