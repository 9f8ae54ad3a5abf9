package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/pquerna/otp/totp"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// walkProvider starts an OpenID provider on loopback for the walk and
// returns the settings that name it.
func walkProvider(t *testing.T) (*mockoidc.MockOIDC, map[string]string) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	list, _ := json.Marshal([]map[string]any{{"name": "rijk", "issuer": m.Issuer(), "client_id": m.ClientID,
		"client_secret": m.ClientSecret, "ministry": "BZK"}})
	return m, map[string]string{"RKC_OIDC_PROVIDERS": string(list)}
}

// mails keeps the account e-mails of the walk.
type mails struct {
	mu   sync.Mutex
	last map[string]accounts.Mail
}

func (m *mails) SendAccountMail(_ context.Context, mail accounts.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[mail.To] = mail
	return nil
}

// walkIdentity walks signing in through the provider, the second factor,
// re-authentication, sessions, password links and the admin's accounts.
func walkIdentity(t *testing.T, w *walker, idp *mockoidc.MockOIDC) {
	env := w.env
	box := &mails{last: map[string]accounts.Mail{}}
	env.App.Accounts.SetMailer(box)
	g := apptest.Grant

	// Through the provider: the service sends the browser there and takes
	// it back.
	start := w.do(call{method: "GET", path: "/api/v1/oidc/rijk/start?next=/dashboard", want: 303})
	var binding string
	for _, ck := range (&http.Response{Header: start.Header}).Cookies() {
		if ck.Name == "rkc_oidc" {
			binding = ck.Name + "=" + ck.Value
		}
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "walk-1", Email: "ambtenaar@minbzk.example", EmailVerified: true})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	cb := "/api/v1/oidc/rijk/callback?" + back.RawQuery
	w.do(call{method: "GET", path: cb, header: map[string]string{"Cookie": binding}, want: 303})
	w.do(call{method: "GET", path: cb, header: map[string]string{"Cookie": binding}, want: 401, problem: "oidc-state-invalid"})
	w.do(call{method: "GET", path: "/api/v1/oidc/elders/start", want: 404, problem: "not-found"})

	// The second factor: set up in a session, then asked at sign-in.
	clock := env.Clock
	clock.Set(time.Unix(clock.Now().Unix()/30*30+5, 0))
	sec := env.Person("tweestaps@rkc.example.nl", "BZK", g(authz.Secretary, authz.AnyDomain))
	en := w.do(call{who: sec, method: "POST", path: "/api/v1/me/totp", want: 201})
	secret := field(t, en, "secret")
	code := func() string {
		c, err := totp.GenerateCode(secret, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.do(call{who: sec, method: "POST", path: "/api/v1/me/totp/confirm", body: map[string]any{}, want: 400, problem: "validation"})
	done := w.do(call{who: sec, method: "POST", path: "/api/v1/me/totp/confirm", body: map[string]any{"otp": code()}, want: 200})
	sec.Token = field(t, done, "token")
	login := w.do(call{method: "POST", path: "/api/v1/session", body: map[string]any{"email": sec.Email, "password": apptest.Password}, want: 201})
	if field(t, login, "pending") != "otp" {
		t.Fatalf("sign-in with a second factor: %s", login.Body)
	}
	pending := &apptest.Person{Token: field(t, login, "token")}
	w.do(call{who: pending, method: "GET", path: "/api/v1/me", want: 401, problem: "second-factor-required"})
	w.do(call{who: pending, method: "POST", path: "/api/v1/session/otp", body: map[string]any{"otp": code()}, want: 401, problem: "invalid-otp"})
	clock.Advance(30 * time.Second)
	w.do(call{who: pending, method: "POST", path: "/api/v1/session/otp", body: map[string]any{"otp": code()}, want: 200})
	w.do(call{who: sec, method: "POST", path: "/api/v1/session/otp", body: map[string]any{"otp": code()}, want: 409, problem: "no-second-factor-pending"})

	// Re-authentication, and the list of sessions.
	clock.Advance(30 * time.Second)
	w.do(call{who: sec, method: "POST", path: "/api/v1/session/reauth", body: map[string]any{"password": apptest.Password}, want: 400, problem: "validation"})
	re := w.do(call{who: sec, method: "POST", path: "/api/v1/session/reauth", body: map[string]any{"password": apptest.Password, "otp": code()}, want: 200})
	sec.Token = field(t, re, "token")
	var list struct{ Items []accounts.SessionView }
	w.do(call{who: sec, method: "GET", path: "/api/v1/me/sessions", want: 200}).Decode(t, &list)
	for _, s := range list.Items {
		if !s.Current {
			w.do(call{who: sec, method: "DELETE", path: "/api/v1/me/sessions/" + s.ID.String(), want: 204})
			w.do(call{who: sec, method: "DELETE", path: "/api/v1/me/sessions/" + s.ID.String(), want: 404, problem: "not-found"})
			break
		}
	}

	// Links by e-mail: a reset, and an invitation by the admin.
	adm := env.Person("beheer@rkc.example.nl", "BZK", g(authz.Admin, authz.AnyDomain))
	w.do(call{who: sec, method: "GET", path: "/api/v1/accounts", want: 403, problem: "forbidden"})
	w.do(call{who: adm, method: "GET", path: "/api/v1/accounts", want: 200})
	w.do(call{who: adm, method: "GET", path: "/api/v1/accounts?unused=true", want: 200})
	w.do(call{who: adm, method: "POST", path: "/api/v1/invitations", body: map[string]any{"email": "nieuw@rkc.example.nl", "name": "Nieuw Lid",
		"ministry": "AZ", "language": "en", "roles": []authz.Grant{g(authz.Member, authz.AnyDomain)}}, want: 202})
	w.do(call{who: adm, method: "POST", path: "/api/v1/invitations", body: map[string]any{"email": "nieuw@rkc.example.nl", "name": "X",
		"ministry": "XYZ"}, want: 400, problem: "validation"})
	link := box.last["nieuw@rkc.example.nl"].Link
	_, token, _ := strings.Cut(link, "/password/")
	w.do(call{method: "POST", path: "/api/v1/password", body: map[string]any{"token": token, "password": "kort"}, want: 400, problem: "validation"})
	w.do(call{method: "POST", path: "/api/v1/password", body: map[string]any{"token": token, "password": "een lang nieuw wachtwoord"}, want: 204})
	w.do(call{method: "POST", path: "/api/v1/password", body: map[string]any{"token": token, "password": "een lang nieuw wachtwoord"}, want: 404, problem: "link-invalid"})
	w.do(call{method: "POST", path: "/api/v1/password-reset", body: map[string]any{"email": "nieuw@rkc.example.nl"}, want: 202})
	w.do(call{method: "POST", path: "/api/v1/password-reset", body: map[string]any{"email": "niemand@rkc.example.nl"}, want: 202})

	// The admin's account routes.
	var accountsList struct{ Items []accounts.AccountView }
	w.do(call{who: adm, method: "GET", path: "/api/v1/accounts", want: 200}).Decode(t, &accountsList)
	pid := ""
	for _, a := range accountsList.Items {
		if a.Email == "nieuw@rkc.example.nl" {
			pid = a.ID.String()
		}
	}
	base := "/api/v1/accounts/" + pid
	w.do(call{who: adm, method: "POST", path: base + "/grants", body: g(authz.Reporter, authz.AnyDomain), want: 204})
	w.do(call{who: adm, method: "DELETE", path: base + "/grants/reporter/*", want: 204})
	w.do(call{who: adm, method: "DELETE", path: base + "/grants/reporter/*", want: 404, problem: "not-found"})
	w.do(call{who: adm, method: "DELETE", path: base + "/totp", want: 204})
	w.do(call{who: adm, method: "POST", path: base + "/deactivate", want: 204})
	w.do(call{who: adm, method: "POST", path: "/api/v1/accounts/" + adm.ID.String() + "/deactivate", want: 409, problem: "own-account"})
	w.do(call{who: adm, method: "POST", path: base + "/activate", want: 204})

	// Four eyes: nobody grants themselves a role; a role that opens cases
	// waits for a second person, who confirms or refuses it.
	w.do(call{who: adm, method: "POST", path: "/api/v1/accounts/" + adm.ID.String() + "/grants", body: g(authz.Reporter, authz.AnyDomain),
		want: 403, problem: "own-grant"})
	req := w.do(call{who: adm, method: "POST", path: base + "/grants", body: g(authz.Authority, "AZ"), want: 202})
	rid := field(t, req, "id")
	w.do(call{who: adm, method: "GET", path: "/api/v1/grant-requests", want: 200})
	w.do(call{who: adm, method: "POST", path: "/api/v1/grant-requests/" + rid + "/confirm", want: 403, problem: "grant-confirmer"})
	adm2 := env.Person("beheer2@rkc.example.nl", "BZK", g(authz.Admin, authz.AnyDomain))
	w.do(call{who: adm2, method: "POST", path: "/api/v1/grant-requests/" + rid + "/confirm", want: 204})
	w.do(call{who: adm2, method: "POST", path: "/api/v1/grant-requests/" + rid + "/confirm", want: 404, problem: "not-found"})
	req = w.do(call{who: adm, method: "POST", path: base + "/grants", body: g(authz.PrivacyOfficer, authz.AnyDomain), want: 202})
	w.do(call{who: adm2, method: "POST", path: "/api/v1/grant-requests/" + field(t, req, "id") + "/refuse", want: 204})

	// The first admin's one-time password: replaced at the first sign-in.
	env.App.DB.Exec(`DELETE FROM role_grants WHERE role = 'admin'`)
	printed, err := env.App.Accounts.EnsureAdmin(t.Context(), "eerste@rkc.example.nl")
	if err != nil {
		t.Fatal(err)
	}
	first := w.do(call{method: "POST", path: "/api/v1/session", body: map[string]any{"email": "eerste@rkc.example.nl", "password": printed}, want: 201})
	once := &apptest.Person{Token: field(t, first, "token")}
	w.do(call{who: once, method: "POST", path: "/api/v1/session/password", body: map[string]any{"password": printed}, want: 400, problem: "validation"})
	w.do(call{who: once, method: "POST", path: "/api/v1/session/password", body: map[string]any{"password": "mijn eigen wachtwoord"}, want: 200})
}
