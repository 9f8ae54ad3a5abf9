package accounts_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Deactivation ends every session of the account at once: the next request
// with any of its tokens is unauthenticated, and so is a new sign-in.
func TestDeactivationEndsSessions(t *testing.T) {
	e := parallelEnv(t)
	adm := admin(e)
	kl := complainant(e)
	s := signIn(t, e, kl)
	e.Must(200, kl, "GET", "/api/v1/me", nil)
	e.Must(200, as(s.Token), "GET", "/api/v1/cases", nil)

	e.Must(204, adm, "POST", "/api/v1/accounts/"+kl.ID.String()+"/deactivate", nil)
	accountstest.ExpectProblem(t, e.Do(kl, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "GET", "/api/v1/cases", nil), 401, "unauthenticated")
	accountstest.ExpectProblem(t, accountstest.SignIn(e, kl.Email, apptest.Password, nil), 401, "invalid-credentials")
	if !accountstest.AccessLogged(t, e, "account:deactivate:"+kl.ID.String()) {
		t.Error("the deactivation is not in the access log")
	}
	// The admin cannot switch themselves off, and an unknown account is 404.
	accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/accounts/"+adm.ID.String()+"/deactivate", nil), 409, "own-account")
	accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/accounts/"+uuid.NewString()+"/deactivate", nil), 404, "not-found")

	e.Must(204, adm, "POST", "/api/v1/accounts/"+kl.ID.String()+"/activate", nil)
	if r := accountstest.SignIn(e, kl.Email, apptest.Password, nil); r.Status != 201 {
		t.Errorf("sign-in after reactivation: %d %s", r.Status, r.Body)
	}
	accountstest.ExpectProblem(t, e.Do(kl, "GET", "/api/v1/me", nil), 401, "unauthenticated") // the old sessions stay ended
}

