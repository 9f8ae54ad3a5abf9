package accounts_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// A secretary who signs in with a password reaches nothing but the setting
// up of the second factor, neither through the API nor through the pages;
// once it is set up, every later sign-in waits for a code.
func TestStaffNeedsSecondFactor(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	sec := secretary(e)
	kl := complainant(e)
	filed := e.Must(201, kl, "POST", "/api/v1/cases", cases.Complaint{Category: "bullying", Description: "Ik word buitengesloten.",
		Respondent: cases.Respondent{Name: "J. Jansen", Ministry: "BZK"}}).Map(t)
	caseID := filed["id"].(string)

	// A complainant needs no second factor.
	s := signIn(t, e, kl)
	if s.Pending != "" {
		t.Fatalf("the complainant's session waits for %q", s.Pending)
	}

	res := accountstest.SignIn(e, sec.Email, apptest.Password, nil)
	if res.Status != 201 {
		t.Fatalf("sign-in: %d %s", res.Status, res.Body)
	}
	res.Decode(t, &s)
	if s.Pending != accounts.PendingEnrolment || s.Token == "" {
		t.Fatalf("the secretary's session waits for %q, want enrolment", s.Pending)
	}
	pending := as(s.Token)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/me"},
		{"GET", "/api/v1/cases"},
		{"GET", "/api/v1/cases/" + caseID},
		{"GET", "/api/v1/cases/" + caseID + "/events"},
		{"POST", "/api/v1/cases/" + caseID + "/register"},
		{"GET", "/api/v1/signals"},
		{"GET", "/api/v1/me/sessions"},
		{"GET", "/api/v1/me/export"},
	} {
		accountstest.ExpectProblem(t, e.Do(pending, r.method, r.path, map[string]any{}), 401, "second-factor-required")
	}
	// The pages treat the session as none: to the sign-in page.
	for _, path := range []string{"/dashboard", "/cases/" + caseID, "/committee/signals"} {
		req, _ := http.NewRequest("GET", e.Server.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: accounts.CookieName, Value: s.Token})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("page %s with a session that waits for its second factor: %d %s", path, r.StatusCode, r.Header.Get("Location"))
		}
	}

	// Setting it up makes the session usable, under a new token.
	_, _, full := enrol(t, e, s.Token)
	accountstest.ExpectProblem(t, e.Do(pending, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	e.Must(200, as(full), "GET", "/api/v1/cases/"+caseID, nil)

	// The next sign-in waits for a code.
	s = signIn(t, e, sec)
	if s.Pending != accounts.PendingOTP {
		t.Fatalf("after enrolment the sign-in waits for %q, want otp", s.Pending)
	}
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "GET", "/api/v1/cases/"+caseID, nil), 401, "second-factor-required")
	// A session that waits for its code cannot replace the second factor.
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "POST", "/api/v1/me/totp", nil), 401, "second-factor-required")
}

