package accounts_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// The sign-in page offers the configured providers and the password form
// with a field for the code, in Dutch and in English; staff give their
// code there.
func TestSignInPage(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_BASE_URL": publicBase})
	e.Clock.Set(accountstest.StepStart(time.Now()))

	c := accountstest.NewWebClient(t, e)
	_, _, nl := c.Get("/login?next=/dashboard")
	for _, want := range []string{"Aanmelden via uw organisatie", "Aanmelden met Rijksoverheid", `href="/api/v1/oidc/rijk/start?next=%2fdashboard"`,
		`name="otp"`, "Code uit uw authenticator-app", `autocomplete="one-time-code"`, `name="password"`} {
		if !strings.Contains(nl, want) {
			t.Errorf("the Dutch sign-in page lacks %q", want)
		}
	}
	c.Get("/lang/en")
	_, _, en := c.Get("/login")
	for _, want := range []string{"Sign in through your organisation", "Sign in with Rijksoverheid", "Code from your authenticator app"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English sign-in page lacks %q", want)
		}
	}
	if status, h, _ := c.Get("/api/v1/oidc/rijk/start?next=/dashboard"); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), p.m.Issuer()) {
		t.Errorf("the provider's button leads to %d %s", status, h.Get("Location"))
	}

	// A secretary without a second factor sets one up first, on a page of
	// its own, and reaches nothing else until then.
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
	w := accountstest.NewWebClient(t, e)
	status, h, _ := w.Login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "next": {"/deadlines"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/account/two-factor?next=%2Fdeadlines" {
		t.Fatalf("staff without a second factor: %d %s", status, h.Get("Location"))
	}
	if status, h, _ := w.Get("/deadlines"); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("the deadlines before the second factor: %d %s", status, h.Get("Location"))
	}
	status, _, page := w.Get("/account/two-factor?next=%2Fdeadlines")
	secretRe := regexp.MustCompile(`<code class="rkc-secret">([A-Z2-7 ]+)</code>`)
	m := secretRe.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) || !strings.Contains(page, "Tweestapsverificatie instellen") {
		t.Fatalf("the set-up page: %d %.600s", status, page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	confirm := func(otp string) (int, string) {
		f := url.Values{"otp": {otp}, "next": {"/deadlines"}, "csrf": {accountstest.CSRFField.FindStringSubmatch(page)[1]}}
		req, _ := http.NewRequest("POST", e.Server.URL+"/account/two-factor", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		st, _, b := w.Do(req)
		return st, b
	}
	// A wrong code asks again, without showing the secret a second time:
	// a secret is shown once, when it is made.
	if st, b := confirm("000000"); st != http.StatusUnprocessableEntity || !strings.Contains(b, "De code klopt niet") ||
		strings.Contains(b, m[1]) || strings.Contains(b, "data:image/png") || !strings.Contains(b, "Opnieuw beginnen met een nieuwe sleutel") {
		t.Fatalf("a wrong first code: %d %.300s", st, b)
	}
	st, b := confirm(accountstest.Code(t, secret, e.Clock.Now()))
	if st != http.StatusOK || !strings.Contains(b, "Tweestapsverificatie staat aan") || strings.Count(b, "<li><code>") != 10 {
		t.Fatalf("the first code: %d %.600s", st, b)
	}
	if status, _, _ := w.Get("/deadlines"); status != http.StatusOK {
		t.Errorf("the deadlines after setting up the second factor: %d", status)
	}

	// With one, the form asks for the code, refuses a wrong one, and signs in with the right one.
	w = accountstest.NewWebClient(t, e)
	status, _, body := w.Login(url.Values{"email": {sec.Email}, "password": {apptest.Password}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Vul de code uit uw authenticator-app in") {
		t.Fatalf("staff without the code: %d %.300s", status, body)
	}
	if status, _, _ := w.Get("/dashboard"); status != http.StatusSeeOther {
		t.Errorf("the dashboard without the code: %d", status)
	}
	status, _, body = w.Login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "otp": {"000000"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "De code klopt niet") {
		t.Fatalf("a wrong code: %d %.300s", status, body)
	}
	e.Clock.Advance(30 * time.Second)
	status, h, _ = w.Login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "otp": {accountstest.Code(t, secret, e.Clock.Now())}, "next": {"/deadlines"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/deadlines" {
		t.Fatalf("the right code: %d %s", status, h.Get("Location"))
	}
	if status, _, _ := w.Get("/deadlines"); status != http.StatusOK {
		t.Errorf("the deadlines after signing in: %d", status)
	}

	// With password sign-in off, the page offers only the providers.
	e2, _ := accountstest.NewEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_PASSWORD_LOGIN": "false"})
	_, _, only := accountstest.NewWebClient(t, e2).Get("/login")
	if strings.Contains(only, `name="password"`) || !strings.Contains(only, "Aanmelden met Rijksoverheid") {
		t.Errorf("with password sign-in off the page shows %.500s", only)
	}
}
