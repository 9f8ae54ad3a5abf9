package accounts_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/apptest"
	"github.com/rkc-nl/rkc/internal/authz"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page is a browser on the sign-in page.
type webClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newWebClient(t *testing.T, e *apptest.Env) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: e.Server.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *webClient) do(req *http.Request) (int, http.Header, string) {
	c.t.Helper()
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (c *webClient) get(path string) (int, http.Header, string) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

// login posts the sign-in form as the page shows it.
func (c *webClient) login(form url.Values) (int, http.Header, string) {
	c.t.Helper()
	_, _, body := c.get("/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("the sign-in page has no form: %s", body)
	}
	form.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", c.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// The sign-in page offers the configured providers and the password form
// with a field for the code, in Dutch and in English; staff give their
// code there.
func TestSignInPage(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	e, _ := newEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_BASE_URL": publicBase})
	e.Clock.Set(stepStart(time.Now()))

	c := newWebClient(t, e)
	_, _, nl := c.get("/login?next=/dashboard")
	for _, want := range []string{"Aanmelden via uw organisatie", "Aanmelden met Rijksoverheid", `href="/api/v1/oidc/rijk/start?next=%2fdashboard"`,
		`name="otp"`, "Code uit uw authenticator-app", `autocomplete="one-time-code"`, `name="password"`} {
		if !strings.Contains(nl, want) {
			t.Errorf("the Dutch sign-in page lacks %q", want)
		}
	}
	c.get("/lang/en")
	_, _, en := c.get("/login")
	for _, want := range []string{"Sign in through your organisation", "Sign in with Rijksoverheid", "Code from your authenticator app"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English sign-in page lacks %q", want)
		}
	}
	if status, h, _ := c.get("/api/v1/oidc/rijk/start?next=/dashboard"); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), p.m.Issuer()) {
		t.Errorf("the provider's button leads to %d %s", status, h.Get("Location"))
	}

	// A secretary without a second factor is told to set one up.
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
	w := newWebClient(t, e)
	status, _, body := w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "tweestapsverificatie verplicht") {
		t.Fatalf("staff without a second factor: %d %.300s", status, body)
	}
	var s session
	signIn(e, sec.Email, apptest.Password, nil).Decode(t, &s)
	secret, _, _ := enrol(t, e, s.Token)

	// With one, the form asks for the code, refuses a wrong one, and signs in with the right one.
	status, _, body = w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Vul de code uit uw authenticator-app in") {
		t.Fatalf("staff without the code: %d %.300s", status, body)
	}
	if status, _, _ := w.get("/dashboard"); status != http.StatusSeeOther {
		t.Errorf("the dashboard without the code: %d", status)
	}
	status, _, body = w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "otp": {"000000"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "De code klopt niet") {
		t.Fatalf("a wrong code: %d %.300s", status, body)
	}
	e.Clock.Advance(30 * time.Second)
	status, h, _ := w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "otp": {code(t, secret, e.Clock.Now())}, "next": {"/deadlines"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/deadlines" {
		t.Fatalf("the right code: %d %s", status, h.Get("Location"))
	}
	if status, _, _ := w.get("/deadlines"); status != http.StatusOK {
		t.Errorf("the deadlines after signing in: %d", status)
	}

	// With password sign-in off, the page offers only the providers.
	e2, _ := newEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_PASSWORD_LOGIN": "false"})
	_, _, only := newWebClient(t, e2).get("/login")
	if strings.Contains(only, `name="password"`) || !strings.Contains(only, "Aanmelden met Rijksoverheid") {
		t.Errorf("with password sign-in off the page shows %.500s", only)
	}
}
