package accounts_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// publicBase is the service's public address in these tests. The provider
// sends the browser back there; the test's browser knows it is the test
// server (as a reverse proxy would).
const publicBase = "https://rkc.test"

// idp is a real OpenID provider on loopback (mockoidc), with a way to
// tamper with the ID tokens it issues.
type idp struct {
	m *mockoidc.MockOIDC
	// tamper, when set, rewrites the ID token of the next token answers.
	tamper func(idToken string) string
}

// person is a user at the provider, with the claims RKC reads.
type person struct {
	sub, email, ministry, name string
	roles                      []string
	// claims, when set, changes the standard claims of the ID token.
	claims func(*mockoidc.IDTokenClaims)
	// authAt, when set, is the sign-in time the token names (auth_time).
	authAt func() time.Time
}

type personClaims struct {
	*mockoidc.IDTokenClaims
	Email         string   `json:"email,omitempty"`
	EmailVerified bool     `json:"email_verified"`
	Ministry      string   `json:"ministry,omitempty"`
	Name          string   `json:"name,omitempty"`
	Roles         []string `json:"roles,omitempty"`
	AuthTime      int64    `json:"auth_time,omitempty"`
}

func (p *person) ID() string { return p.sub }
func (p *person) Userinfo(scope []string) ([]byte, error) {
	return json.Marshal(map[string]string{"sub": p.sub, "email": p.email})
}
func (p *person) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if p.claims != nil {
		p.claims(c)
	}
	pc := &personClaims{IDTokenClaims: c, Email: p.email, EmailVerified: true, Ministry: p.ministry, Name: p.name, Roles: p.roles}
	if p.authAt != nil {
		pc.AuthTime = p.authAt().Unix()
	}
	return pc, nil
}