// A person lists their sessions and ends one; nobody else's.
func TestMySessions(t *testing.T) {
	e := parallelEnv(t)
	me := complainant(e)
	other := e.Person("ander@test.rkc", "FIN", apptest.Grant(authz.Complainant, "FIN"))
	var s session
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/session", strings.NewReader(`{"email":"klager@test.rkc","password":"`+apptest.Password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Testbrowser/1.0")
	e.Send(nil, req).Decode(t, &s)

	var list struct {
		Items []struct {
			ID        string `json:"id"`
			Method    string `json:"method"`
			Current   bool   `json:"current"`
			UserAgent string `json:"user_agent"`
		} `json:"items"`
	}
	e.Must(200, me, "GET", "/api/v1/me/sessions", nil).Decode(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d sessions listed, want 2: %+v", len(list.Items), list.Items)
	}
	var mine, theirs string
	for _, it := range list.Items {
		if it.Current {
			mine = it.ID
		} else {
			theirs = it.ID
			if it.Method != "password" || it.UserAgent != "Testbrowser/1.0" {
				t.Errorf("the password session is listed as %+v", it)
			}
		}
	}
	if mine == "" || theirs == "" {
		t.Fatalf("sessions %+v", list.Items)
	}
	// Another person's session is not found.
	accountstest.ExpectProblem(t, e.Do(other, "DELETE", "/api/v1/me/sessions/"+theirs, nil), 404, "not-found")
	e.Must(200, as(s.Token), "GET", "/api/v1/me", nil)
	e.Must(204, me, "DELETE", "/api/v1/me/sessions/"+theirs, nil)
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "GET", "/api/v1/me", nil), 401, "unauthenticated")
	accountstest.ExpectProblem(t, e.Do(me, "DELETE", "/api/v1/me/sessions/"+theirs, nil), 404, "not-found")
	accountstest.ExpectProblem(t, e.Do(me, "DELETE", "/api/v1/me/sessions/not-an-id", nil), 404, "not-found")
	e.Must(200, me, "GET", "/api/v1/me", nil)
}

// A sign-in always gets a new token and ends the session it came with.
func TestSignInRotatesSession(t *testing.T) {
	e := parallelEnv(t)
	kl := complainant(e)
	var s session
	e.Do(kl, "POST", "/api/v1/session", map[string]string{"email": kl.Email, "password": apptest.Password}).Decode(t, &s)
	if s.Token == "" || s.Token == kl.Token {
		t.Fatalf("sign-in answered token %q", s.Token)
	}
	accountstest.ExpectProblem(t, e.Do(kl, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	e.Must(200, as(s.Token), "GET", "/api/v1/me", nil)
}

// A session ends after its idle timeout and at its absolute end.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_SESSION_IDLE": "15m", "RKC_SESSION_TTL": "8h"})
	idle := e.Person("a@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	old := e.Person("b@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	fresh := e.Person("c@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	var n int64
	e.App.DB.Raw(`SELECT count(*) FROM sessions WHERE person_id = ? AND expires_at BETWEEN now() + interval '7 hours 59 minutes' AND now() + interval '8 hours'`, fresh.ID).Scan(&n)
	if n != 1 {
		t.Errorf("the session does not end 8 hours after it opened")
	}
	exec := func(sql string, args ...any) {
		if err := e.App.DB.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE sessions SET last_seen_at = now() - interval '14 minutes' WHERE person_id = ?`, fresh.ID)
	e.Must(200, fresh, "GET", "/api/v1/me", nil) // within the idle timeout, and it counts as use
	exec(`UPDATE sessions SET last_seen_at = now() - interval '16 minutes' WHERE person_id = ?`, idle.ID)
	accountstest.ExpectProblem(t, e.Do(idle, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	exec(`UPDATE sessions SET created_at = now() - interval '8 hours', expires_at = now() - interval '1 second' WHERE person_id = ?`, old.ID)
	accountstest.ExpectProblem(t, e.Do(old, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	if n, err := e.App.Accounts.PurgeExpiredSessions(t.Context()); err != nil || n != 2 {
		t.Errorf("purged %d sessions (%v), want the 2 ended ones", n, err)
	}
}

// Adopting advice, recording a decision and exporting someone else's data
// need a recent proof of identity; re-authenticating gives it, with the
// second factor where the account has one.
func TestReauthentication(t *testing.T) {
	e := parallelEnv(t)
	chair := e.Person("voorzitter@test.rkc", "OCW", apptest.Grant(authz.Chair, authz.AnyDomain))
	gezag := e.Person("gezag@test.rkc", "FIN", apptest.Grant(authz.Authority, "FIN"))
	fg := e.Person("fg@test.rkc", "BZK", apptest.Grant(authz.PrivacyOfficer, authz.AnyDomain))
	kl := complainant(e)
	e.OpenDataSubjectRequest(fg.ID, kl.ID) // exports of others need a request
	stale := func(p *apptest.Person) {
		if err := e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '6 minutes' WHERE person_id = ?`, p.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	missing := "/api/v1/cases/" + uuid.NewString()
	sensitive := []struct {
		who          *apptest.Person
		method, path string
	}{
		{chair, "POST", missing + "/advice"},
		{gezag, "POST", missing + "/decision"},
		{fg, "GET", "/api/v1/persons/" + kl.ID.String() + "/export"},
	}
	for _, r := range sensitive {
		if res := e.Do(r.who, r.method, r.path, map[string]any{}); res.Status == 401 {
			t.Errorf("%s %s right after signing in: %d %s", r.method, r.path, res.Status, res.Body)
		}
		stale(r.who)
		accountstest.ExpectProblem(t, e.Do(r.who, r.method, r.path, map[string]any{}), 401, "reauthentication-required")
		// Other routes do not ask.
		e.Must(200, r.who, "GET", "/api/v1/me", nil)
	}
	// A role that may not act is refused as before, not asked to re-authenticate.
	stale(kl)
	accountstest.ExpectProblem(t, e.Do(kl, "POST", missing+"/decision", map[string]any{}), 403, "forbidden")
	e.Must(200, kl, "GET", "/api/v1/me/export", nil)

	// Re-authenticating with the password renews the proof and the token.
	accountstest.ExpectProblem(t, e.Do(gezag, "POST", "/api/v1/session/reauth", map[string]string{"password": "not the password"}), 401, "invalid-credentials")
	var r struct {
		Token string `json:"token"`
	}
	e.Must(200, gezag, "POST", "/api/v1/session/reauth", map[string]string{"password": apptest.Password}).Decode(t, &r)
	accountstest.ExpectProblem(t, e.Do(gezag, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	if res := e.Do(as(r.Token), "POST", missing+"/decision", map[string]any{}); res.Status == 401 {
		t.Errorf("decision after re-authenticating: %d %s", res.Status, res.Body)
	}

	// With a second factor, re-authenticating needs a code too.
	s := signIn(t, e, fg)
	secret, _, token := enrol(t, e, s.Token)
	fgNow := as(token)
	e.Must(200, fgNow, "GET", "/api/v1/persons/"+kl.ID.String()+"/export", nil)
	stale(fg)
	accountstest.ExpectProblem(t, e.Do(fgNow, "GET", "/api/v1/persons/"+kl.ID.String()+"/export", nil), 401, "reauthentication-required")
	// Replacing the second factor is sensitive as well.
	accountstest.ExpectProblem(t, e.Do(fgNow, "POST", "/api/v1/me/totp", nil), 401, "reauthentication-required")
	accountstest.ExpectProblem(t, e.Do(fgNow, "POST", "/api/v1/session/reauth", map[string]string{"password": apptest.Password}), 400, "validation")
	e.Clock.Set(e.Clock.Now().Add(30e9))
	e.Must(200, fgNow, "POST", "/api/v1/session/reauth", map[string]string{"password": apptest.Password,
		"otp": accountstest.Code(t, secret, e.Clock.Now())}).Decode(t, &r)
	e.Must(200, as(r.Token), "GET", "/api/v1/persons/"+kl.ID.String()+"/export", nil)
}

// Role grants and withdrawals by the admin are in the access log, and the
// person's sessions end: a privilege change takes a new session. A role
// that opens cases waits for a second person (TestFourEyes in duties_test.go).
func TestGrantsAreLogged(t *testing.T) {
	e := parallelEnv(t)
	adm := admin(e)
	chair := e.Person("voorzitter@test.rkc", "BZK", apptest.Grant(authz.Chair, authz.AnyDomain))
	p := e.Person("lid@test.rkc", "AZ")
	base := "/api/v1/accounts/" + p.ID.String() + "/grants"
	var req accounts.GrantRequest
	e.Must(202, adm, "POST", base, authz.Grant{Role: authz.Member, Domain: authz.AnyDomain}).Decode(t, &req)
	if !accountstest.AccessLogged(t, e, "account:grant-request:member@*:"+p.ID.String()) {
		t.Error("the request is not in the access log")
	}
	e.Must(200, p, "GET", "/api/v1/me", nil) // nothing changed yet
	e.Must(204, chair, "POST", "/api/v1/grant-requests/"+req.ID.String()+"/confirm", nil)
	for _, action := range []string{"account:grant-confirm:member@*:" + p.ID.String(), "account:grant:member@*:" + p.ID.String(),
		"account:sessions-ended:" + p.ID.String()} {
		if !accountstest.AccessLogged(t, e, action) {
			t.Errorf("%s is not in the access log", action)
		}
	}
	accountstest.ExpectProblem(t, e.Do(p, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	s := signIn(t, e, p)
	if s.Pending != "enrolment" {
		t.Errorf("a new member signs in without a second factor (pending %q)", s.Pending)
	}
	// The same grant again changes nothing.
	e.Must(204, adm, "POST", base, authz.Grant{Role: authz.Member, Domain: authz.AnyDomain})
	accountstest.ExpectProblem(t, e.Do(adm, "POST", base, authz.Grant{Role: "emperor", Domain: authz.AnyDomain}), 400, "validation")
	accountstest.ExpectProblem(t, e.Do(adm, "POST", base, authz.Grant{Role: authz.Authority, Domain: "XYZ"}), 400, "validation")
	accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/accounts/"+uuid.NewString()+"/grants", authz.Grant{Role: authz.Member, Domain: "*"}), 404, "not-found")

	e.Must(204, adm, "DELETE", base+"/member/*", nil)
	if !accountstest.AccessLogged(t, e, "account:withdraw:member@*:"+p.ID.String()) {
		t.Error("the withdrawal is not in the access log")
	}
	accountstest.ExpectProblem(t, e.Do(adm, "DELETE", base+"/member/*", nil), 404, "not-found")
	// A role without access to cases or accounts takes effect at once.
	e.Must(204, adm, "POST", base, authz.Grant{Role: authz.Reporter, Domain: authz.AnyDomain})
	if !accountstest.AccessLogged(t, e, "account:grant:reporter@*:"+p.ID.String()) {
		t.Error("a reporter grant is not in the access log")
	}
}

// A request marks its session as used only when the last mark is older
// than half a minute, so a burst of reads writes nothing; a withdrawn grant
// and a deactivated account still take effect at the very next request.
func TestSessionTouchedOnlyWhenDue(t *testing.T) {
	e := parallelEnv(t)
	p := e.Person("a@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"), apptest.Grant(authz.Reporter, authz.AnyDomain))
	ageAfterRequest := func(setAgo string) float64 {
		t.Helper()
		if err := e.App.DB.Exec(`UPDATE sessions SET last_seen_at = now() - CAST(? AS interval) WHERE person_id = ?`, setAgo, p.ID).Error; err != nil {
			t.Fatal(err)
		}
		e.Must(200, p, "GET", "/api/v1/me", nil)
		var age float64
		e.App.DB.Raw(`SELECT extract(epoch FROM now() - last_seen_at)::float8 FROM sessions WHERE person_id = ?`, p.ID).Scan(&age)
		return age
	}
	if age := ageAfterRequest("10 seconds"); age < 9 {
		t.Errorf("a session used 10 s ago was written again (last use %.1f s ago)", age)
	}
	if age := ageAfterRequest("5 minutes"); age > 5 {
		t.Errorf("a session last marked 5 minutes ago was not marked as used (last use %.1f s ago)", age)
	}

	// Withdrawn in the database by another instance: the next request knows.
	if err := e.App.DB.Exec(`DELETE FROM role_grants WHERE person_id = ? AND role = ?`, p.ID, authz.Reporter).Error; err != nil {
		t.Fatal(err)
	}
	e.Must(403, p, "GET", "/api/v1/reports/annual/2025", nil)
	if err := e.App.DB.Exec(`UPDATE persons SET active = false WHERE id = ?`, p.ID).Error; err != nil {
		t.Fatal(err)
	}
	accountstest.ExpectProblem(t, e.Do(p, "GET", "/api/v1/me", nil), 401, "unauthenticated")
}

// Sign-in, its failures, the second factor, re-authentication, a reset
// request and account creation are each on the access log, with who and
// from where, and never with a password or a code.
func TestAccountEventsLogged(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	ctx := t.Context()
	const client = "127.0.0.1"
	sec := secretary(e)
	accountstest.One(t, e, accounts.ActAccountCreated+sec.ID.String(), nil, "")

	// Failures: a known account, an unknown one.
	accountstest.ExpectProblem(t, accountstest.SignIn(e, sec.Email, "fout wachtwoord 1", nil), 401, "invalid-credentials")
	accountstest.One(t, e, "signin-failed:password", &sec.ID, client)
	accountstest.ExpectProblem(t, accountstest.SignIn(e, "onbekend@test.rkc", "fout wachtwoord 2", nil), 401, "invalid-credentials")
	accountstest.One(t, e, "signin-failed:password:unknown-account", nil, client)

	// Success, the second factor set up, a wrong code, a recovery code.
	s := signIn(t, e, sec)
	accountstest.One(t, e, "signin:password", &sec.ID, client)
	_, codes, _ := enrol(t, e, s.Token)
	accountstest.One(t, e, accounts.ActEnrolBegin, &sec.ID, client)
	accountstest.One(t, e, accounts.ActEnrolConfirm, &sec.ID, client)
	s = signIn(t, e, sec)
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": "000000"}), 401, "invalid-otp")
	accountstest.One(t, e, "signin-failed:otp", &sec.ID, client)
	var done session
	e.Must(200, as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"recovery_code": codes[0]}).Decode(t, &done)
	accountstest.One(t, e, accounts.ActRecoveryCodeUsed, &sec.ID, client)

	// Re-authentication, failed and done.
	accountstest.ExpectProblem(t, e.Do(as(done.Token), "POST", "/api/v1/session/reauth", map[string]string{"password": "fout wachtwoord 3"}), 401, "invalid-credentials")
	accountstest.One(t, e, "reauth-failed:password", &sec.ID, client)
	e.Must(200, as(done.Token), "POST", "/api/v1/session/reauth", map[string]string{"password": apptest.Password, "recovery_code": codes[1]})
	accountstest.One(t, e, "reauth:password", &sec.ID, client)

	// A reset request names the account, not who asked.
	if err := e.App.Accounts.RequestPasswordReset(ctx, sec.Email, "203.0.113.5"); err != nil {
		t.Fatal(err)
	}
	accountstest.One(t, e, accounts.ActResetRequested+sec.ID.String(), nil, "203.0.113.5")

	// Switching the account off and on, by an admin, and the sessions that
	// ended with it.
	adm := admin(e)
	e.Must(204, adm, "POST", "/api/v1/accounts/"+sec.ID.String()+"/deactivate", nil)
	e.Must(204, adm, "POST", "/api/v1/accounts/"+sec.ID.String()+"/activate", nil)
	accountstest.One(t, e, "account:deactivate:"+sec.ID.String(), &adm.ID, client)
	accountstest.One(t, e, "account:activate:"+sec.ID.String(), &adm.ID, client)
	accountstest.One(t, e, accounts.ActSessionsEnded+sec.ID.String(), &adm.ID, client)

	// Nothing typed is in the log: no password, no code, no address asked for.
	for _, typed := range []string{"fout wachtwoord", apptest.Password, codes[0], "onbekend@", "000000"} {
		var leaked int64
		if err := e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE strpos(action || ' ' || client || ' ' || role, ?) > 0`,
			typed).Scan(&leaked).Error; err != nil {
			t.Fatal(err)
		}
		if leaked != 0 {
			t.Errorf("%d access-log entries hold %q", leaked, typed)
		}
	}
}
