package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// The link in an invitation opens a page to choose the password; after it
// the person signs in.
func TestPasswordLinkPage(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	e.Must(202, adm, "POST", "/api/v1/invitations", map[string]any{"email": "nieuw@test.rkc", "name": "Nieuw", "ministry": "BZK",
		"roles": []authz.Grant{{Role: authz.Complainant, Domain: "BZK"}}})
	link := box.Last(t, "nieuw@test.rkc").Link
	path := strings.TrimPrefix(link, e.Config.BaseURL)

	c := accountstest.NewWebClient(t, e)
	status, _, body := c.Get(path)
	if status != http.StatusOK || !strings.Contains(body, "Kies uw wachtwoord") || !strings.Contains(body, `autocomplete="new-password"`) {
		t.Fatalf("the link's page: %d %.300s", status, body)
	}
	post := func(form url.Values) (int, http.Header, string) {
		m := accountstest.CSRFField.FindStringSubmatch(body)
		form.Set("csrf", m[1])
		req, _ := http.NewRequest("POST", e.Server.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c.Do(req)
	}
	if status, _, page := post(url.Values{"password": {"een lang wachtwoord"}, "password_again": {"een ander wachtwoord"}}); status != 422 ||
		!strings.Contains(page, "niet gelijk") {
		t.Errorf("different passwords: %d", status)
	}
	status, h, _ := post(url.Values{"password": {"een lang wachtwoord"}, "password_again": {"een lang wachtwoord"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/login?done=password" {
		t.Fatalf("setting the password: %d %s", status, h.Get("Location"))
	}
	if _, _, page := c.Get("/login?done=password"); !strings.Contains(page, "Uw wachtwoord is opgeslagen") {
		t.Error("the sign-in page does not confirm the new password")
	}
	if status, h, _ := c.Login(url.Values{"email": {"nieuw@test.rkc"}, "password": {"een lang wachtwoord"}}); status != http.StatusSeeOther ||
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
func jarCookie(t *testing.T, c *accountstest.WebClient, e *apptest.Env, token string) {
	t.Helper()
	u, _ := url.Parse(e.Server.URL)
	c.Client.Jar.SetCookies(u, []*http.Cookie{{Name: accounts.CookieName, Value: token, Path: "/"}})
}

// adminPage is a browser signed in as p.
func adminPage(t *testing.T, e *apptest.Env, p *apptest.Person) *accountstest.WebClient {
	t.Helper()
	c := accountstest.NewWebClient(t, e)
	jarCookie(t, c, e, p.Token)
	return c
}
