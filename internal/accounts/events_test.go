package accounts_test

import (
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Sign-in, its failures, the second factor, re-authentication, a reset
// request and account creation are each on the access log, with who and
// from where, and never with a password or a code.
func TestAccountEventsLogged(t *testing.T) {
	t.Parallel()
	e, _ := accountstest.NewEnv(t, nil)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	ctx := t.Context()
	const client = "127.0.0.1"
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
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
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
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
