package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// sameAnswer fails unless two answers are alike in status, body and the
// headers a client sees (the request id aside).
func sameAnswer(t *testing.T, what string, a, b *apptest.Response) {
	t.Helper()
	if a.Status != b.Status || string(a.Body) != string(b.Body) {
		t.Errorf("%s: %d %s versus %d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "Set-Cookie", "Retry-After"} {
		if a.Header.Get(h) != b.Header.Get(h) {
			t.Errorf("%s: header %s %q versus %q", what, h, a.Header.Get(h), b.Header.Get(h))
		}
	}
}

// A password reset answers alike for known and unknown addresses; the link
// works once, before it expires, and ends the account's sessions.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	kl := complainant(e)
	known := e.Do(nil, "POST", "/api/v1/password-reset", map[string]string{"email": "Klager@test.rkc"})
	unknown := e.Do(nil, "POST", "/api/v1/password-reset", map[string]string{"email": "niemand@test.rkc"})
	if known.Status != http.StatusAccepted {
		t.Fatalf("reset: %d %s", known.Status, known.Body)
	}
	sameAnswer(t, "reset for a known and an unknown address", known, unknown)
	if n := len(box.All()); n != 1 {
		t.Fatalf("%d e-mails, want 1 (none to the unknown address)", n)
	}
	m := box.Last(t, kl.Email)
	if m.Kind != accounts.MailReset || !strings.HasPrefix(m.Link, e.Config.BaseURL+"/password/") || m.Expires.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("reset e-mail %+v", m)
	}
	token := linkToken(t, m)

	accountstest.ExpectProblem(t, e.Do(nil, "POST", "/api/v1/password", map[string]string{"token": token, "password": "kort"}), 400, "validation")
	e.Must(204, nil, "POST", "/api/v1/password", map[string]string{"token": token, "password": "een nieuw lang wachtwoord"})
	accountstest.ExpectProblem(t, e.Do(nil, "POST", "/api/v1/password", map[string]string{"token": token, "password": "nog een ander wachtwoord"}), 404, "link-invalid")
	accountstest.ExpectProblem(t, e.Do(kl, "GET", "/api/v1/me", nil), 401, "unauthenticated") // the old sessions ended
	accountstest.ExpectProblem(t, accountstest.SignIn(e, kl.Email, apptest.Password, nil), 401, "invalid-credentials")
	if r := accountstest.SignIn(e, kl.Email, "een nieuw lang wachtwoord", nil); r.Status != 201 {
		t.Fatalf("sign-in with the new password: %d %s", r.Status, r.Body)
	}

	// An expired link does not work; a newer link voids an older one.
	e.Must(202, nil, "POST", "/api/v1/password-reset", map[string]string{"email": kl.Email})
	first := linkToken(t, box.Last(t, kl.Email))
	e.Must(202, nil, "POST", "/api/v1/password-reset", map[string]string{"email": kl.Email})
	second := linkToken(t, box.Last(t, kl.Email))
	accountstest.ExpectProblem(t, e.Do(nil, "POST", "/api/v1/password", map[string]string{"token": first, "password": "een derde lang wachtwoord"}), 404, "link-invalid")
	e.App.DB.Exec(`UPDATE account_tokens SET expires_at = now() - interval '1 second'`)
	accountstest.ExpectProblem(t, e.Do(nil, "POST", "/api/v1/password", map[string]string{"token": second, "password": "een derde lang wachtwoord"}), 404, "link-invalid")
	// Only hashes of the links are stored.
	var n int64
	e.App.DB.Raw(`SELECT count(*) FROM account_tokens WHERE encode(token_hash, 'escape') LIKE ?`, "%"+second[:8]+"%").Scan(&n)
	if n != 0 {
		t.Error("a link's token is stored as it is")
	}
	accountstest.ExpectProblem(t, e.Do(nil, "POST", "/api/v1/password-reset", map[string]string{"email": "geen adres"}), 400, "validation")
}

