package accounts_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Attack tests of issue 14: each of these worked before and must not now.

// The admin grants itself the secretary's role and reads every case: now
// refused, whatever the role, through the API and the admin page.
func TestAttackAdminSelfGrant(t *testing.T) {
	e := parallelEnv(t)
	adm := admin(e)
	for _, role := range []string{authz.Secretary, authz.Reporter, authz.Complainant} {
		accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/accounts/"+adm.ID.String()+"/grants", authz.Grant{Role: role, Domain: authz.AnyDomain}),
			403, "own-grant")
	}
	grants, err := e.App.Accounts.Grants(t.Context(), adm.ID)
	if err != nil || len(grants) != 1 {
		t.Fatalf("the admin's grants after trying: %v %v", grants, err)
	}
	e.Must(200, adm, "GET", "/api/v1/me", nil) // and its session lives on: nothing changed
	accountstest.ExpectProblem(t, e.Do(adm, "GET", "/api/v1/cases", nil), 403, "forbidden")

	// The page's grant form goes the same way.
	c := adminPage(t, e, adm)
	status, _, body := c.Post("/admin/accounts/"+adm.ID.String()+"/grants", url.Values{"role": {authz.Secretary}, "domain": {authz.AnyDomain}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "U kunt uzelf geen rol toekennen") {
		t.Errorf("the admin page's self-grant: %d", status)
	}
	if g, _ := e.App.Accounts.Grants(t.Context(), adm.ID); len(g) != 1 {
		t.Errorf("the page granted the admin %v", g)
	}
}

// The admin creates an account with a staff role and a password of its
// choosing, and nothing is logged: now the page invites, the person picks
// their own password, the staff role waits for a second person, and the
// invitation is on the access log.
func TestAttackAdminHiddenAccount(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	adm := admin(e)
	c := adminPage(t, e, adm)
	status, h, _ := c.Post("/admin/accounts", url.Values{"email": {"handlanger@test.rkc"}, "name": {"Handlanger"}, "ministry": {"BZK"},
		"password": {"gekozen door beheer"}, "role": {authz.Secretary}, "domain": {authz.AnyDomain}})
	if status != http.StatusSeeOther || h.Get("Location") != "/admin/accounts?done=invited" {
		t.Fatalf("the admin page's new account: %d %s", status, h.Get("Location"))
	}
	p, err := e.App.Accounts.ByEmail(t.Context(), "handlanger@test.rkc")
	if err != nil {
		t.Fatal(err)
	}
	if p.PasswordHash != nil {
		t.Error("the account has a password the admin chose")
	}
	accountstest.ExpectProblem(t, accountstest.SignIn(e, "handlanger@test.rkc", "gekozen door beheer", nil), 401, "invalid-credentials")
	if g, _ := e.App.Accounts.Grants(t.Context(), p.ID); len(g) != 0 {
		t.Errorf("the secretary's role took effect without a second person: %v", g)
	}
	if !accountstest.AccessLogged(t, e, "account:invite:"+p.ID.String()) || !accountstest.AccessLogged(t, e, "account:grant-request:secretary@*:"+p.ID.String()) {
		t.Error("the invitation and its role request are not on the access log")
	}
	if m := box.Last(t, "handlanger@test.rkc"); m.Kind != accounts.MailInvitation {
		t.Errorf("the person got %s, not an invitation", m.Kind)
	}
	// The page lists the request.
	if st, h, page := c.Get("/grant-requests"); !strings.Contains(page, "handlanger@test.rkc") {
		t.Errorf("the role request is not on the requests page: %d %s %.2000s", st, h.Get("Location"), page)
	}
}

// A stolen session whose sign-in is old enrols a second factor, and the
// enrolment counted as a fresh proof of identity for advice, decision and
// export: now enrolment asks for a recent proof itself, and confirming it
// never refreshes one.
func TestAttackStepUpThroughEnrolment(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	gezag := e.Person("gezag@test.rkc", "FIN", apptest.Grant(authz.Authority, "FIN"))
	stale := func(p *apptest.Person) {
		if err := e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '2 hours' WHERE person_id = ?`, p.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	stale(gezag)
	accountstest.ExpectProblem(t, e.Do(gezag, "POST", "/api/v1/me/totp", nil), 401, "reauthentication-required")
	accountstest.ExpectProblem(t, e.Do(gezag, "POST", "/api/v1/me/totp/confirm", map[string]string{"otp": "123456"}), 401, "reauthentication-required")
	accountstest.ExpectProblem(t, e.Do(gezag, "POST", "/api/v1/cases/"+uuid.NewString()+"/decision", map[string]any{}), 401, "reauthentication-required")

	// A complainant may set one up without a recent proof, but confirming
	// it does not make the session's proof recent.
	kl := complainant(e)
	stale(kl)
	_, _, token := enrol(t, e, kl.Token)
	caller, err := e.App.Accounts.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if e.App.Accounts.RecentlyAuthenticated(caller) {
		t.Error("confirming a second factor counted as a fresh proof of identity")
	}
	if !accountstest.AccessLogged(t, e, accounts.ActEnrolBegin) || !accountstest.AccessLogged(t, e, accounts.ActEnrolConfirm) {
		t.Error("the enrolment is not on the access log")
	}
}

// The same through the pages: a stale session is sent to sign in again
// instead of being shown a secret.
func TestAttackStepUpThroughEnrolmentWeb(t *testing.T) {
	e := parallelEnv(t)
	sec := secretary(e)
	c := accountstest.NewWebClient(t, e)
	jarCookie(t, c, e, sec.Token)
	if err := e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '2 hours' WHERE person_id = ?`, sec.ID).Error; err != nil {
		t.Fatal(err)
	}
	status, h, body := c.Get("/account/two-factor")
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?reauth=1") || strings.Contains(body, "rkc-secret") {
		t.Fatalf("the set-up page for a stale session: %d %s", status, h.Get("Location"))
	}
	if _, err := e.App.Accounts.Authenticate(t.Context(), sec.Token); err == nil {
		t.Error("the stale session lives on")
	}
	_, _, login := c.Get(h.Get("Location"))
	if !strings.Contains(login, "Meld u opnieuw aan: voor het instellen van tweestapsverificatie") {
		t.Error("the sign-in page does not say why")
	}
}

