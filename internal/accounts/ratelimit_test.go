package accounts_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/signals"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// limited sends requests until the first 429 and fails unless it comes
// with the n+1st, with a Retry-After of whole seconds and the problem's
// retry_after the same.
func limited(t *testing.T, what string, n int, send func(i int) *apptest.Response) {
	t.Helper()
	for i := 0; i <= n; i++ {
		r := send(i)
		if r.Status != http.StatusTooManyRequests {
			if i == n {
				t.Fatalf("%s: request %d answered %d %s, want 429", what, i+1, r.Status, r.Body)
			}
			continue
		}
		if i < n {
			t.Fatalf("%s: 429 already at request %d, want it at %d", what, i+1, n+1)
		}
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs <= 0 {
			t.Fatalf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
		}
		if ra, _ := r.Map(t)["retry_after"].(float64); int(ra) != secs {
			t.Errorf("%s: retry_after %v, Retry-After %d", what, ra, secs)
		}
	}
}

func TestRateLimits(t *testing.T) {
	e := parallelEnv(t)
	adm := admin(e)
	kl := complainant(e)
	ctx := t.Context()

	t.Run("sign-in per account", func(t *testing.T) {
		// 19 failures from elsewhere (set: 14 of them would each wait a
		// second), and the 20th from yet another address locks the account.
		setFailures(t, e, "login-account:"+kl.Email, 19)
		if _, err := e.App.Accounts.SignIn(ctx, accounts.SignInInput{Email: kl.Email, Password: "wrong password!", Client: "10.0.0.20"}); err == nil {
			t.Fatal("a wrong password signed in")
		}
		limited(t, "sign-in to a locked account from a new address", 0, func(int) *apptest.Response { return accountstest.SignIn(e, kl.Email, apptest.Password, nil) })
	})
	t.Run("sign-in per account and address", func(t *testing.T) {
		target := e.Person("doelwit@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
		limited(t, "wrong passwords for one account from one address", 10, func(int) *apptest.Response {
			return accountstest.SignIn(e, target.Email, "wrong password!", nil)
		})
	})
	t.Run("sign-in per address", func(t *testing.T) {
		// 299 failures from this address already (set, not sent: 250 of
		// them would each wait a second); the 300th locks it.
		setFailures(t, e, "login-client:127.0.0.1", 299)
		limited(t, "sign-in from one address", 1, func(i int) *apptest.Response {
			return accountstest.SignIn(e, fmt.Sprintf("niemand%d@test.rkc", i), "wrong password!", nil)
		})
	})
	t.Run("password reset per account", func(t *testing.T) {
		limited(t, "resets for one address", 3, func(int) *apptest.Response {
			return e.Do(nil, "POST", "/api/v1/password-reset", map[string]string{"email": "iemand@test.rkc"})
		})
	})
	t.Run("password reset per address", func(t *testing.T) {
		limited(t, "resets from one address", 20-3, func(i int) *apptest.Response { // three counted above
			return e.Do(nil, "POST", "/api/v1/password-reset", map[string]string{"email": fmt.Sprintf("persoon%d@test.rkc", i)})
		})
	})
	t.Run("invitations per account", func(t *testing.T) {
		limited(t, "invitations to one address", 3, func(int) *apptest.Response {
			return e.Do(adm, "POST", "/api/v1/invitations", accounts.Invitation{Email: "gast@test.rkc", Name: "Gast", Ministry: "AZ"})
		})
	})
	t.Run("invitations per address", func(t *testing.T) {
		limited(t, "invitations from one address", 50-3, func(i int) *apptest.Response {
			return e.Do(adm, "POST", "/api/v1/invitations", accounts.Invitation{Email: fmt.Sprintf("gast%d@test.rkc", i), Name: "Gast", Ministry: "AZ"})
		})
	})
	t.Run("links", func(t *testing.T) {
		limited(t, "wrong links", 10, func(i int) *apptest.Response {
			return e.Do(nil, "POST", "/api/v1/password", map[string]string{"token": fmt.Sprintf("no-such-link-%d", i), "password": "een lang wachtwoord"})
		})
	})
	t.Run("receipt codes", func(t *testing.T) {
		var receipt signals.SignalReceipt
		e.Must(201, nil, "POST", "/api/v1/signals", signals.SignalInput{Category: "bullying", Message: "Er wordt gepest."}).Decode(t, &receipt)
		follow := func(code string) *apptest.Response {
			req, _ := http.NewRequest("GET", e.Server.URL+"/api/v1/signals/self", nil)
			req.Header.Set("X-Receipt-Code", code)
			return e.Send(nil, req)
		}
		setFailures(t, e, "receipt-client:127.0.0.1", 95)
		limited(t, "wrong receipt codes", 4, func(i int) *apptest.Response {
			return follow(fmt.Sprintf("wrong-code-%d-%s", i, accounts.RandomSecret(8)))
		})
		// The right code still opens its signal from the same address: the
		// reporter behind a shared proxy is not locked out by others' guesses.
		if r := follow(receipt.ReceiptCode); r.Status != http.StatusOK {
			t.Errorf("the right receipt code from a locked address: %d %s", r.Status, r.Body)
		}
	})
}

// setFailures sets the failure count of a throttle key, as if that many
// failures had just happened.
func setFailures(t *testing.T, e *apptest.Env, key string, n int) {
	t.Helper()
	if err := e.App.DB.Exec(`INSERT INTO throttle (key, failures, window_start) VALUES (?, ?, now())
		ON CONFLICT (key) DO UPDATE SET failures = EXCLUDED.failures, window_start = now()`, accounts.ThrottleKeyHash(key), n).Error; err != nil {
		t.Fatal(err)
	}
}

// Wrong second-factor codes are limited per account like passwords.
func TestOTPRateLimit(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	sec := secretary(e)
	s := signIn(t, e, sec)
	secret, _, _ := enrol(t, e, s.Token)
	s = signIn(t, e, sec)
	limited(t, "wrong codes", 10, func(i int) *apptest.Response {
		return e.Do(as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": fmt.Sprintf("%06d", 999990-i)})
	})
	// Even the right code waits now.
	e.Clock.Set(e.Clock.Now().Add(30 * time.Second))
	limited(t, "the right code while locked", 0, func(int) *apptest.Response {
		return e.Do(as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": accountstest.Code(t, secret, e.Clock.Now())})
	})
}