func newIDP(t *testing.T) *idp {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{m: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint || p.tamper == nil {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if json.Unmarshal(rec.Body.Bytes(), &body) == nil {
				if tok, ok := body["id_token"].(string); ok {
					body["id_token"] = p.tamper(tok)
				}
			}
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			json.NewEncoder(w).Encode(body)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return p
}

func (p *idp) providersJSON() string {
	b, _ := json.Marshal([]map[string]any{{"name": "rijk", "label": "Rijksoverheid", "issuer": p.m.Issuer(),
		"client_id": p.m.ClientID, "client_secret": p.m.ClientSecret, "ministry_claim": "ministry"}})
	return string(b)
}

// browser follows redirects between the service and the provider itself,
// keeping cookies, and stops at the service's answer to the callback.
type browser struct {
	t      *testing.T
	e      *apptest.Env
	client *http.Client
}

func newBrowser(t *testing.T, e *apptest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// local turns an address of the public service into the test server's.
func (b *browser) local(u string) string {
	if strings.HasPrefix(u, publicBase) {
		return b.e.Server.URL + strings.TrimPrefix(u, publicBase)
	}
	return u
}

func (b *browser) get(u string) *apptest.Response {
	b.t.Helper()
	res, err := b.client.Get(b.local(u))
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// flow is one sign-in: the provider's address the service sent the
// browser to, the callback address, and the service's answer to it.
type flow struct {
	authorize, callback string
	answer              *apptest.Response
}

// signIn goes through the provider as user, starting at the service.
func (b *browser) signIn(p *idp, user *person) flow {
	b.t.Helper()
	start := b.get(b.e.Server.URL + "/api/v1/oidc/rijk/start?next=/dashboard")
	if start.Status != http.StatusSeeOther {
		b.t.Fatalf("start: %d %s", start.Status, start.Body)
	}
	f := flow{authorize: start.Header.Get("Location")}
	p.m.QueueUser(user)
	at := b.get(f.authorize)
	if at.Status != http.StatusFound {
		b.t.Fatalf("provider: %d %s", at.Status, at.Body)
	}
	f.callback = at.Header.Get("Location")
	f.answer = b.get(f.callback)
	return f
}

// me returns the signed-in person as the service sees the browser.
func (b *browser) me() map[string]any {
	b.t.Helper()
	r := b.get(b.e.Server.URL + "/api/v1/me")
	if r.Status != 200 {
		b.t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	return r.Map(b.t)
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_BASE_URL": publicBase})
	anna := &person{sub: "anna-0001", email: "Anna.de.Vries@minbzk.example", ministry: "BZK", name: "Anna de Vries", roles: []string{"chair", "admin"}}

	// A new person: created as a complainant of the claimed ministry, and
	// nothing more, whatever roles the provider names.
	b := newBrowser(t, e)
	f := b.signIn(p, anna)
	if f.answer.Status != http.StatusSeeOther || f.answer.Header.Get("Location") != "/dashboard" {
		t.Fatalf("callback: %d %s %s", f.answer.Status, f.answer.Header.Get("Location"), f.answer.Body)
	}
	q, _ := url.Parse(f.authorize)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("code_challenge") == "" || q.Query().Get("nonce") == "" ||
		q.Query().Get("redirect_uri") != publicBase+"/api/v1/oidc/rijk/callback" {
		t.Errorf("authorization request %s", f.authorize)
	}
	me := b.me()
	roles, _ := json.Marshal(me["roles"])
	if me["email"] != "anna.de.vries@minbzk.example" || me["ministry"] != "BZK" || me["name"] != "Anna de Vries" ||
		string(roles) != `[{"domain":"BZK","role":"complainant"}]` {
		t.Fatalf("the new person is %v", me)
	}
	id := me["id"]
	if s, _ := me["session"].(map[string]any); s["method"] != "oidc" {
		t.Errorf("session %v", me["session"])
	}
	// The account's creation (by the service) and the sign-in are logged.
	if pid, err := uuid.Parse(id.(string)); err != nil {
		t.Fatal(err)
	} else {
		accountstest.One(t, e, accounts.ActAccountCreated+pid.String(), nil, "")
		accountstest.One(t, e, "signin:oidc", &pid, "127.0.0.1")
	}

	// The state is used once: the same callback again is refused.
	accountstest.ExpectProblem(t, b.get(f.callback), 401, "oidc-state-invalid")

	// A returning person: matched on the subject, not the address.
	anna.email = "a.devries@minbzk.example"
	b2 := newBrowser(t, e)
	if f := b2.signIn(p, anna); f.answer.Status != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d %s", f.answer.Status, f.answer.Body)
	}
	if me := b2.me(); me["id"] != id {
		t.Errorf("the returning person is a new account: %v", me)
	}
	var n int64
	e.App.DB.Raw(`SELECT count(*) FROM persons`).Scan(&n)
	if n != 1 {
		t.Errorf("%d persons, want 1", n)
	}

	// Signing in again in the same browser ends its earlier session.
	before := b.get(e.Server.URL + "/api/v1/me")
	if f := b.signIn(p, &person{sub: "anna-0001", email: "x@minbzk.example", ministry: "BZK"}); f.answer.Status != http.StatusSeeOther {
		t.Fatalf("third sign-in: %d", f.answer.Status)
	}
	if before.Status != 200 {
		t.Fatal(before.Status)
	}
	var sessions int64
	e.App.DB.Raw(`SELECT count(*) FROM sessions`).Scan(&sessions)
	if sessions != 2 {
		t.Errorf("%d sessions after three sign-ins in two browsers, want 2", sessions)
	}

	// An address that has an account is not taken over by a provider.
	e.Person("voorzitter@minocw.example", "OCW", apptest.Grant(authz.Chair, authz.AnyDomain))
	f = newBrowser(t, e).signIn(p, &person{sub: "imposter", email: "voorzitter@minocw.example", ministry: "OCW"})
	accountstest.ExpectProblem(t, f.answer, 409, "account-exists")

	// A ministry RKC does not know is refused.
	f = newBrowser(t, e).signIn(p, &person{sub: "x-1", email: "x1@example.org", ministry: "NOPE"})
	accountstest.ExpectProblem(t, f.answer, 401, "oidc-ministry-unknown")

	// A deactivated person is refused.
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	e.Must(204, adm, "POST", fmt.Sprintf("/api/v1/accounts/%s/deactivate", id), nil)
	accountstest.ExpectProblem(t, b2.get(e.Server.URL+"/api/v1/me"), 401, "unauthenticated")
	f = newBrowser(t, e).signIn(p, anna)
	accountstest.ExpectProblem(t, f.answer, 401, "account-inactive")
}

func TestOIDCRefusals(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_BASE_URL": publicBase})
	user := func(sub string, claims func(*mockoidc.IDTokenClaims)) *person {
		return &person{sub: sub, email: sub + "@minfin.example", ministry: "FIN", claims: claims}
	}
	refused := func(name string, f flow, typ string) {
		t.Helper()
		if f.answer.Status != 401 || accountstest.ProblemType(t, f.answer) != typ {
			t.Errorf("%s: %d %s, want 401 %s", name, f.answer.Status, f.answer.Body, typ)
		}
	}

	refused("wrong audience", newBrowser(t, e).signIn(p, user("aud", func(c *mockoidc.IDTokenClaims) {
		c.Audience = jwt.ClaimStrings{"another-client"}
	})), "oidc-token-invalid")
	refused("expired", newBrowser(t, e).signIn(p, user("exp", func(c *mockoidc.IDTokenClaims) {
		c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
		c.NotBefore = c.IssuedAt
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	})), "oidc-token-invalid")
	refused("another issuer", newBrowser(t, e).signIn(p, user("iss", func(c *mockoidc.IDTokenClaims) {
		c.Issuer = "https://idp.elsewhere.example"
	})), "oidc-token-invalid")

	// A bad signature: the token's signature bytes changed on the way.
	p.tamper = func(tok string) string {
		parts := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sig[len(sig)/2] ^= 0x01
		parts[2] = base64.RawURLEncoding.EncodeToString(sig)
		return strings.Join(parts, ".")
	}
	refused("bad signature", newBrowser(t, e).signIn(p, user("sig", nil)), "oidc-token-invalid")
	// And one signed with another key under the provider's key id.
	other, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	p.tamper = func(tok string) string {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
			t.Fatal(err)
		}
		kid, _ := p.m.Keypair.KeyID()
		j := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		j.Header["kid"] = kid
		s, err := j.SignedString(other.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	refused("signed with another key", newBrowser(t, e).signIn(p, user("key", nil)), "oidc-token-invalid")
	p.tamper = nil

	// A replayed nonce: the token carries the nonce of an earlier sign-in.
	b := newBrowser(t, e)
	first := b.signIn(p, user("nonce", nil))
	if first.answer.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", first.answer.Status, first.answer.Body)
	}
	u, _ := url.Parse(first.authorize)
	oldNonce := u.Query().Get("nonce")
	refused("replayed nonce", b.signIn(p, user("nonce", func(c *mockoidc.IDTokenClaims) { c.Nonce = oldNonce })), "oidc-nonce-invalid")

	// A replayed state, and a callback carried to another browser.
	accountstest.ExpectProblem(t, b.get(first.callback), 401, "oidc-state-invalid")
	start := b.get(e.Server.URL + "/api/v1/oidc/rijk/start")
	p.m.QueueUser(user("carried", nil))
	cb := b.get(start.Header.Get("Location")).Header.Get("Location")
	accountstest.ExpectProblem(t, newBrowser(t, e).get(cb), 401, "oidc-state-invalid")
	// The flow is used up by that attempt, even for the browser that began it.
	accountstest.ExpectProblem(t, b.get(cb), 401, "oidc-state-invalid")

	// An expired flow.
	start = b.get(e.Server.URL + "/api/v1/oidc/rijk/start")
	p.m.QueueUser(user("late", nil))
	cb = b.get(start.Header.Get("Location")).Header.Get("Location")
	e.App.DB.Exec(`UPDATE oidc_flows SET expires_at = now() - interval '1 second'`)
	accountstest.ExpectProblem(t, b.get(cb), 401, "oidc-state-invalid")

	// Nothing of the refused sign-ins made an account.
	var n int64
	e.App.DB.Raw(`SELECT count(*) FROM persons`).Scan(&n)
	if n != 1 {
		t.Errorf("%d persons, want only the one signed in", n)
	}
	accountstest.ExpectProblem(t, newBrowser(t, e).get(e.Server.URL+"/api/v1/oidc/nope/start"), 404, "not-found")
}

// A person who signed in through the provider re-authenticates there
// before a sensitive action, and password sign-in can be switched off.
func TestOIDCReauthAndPasswordOff(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_OIDC_PROVIDERS": p.providersJSON(), "RKC_BASE_URL": publicBase, "RKC_PASSWORD_LOGIN": "false"})
	kl := e.Person("klager@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	accountstest.ExpectProblem(t, accountstest.SignIn(e, kl.Email, apptest.Password, nil), 403, "password-sign-in-off")

	fg := &person{sub: "fg-1", email: "fg@minbzk.example", ministry: "BZK", authAt: e.Clock.Now}
	b := newBrowser(t, e)
	if f := b.signIn(p, fg); f.answer.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", f.answer.Status, f.answer.Body)
	}
	id := b.me()["id"].(string)
	// The admin makes them privacy officer, another admin confirms: their session ends.
	adm := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	adm2 := e.Person("beheer2@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	var req accounts.GrantRequest
	e.Must(202, adm, "POST", "/api/v1/accounts/"+id+"/grants", authz.Grant{Role: authz.PrivacyOfficer, Domain: authz.AnyDomain}).Decode(t, &req)
	e.Must(204, adm2, "POST", "/api/v1/grant-requests/"+req.ID.String()+"/confirm", nil)
	accountstest.ExpectProblem(t, b.get(e.Server.URL+"/api/v1/me"), 401, "unauthenticated")
	b.signIn(p, fg)
	export := e.Server.URL + "/api/v1/persons/" + kl.ID.String() + "/export"
	e.OpenDataSubjectRequest(uuid.MustParse(id), kl.ID) // exports of others need a request
	if r := b.get(export); r.Status != 200 {
		t.Fatalf("export right after signing in: %d %s", r.Status, r.Body)
	}
	e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '10 minutes'`)
	accountstest.ExpectProblem(t, b.get(export), 401, "reauthentication-required")

	// Re-authentication through the provider, asked to sign in again.
	start := b.get(e.Server.URL + "/api/v1/oidc/rijk/start?reauth=1&next=/my-data")
	u, _ := url.Parse(start.Header.Get("Location"))
	if u.Query().Get("prompt") != "login" || u.Query().Get("max_age") != "0" {
		t.Errorf("re-authentication request %s", u)
	}
	p.m.QueueUser(fg)
	back := b.get(b.get(start.Header.Get("Location")).Header.Get("Location"))
	if back.Status != http.StatusSeeOther || back.Header.Get("Location") != "/my-data" {
		t.Fatalf("re-authentication: %d %s", back.Status, back.Body)
	}
	if r := b.get(export); r.Status != 200 {
		t.Errorf("export after re-authenticating: %d %s", r.Status, r.Body)
	}
	if !accountstest.AccessLogged(t, e, "reauth:oidc") {
		t.Error("the re-authentication is not logged")
	}
	// A provider that passes on an old sign-in (no auth_time, or an old
	// one) does not count.
	e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '10 minutes'`)
	start = b.get(e.Server.URL + "/api/v1/oidc/rijk/start?reauth=1")
	p.m.QueueUser(&person{sub: fg.sub, email: fg.email, ministry: fg.ministry})
	accountstest.ExpectProblem(t, b.get(b.get(start.Header.Get("Location")).Header.Get("Location")), 401, "oidc-reauth-stale")
	start = b.get(e.Server.URL + "/api/v1/oidc/rijk/start?reauth=1")
	p.m.QueueUser(&person{sub: fg.sub, email: fg.email, ministry: fg.ministry, authAt: func() time.Time { return e.Clock.Now().Add(-time.Hour) }})
	accountstest.ExpectProblem(t, b.get(b.get(start.Header.Get("Location")).Header.Get("Location")), 401, "oidc-reauth-stale")
	accountstest.ExpectProblem(t, b.get(export), 401, "reauthentication-required")
	// Re-authenticating as someone else does not count.
	e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '10 minutes'`)
	start = b.get(e.Server.URL + "/api/v1/oidc/rijk/start?reauth=1")
	p.m.QueueUser(&person{sub: "someone-else", email: "ander@minbzk.example", ministry: "BZK", authAt: e.Clock.Now})
	accountstest.ExpectProblem(t, b.get(b.get(start.Header.Get("Location")).Header.Get("Location")), 401, "unauthenticated")
	// Without a session there is nothing to re-authenticate.
	accountstest.ExpectProblem(t, newBrowser(t, e).get(e.Server.URL+"/api/v1/oidc/rijk/start?reauth=1"), 401, "unauthenticated")
}
