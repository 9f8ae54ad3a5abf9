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

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
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
	return c.postFrom("/login", "/login", form)
}

// postFrom posts form to path with the CSRF token of the page at from.
func (c *webClient) postFrom(from, path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	_, _, body := c.get(from)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("%s has no form: %.300s", from, body)
	}
	form.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
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

	// A secretary without a second factor sets one up first, on a page of
	// its own, and reaches nothing else until then.
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
	w := newWebClient(t, e)
	status, h, _ := w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "next": {"/deadlines"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/account/two-factor?next=%2Fdeadlines" {
		t.Fatalf("staff without a second factor: %d %s", status, h.Get("Location"))
	}
	if status, h, _ := w.get("/deadlines"); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("the deadlines before the second factor: %d %s", status, h.Get("Location"))
	}
	status, _, page := w.get("/account/two-factor?next=%2Fdeadlines")
	secretRe := regexp.MustCompile(`<code class="rkc-secret">([A-Z2-7 ]+)</code>`)
	m := secretRe.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) || !strings.Contains(page, "Tweestapsverificatie instellen") {
		t.Fatalf("the set-up page: %d %.600s", status, page)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	confirm := func(otp string) (int, string) {
		f := url.Values{"otp": {otp}, "next": {"/deadlines"}, "csrf": {csrfField.FindStringSubmatch(page)[1]}}
		req, _ := http.NewRequest("POST", e.Server.URL+"/account/two-factor", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		st, _, b := w.do(req)
		return st, b
	}
	// A wrong code asks again, without showing the secret a second time:
	// a secret is shown once, when it is made.
	if st, b := confirm("000000"); st != http.StatusUnprocessableEntity || !strings.Contains(b, "De code klopt niet") ||
		strings.Contains(b, m[1]) || strings.Contains(b, "data:image/png") || !strings.Contains(b, "Opnieuw beginnen met een nieuwe sleutel") {
		t.Fatalf("a wrong first code: %d %.300s", st, b)
	}
	st, b := confirm(code(t, secret, e.Clock.Now()))
	if st != http.StatusOK || !strings.Contains(b, "Tweestapsverificatie staat aan") || strings.Count(b, "<li><code>") != 10 {
		t.Fatalf("the first code: %d %.600s", st, b)
	}
	if status, _, _ := w.get("/deadlines"); status != http.StatusOK {
		t.Errorf("the deadlines after setting up the second factor: %d", status)
	}

	// With one, the form asks for the code, refuses a wrong one, and signs in with the right one.
	w = newWebClient(t, e)
	status, _, body := w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}})
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
	status, h, _ = w.login(url.Values{"email": {sec.Email}, "password": {apptest.Password}, "otp": {code(t, secret, e.Clock.Now())}, "next": {"/deadlines"}})
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

// The link in an invitation opens a page to choose the password; after it
// the person signs in.
func TestPasswordLinkPage(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t, nil)
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	e.Must(202, adm, "POST", "/api/v1/invitations", map[string]any{"email": "nieuw@test.rkc", "name": "Nieuw", "ministry": "BZK",
		"roles": []authz.Grant{{Role: authz.Complainant, Domain: "BZK"}}})
	link := box.last(t, "nieuw@test.rkc").Link
	path := strings.TrimPrefix(link, e.Config.BaseURL)

	c := newWebClient(t, e)
	status, _, body := c.get(path)
	if status != http.StatusOK || !strings.Contains(body, "Kies uw wachtwoord") || !strings.Contains(body, `autocomplete="new-password"`) {
		t.Fatalf("the link's page: %d %.300s", status, body)
	}
	post := func(form url.Values) (int, http.Header, string) {
		m := csrfField.FindStringSubmatch(body)
		form.Set("csrf", m[1])
		req, _ := http.NewRequest("POST", e.Server.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.do(req)
	}
	if status, _, page := post(url.Values{"password": {"een lang wachtwoord"}, "password_again": {"een ander wachtwoord"}}); status != 422 ||
		!strings.Contains(page, "niet gelijk") {
		t.Errorf("different passwords: %d", status)
	}
	status, h, _ := post(url.Values{"password": {"een lang wachtwoord"}, "password_again": {"een lang wachtwoord"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/login?done=password" {
		t.Fatalf("setting the password: %d %s", status, h.Get("Location"))
	}
	if _, _, page := c.get("/login?done=password"); !strings.Contains(page, "Uw wachtwoord is opgeslagen") {
		t.Error("the sign-in page does not confirm the new password")
	}
	if status, h, _ := c.login(url.Values{"email": {"nieuw@test.rkc"}, "password": {"een lang wachtwoord"}}); status != http.StatusSeeOther ||
		h.Get("Location") != "/dashboard" {
		t.Errorf("signing in with the new password: %d %s", status, h.Get("Location"))
	}
	// The link is used up.
	if status, _, page := post(url.Values{"password": {"nog een wachtwoord!"}, "password_again": {"nog een wachtwoord!"}}); status != 422 ||
		!strings.Contains(page, "Deze link werkt niet") {
		t.Errorf("the link again: %d", status)
	}
}

// jarCookie puts a session token in the browser's cookie jar, as if the
// person had signed in through the pages.
func jarCookie(t *testing.T, c *webClient, e *apptest.Env, token string) {
	t.Helper()
	u, _ := url.Parse(e.Server.URL)
	c.client.Jar.SetCookies(u, []*http.Cookie{{Name: accounts.CookieName, Value: token, Path: "/"}})
}

// adminPage is a browser signed in as p.
func adminPage(t *testing.T, e *apptest.Env, p *apptest.Person) *webClient {
	t.Helper()
	c := newWebClient(t, e)
	jarCookie(t, c, e, p.Token)
	return c
}

// post sends a form with the CSRF token of a signed-in page.
func (c *webClient) post(path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	return c.postFrom("/dashboard", path, form)
}