var oneTimePassword = regexp.MustCompile(`^\S{15,}$`)

// The first admin's printed password keeps working after it was used: now
// the first sign-in must replace it and set up a second factor before
// anything else works, and the printed one never works again.
func TestAttackReusedFirstPassword(t *testing.T) {
	e := parallelEnv(t)
	ctx := t.Context()
	e.App.DB.Exec(`DELETE FROM role_grants WHERE role = 'admin'`)
	printed, err := e.App.Accounts.EnsureAdmin(ctx, "eerste@test.rkc")
	if err != nil || !oneTimePassword.MatchString(printed) {
		t.Fatalf("first admin: %q %v", printed, err)
	}
	var s session
	e.Must(201, nil, "POST", "/api/v1/session", map[string]string{"email": "eerste@test.rkc", "password": printed}).Decode(t, &s)
	if s.Pending != accounts.PendingNewPassword {
		t.Fatalf("the first sign-in waits for %q, want %q", s.Pending, accounts.PendingNewPassword)
	}
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "GET", "/api/v1/accounts", nil), 401, "second-factor-required")
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "POST", "/api/v1/me/totp", nil), 401, "second-factor-required")
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "POST", "/api/v1/session/password", map[string]string{"password": printed}), 400, "validation")
	var next session
	e.Must(200, as(s.Token), "POST", "/api/v1/session/password", map[string]string{"password": "mijn eigen lange wachtwoord"}).Decode(t, &next)
	if next.Pending != accounts.PendingEnrolment {
		t.Fatalf("after the new password the session waits for %q, want enrolment", next.Pending)
	}
	accountstest.ExpectProblem(t, e.Do(as(next.Token), "GET", "/api/v1/accounts", nil), 401, "second-factor-required")
	_, _, full := enrol(t, e, next.Token)
	e.Must(200, as(full), "GET", "/api/v1/accounts", nil)

	// The printed password never works again.
	accountstest.ExpectProblem(t, accountstest.SignIn(e, "eerste@test.rkc", printed, nil), 401, "invalid-credentials")
	if !accountstest.AccessLogged(t, e, accounts.ActFirstPassword) {
		t.Error("replacing the first password is not on the access log")
	}
}

// Ten wrong passwords from one address locked every account behind it
// (a ministry's shared proxy): now a colleague's right password from the
// same address still signs in.
func TestAttackBystanderLockout(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	colleague := e.Person("collega@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	for i := range 10 {
		accountstest.ExpectProblem(t, accountstest.SignIn(e, fmt.Sprintf("iemand%d@test.rkc", i), "wrong password!", nil), 401, "invalid-credentials")
	}
	accountstest.ExpectProblem(t, accountstest.SignIn(e, "someone@test.rkc", "wrong password!", nil), 401, "invalid-credentials")
	e.Must(201, nil, "POST", "/api/v1/session", map[string]string{"email": colleague.Email, "password": apptest.Password})

	// Someone who knows the colleague's address and locks the account from
	// elsewhere does not keep its owner out of an address they used before;
	// from a new one, a password reset lets them in.
	setFailures(t, e, "login-account:"+colleague.Email, 19)
	if _, err := e.App.Accounts.SignIn(t.Context(), accounts.SignInInput{Email: colleague.Email, Password: "wrong password!", Client: "192.0.2.7"}); err == nil {
		t.Fatal("a wrong password signed in")
	}
	e.Must(201, nil, "POST", "/api/v1/session", map[string]string{"email": colleague.Email, "password": apptest.Password})
	ctx := t.Context()
	_, err := e.App.Accounts.SignIn(ctx, accounts.SignInInput{Email: colleague.Email, Password: apptest.Password, Client: "198.51.100.1"})
	if apperr.CodeOf(err) != apperr.TooManyRequests {
		t.Fatalf("the locked account from a new address: %v", err)
	}
	if err := e.App.Accounts.RequestPasswordReset(ctx, colleague.Email, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Accounts.SetPassword(ctx, linkToken(t, box.Last(t, colleague.Email)), "een nieuw lang wachtwoord", "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Accounts.SignIn(ctx, accounts.SignInInput{Email: colleague.Email, Password: "een nieuw lang wachtwoord", Client: "198.51.100.1"}); err != nil {
		t.Errorf("after a password reset the owner is still locked out: %v", err)
	}
}

// Who may confirm which role request: never whoever asked or gets it; the
// chair for committee roles, another admin for the others; a refusal
// leaves the person without the role; the operator's command only when
// nobody in RKC can decide.
func TestFourEyes(t *testing.T) {
	e := parallelEnv(t)
	ctx := t.Context()
	adm := admin(e)
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