// An invitation answers alike whether or not the address has an account;
// the invited person sets a password with the link and has the roles the
// invitation named, each grant in the access log.
func TestInvitation(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	adm := admin(e)
	e.Person("bestaand@test.rkc", "FIN", apptest.Grant(authz.Complainant, "FIN"))
	inv := func(email string) *apptest.Response {
		return e.Do(adm, "POST", "/api/v1/invitations", accounts.Invitation{Email: email, Name: "Nieuw Lid", Ministry: "AZ",
			Language: "en", Roles: []authz.Grant{{Role: authz.Member, Domain: authz.AnyDomain}}})
	}
	fresh := inv("nieuw@test.rkc")
	existing := inv("bestaand@test.rkc")
	if fresh.Status != http.StatusAccepted {
		t.Fatalf("invitation: %d %s", fresh.Status, fresh.Body)
	}
	sameAnswer(t, "invitation to a new and to an existing address", fresh, existing)
	if m := box.Last(t, "bestaand@test.rkc"); m.Kind != accounts.MailAccountExists || m.Link != "" {
		t.Errorf("the existing account got %+v", m)
	}
	m := box.Last(t, "nieuw@test.rkc")
	if m.Kind != accounts.MailInvitation || m.Lang != "en" || m.Expires.Before(time.Now().Add(6*24*time.Hour)) {
		t.Fatalf("invitation e-mail %+v", m)
	}
	// The existing account is unchanged: no role from an invitation.
	var roles int64
	e.App.DB.Raw(`SELECT count(*) FROM role_grants g JOIN persons p ON p.id = g.person_id WHERE p.email = 'bestaand@test.rkc'`).Scan(&roles)
	if roles != 1 {
		t.Errorf("the existing account has %d grants, want its 1", roles)
	}

	// Before the link is used the person cannot sign in.
	accountstest.ExpectProblem(t, accountstest.SignIn(e, "nieuw@test.rkc", "een wachtwoord van mij", nil), 401, "invalid-credentials")
	e.Must(204, nil, "POST", "/api/v1/password", map[string]string{"token": linkToken(t, m), "password": "een wachtwoord van mij"})
	var s struct {
		Token   string `json:"token"`
		Pending string `json:"pending"`
		User    struct {
			ID    string        `json:"id"`
			Roles []authz.Grant `json:"roles"`
		} `json:"user"`
	}
	accountstest.SignIn(e, "nieuw@test.rkc", "een wachtwoord van mij", nil).Decode(t, &s)
	if len(s.User.Roles) != 0 {
		t.Errorf("the invited member has roles before anyone confirmed them: %+v", s)
	}
	if !accountstest.AccessLogged(t, e, "account:invite:"+s.User.ID) || !accountstest.AccessLogged(t, e, "account:grant-request:member@*:"+s.User.ID) ||
		!accountstest.AccessLogged(t, e, accounts.ActPasswordSetByLink+"invitation") {
		t.Error("the invitation, its role request or the password is not in the access log")
	}
	// The chair confirms the member's role; then it is theirs.
	chair := e.Person("voorzitter@test.rkc", "BZK", apptest.Grant(authz.Chair, authz.AnyDomain))
	var reqs struct{ Items []accounts.GrantRequest }
	e.Must(200, chair, "GET", "/api/v1/grant-requests", nil).Decode(t, &reqs)
	if len(reqs.Items) != 1 || reqs.Items[0].PersonEmail != "nieuw@test.rkc" || !reqs.Items[0].CanDecide {
		t.Fatalf("the chair's requests: %+v", reqs)
	}
	e.Must(204, chair, "POST", "/api/v1/grant-requests/"+reqs.Items[0].ID.String()+"/confirm", nil)
	accountstest.SignIn(e, "nieuw@test.rkc", "een wachtwoord van mij", nil).Decode(t, &s)
	if s.Pending != accounts.PendingEnrolment || len(s.User.Roles) != 1 || s.User.Roles[0].Role != authz.Member {
		t.Errorf("the invited member signs in as %+v", s)
	}
	if !accountstest.AccessLogged(t, e, "account:grant:member@*:"+s.User.ID) {
		t.Error("the confirmed grant is not in the access log")
	}

	accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/invitations", accounts.Invitation{Email: "x@test.rkc", Name: "X", Ministry: "NOPE"}), 400, "validation")
	accountstest.ExpectProblem(t, e.Do(adm, "POST", "/api/v1/invitations", accounts.Invitation{Email: "x@test.rkc", Name: "X", Ministry: "AZ",
		Roles: []authz.Grant{{Role: "emperor", Domain: "*"}}}), 400, "validation")
}

// Accounts unused for the configured period are flagged for the admin.
func TestUnusedAccounts(t *testing.T) {
	t.Parallel()
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_ACCOUNT_UNUSED_DAYS": "30"})
	start := time.Now()
	e.Clock.Set(start)
	adm := admin(e)
	used := e.Person("actief@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	e.Person("stil@test.rkc", "AZ", apptest.Grant(authz.Member, authz.AnyDomain))
	gone := e.Person("weg@test.rkc", "AZ", apptest.Grant(authz.Member, authz.AnyDomain))
	e.Must(204, adm, "POST", "/api/v1/accounts/"+gone.ID.String()+"/deactivate", nil)

	e.Clock.Set(start.AddDate(0, 0, 31))
	if r := accountstest.SignIn(e, used.Email, apptest.Password, nil); r.Status != 201 {
		t.Fatal(r.Status)
	}
	type view struct {
		Email  string `json:"email"`
		Unused bool   `json:"unused"`
		Staff  bool   `json:"staff"`
		Active bool   `json:"active"`
	}
	var list struct {
		Items []view `json:"items"`
		Days  int    `json:"unused_after_days"`
	}
	e.Must(200, adm, "GET", "/api/v1/accounts?unused=true", nil).Decode(t, &list)
	var got []string
	for _, v := range list.Items {
		got = append(got, v.Email)
		if !v.Unused {
			t.Errorf("%s listed as unused but not flagged", v.Email)
		}
	}
	if strings.Join(got, ",") != "beheer@test.rkc,stil@test.rkc" || list.Days != 30 {
		t.Errorf("unused accounts %v (after %d days), want the admin and the silent member after 30", got, list.Days)
	}
	e.Must(200, adm, "GET", "/api/v1/accounts", nil).Decode(t, &list)
	if len(list.Items) != 4 {
		t.Errorf("%d accounts listed, want 4", len(list.Items))
	}
	for _, v := range list.Items {
		if v.Email == "stil@test.rkc" && (!v.Staff || !v.Unused) || v.Email == "actief@test.rkc" && v.Unused || v.Email == "weg@test.rkc" && (v.Active || v.Unused) {
			t.Errorf("account %+v", v)
		}
	}
	accountstest.ExpectProblem(t, e.Do(used, "GET", "/api/v1/accounts", nil), 403, "forbidden")
}

// The link in an invitation opens a page to choose the password; after it
// the person signs in.
func TestPasswordLinkPage(t *testing.T) {
	t.Parallel()
	e, box := accountstest.NewEnv(t, nil)
	adm := admin(e)
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