// Codes of the previous and the next 30-second step are accepted, an older
// one is not, and no code is accepted twice.
func TestTOTPSteps(t *testing.T) {
	e := parallelEnv(t)
	t0 := accountstest.StepStart(time.Now())
	e.Clock.Set(t0)
	chair := e.Person("voorzitter@test.rkc", "OCW", apptest.Grant(authz.Chair, authz.AnyDomain))
	s := signIn(t, e, chair)
	secret, _, _ := enrol(t, e, s.Token) // uses the code of t0's step

	// Later, on another step.
	t1 := t0.Add(10 * time.Minute)
	e.Clock.Set(t1)
	withCode := func(at time.Time) *apptest.Response {
		return accountstest.SignIn(e, chair.Email, apptest.Password, map[string]string{"otp": accountstest.Code(t, secret, at)})
	}
	ok := func(r *apptest.Response, what string) {
		t.Helper()
		var s session
		if r.Status != 201 {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
		r.Decode(t, &s)
		if s.Pending != "" {
			t.Fatalf("%s: the session waits for %q", what, s.Pending)
		}
		e.Must(200, as(s.Token), "GET", "/api/v1/cases", nil)
	}
	accountstest.ExpectProblem(t, withCode(t1.Add(-60*time.Second)), 401, "invalid-otp") // two steps ago
	accountstest.ExpectProblem(t, withCode(t1.Add(90*time.Second)), 401, "invalid-otp")  // three steps ahead
	ok(withCode(t1.Add(-30*time.Second)), "the previous step's code")
	accountstest.ExpectProblem(t, withCode(t1.Add(-30*time.Second)), 401, "invalid-otp") // used
	ok(withCode(t1.Add(30*time.Second)), "the next step's code")
	// The current step's code is older than the one just used: refused.
	accountstest.ExpectProblem(t, withCode(t1), 401, "invalid-otp")
	accountstest.ExpectProblem(t, withCode(t1.Add(30*time.Second)), 401, "invalid-otp")

	// A wrong code is refused too, as is a malformed one.
	accountstest.ExpectProblem(t, accountstest.SignIn(e, chair.Email, apptest.Password, map[string]string{"otp": "000000"}), 401, "invalid-otp")
	accountstest.ExpectProblem(t, accountstest.SignIn(e, chair.Email, apptest.Password, map[string]string{"otp": "12345"}), 401, "invalid-otp")

	// The code after a pending sign-in works the same way.
	e.Clock.Set(t1.Add(5 * time.Minute))
	p := signIn(t, e, chair)
	c := accountstest.Code(t, secret, e.Clock.Now())
	var done struct {
		Token string `json:"token"`
	}
	e.Must(200, as(p.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": c}).Decode(t, &done)
	if done.Token == p.Token {
		t.Error("the session kept its token when it got its second factor")
	}
	e.Must(200, as(done.Token), "GET", "/api/v1/cases", nil)
	accountstest.ExpectProblem(t, e.Do(as(p.Token), "GET", "/api/v1/cases", nil), 401, "unauthenticated")
	again := signIn(t, e, chair)
	accountstest.ExpectProblem(t, e.Do(as(again.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": c}), 401, "invalid-otp")
	// A usable session waits for no code.
	accountstest.ExpectProblem(t, e.Do(as(done.Token), "POST", "/api/v1/session/otp", map[string]string{"otp": c}), 409, "no-second-factor-pending")
}

// A recovery code stands in for the authenticator once.
func TestRecoveryCodes(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	fg := e.Person("fg@test.rkc", "BZK", apptest.Grant(authz.PrivacyOfficer, authz.AnyDomain))
	s := signIn(t, e, fg)
	_, codes, _ := enrol(t, e, s.Token)
	if codes[0] == codes[1] {
		t.Fatal("recovery codes repeat")
	}

	s = signIn(t, e, fg)
	var done struct {
		Token string `json:"token"`
	}
	e.Must(200, as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"recovery_code": strings.ToUpper(codes[0])}).Decode(t, &done)
	e.Must(200, as(done.Token), "GET", "/api/v1/audit", nil)

	s = signIn(t, e, fg)
	accountstest.ExpectProblem(t, e.Do(as(s.Token), "POST", "/api/v1/session/otp", map[string]string{"recovery_code": codes[0]}), 401, "invalid-otp")
	res := accountstest.SignIn(e, fg.Email, apptest.Password, map[string]string{"recovery_code": codes[1]})
	s = session{}
	res.Decode(t, &s)
	if res.Status != 201 || s.Pending != "" {
		t.Fatalf("sign-in with a recovery code: %d %s", res.Status, res.Body)
	}
	left, err := e.App.Accounts.RecoveryCodesLeft(t.Context(), fg.ID)
	if err != nil || left != 8 {
		t.Errorf("%d recovery codes left (%v), want 8", left, err)
	}
	// Only hashes are stored.
	var stored int64
	e.App.DB.Raw(`SELECT count(*) FROM recovery_codes WHERE encode(code_hash, 'escape') LIKE ?`, "%"+codes[2][:4]+"%").Scan(&stored)
	if stored != 0 {
		t.Error("a recovery code is stored as it is")
	}

	// The admin removes a lost second factor; the next sign-in sets up a new one.
	adm := admin(e)
	e.Must(204, adm, "DELETE", "/api/v1/accounts/"+fg.ID.String()+"/totp", nil)
	if !accountstest.AccessLogged(t, e, "account:second-factor-reset:"+fg.ID.String()) {
		t.Error("the reset of the second factor is not in the access log")
	}
	s = signIn(t, e, fg)
	if s.Pending != accounts.PendingEnrolment {
		t.Errorf("after the reset the sign-in waits for %q, want enrolment", s.Pending)
	}
}
