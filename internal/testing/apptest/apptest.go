// Package apptest runs the whole HTTP service against a fresh PostgreSQL
// database per test, with helpers to create people and call the API as them.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/app"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// Password of every person the helpers create.
const Password = "correct horse battery staple"

// Env is one running service on its own database.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	Clock  *Clock
	Config *config.Config
	Log    *bytes.Buffer // everything the service logged
}

// Clock is a settable clock; it starts at the real time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// New starts the service on a fresh database with an in-memory master key.
func New(t testing.TB) *Env {
	t.Helper()
	return NewWithConfig(t, Config(t, nil))
}

// Config returns the configuration New starts with, with settings (by
// environment variable) overridden: a fresh database, an in-memory master
// key, a temporary data folder. Staff sign in with a password alone here
// (RKC_STAFF_SECOND_FACTOR=false), so the tests of the other packages can
// act as staff through the sign-in form; the accounts tests switch the
// second factor on.
func Config(t testing.TB, override map[string]string) *config.Config {
	t.Helper()
	url := dbtest.NewURL(t)
	var key [32]byte
	rand.Read(key[:])
	env := map[string]string{
		"DATABASE_URL":            url,
		"RKC_MASTER_KEYS":         "test1:" + base64.StdEncoding.EncodeToString(key[:]),
		"RKC_DATA_DIR":            t.TempDir(),
		"RKC_STAFF_SECOND_FACTOR": "false",
		"RKC_SECURITY_CONTACT":    "mailto:security@rkc.example",
	}
	for k, v := range override {
		env[k] = v
	}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// NewWithConfig starts the service with the given configuration.
func NewWithConfig(t testing.TB, cfg *config.Config) *Env {
	t.Helper()
	return newEnv(t, cfg, nil)
}

// NewListening starts the service with the given configuration on ln, the
// listener of cfg.Addr, so that the addresses the service derives from its
// listen address (links in e-mails) lead to this server.
func NewListening(t testing.TB, cfg *config.Config, ln net.Listener) *Env {
	t.Helper()
	return newEnv(t, cfg, ln)
}

func newEnv(t testing.TB, cfg *config.Config, ln net.Listener) *Env {
	t.Helper()
	logBuf := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedBuffer{b: logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gdb, err := openDB(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(gdb) })
	clock := &Clock{t: time.Now()}
	a, err := app.Build(context.Background(), cfg, log, gdb, app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return &Env{T: t, App: a, Server: srv, Clock: clock, Config: cfg, Log: logBuf}
}

// Person is an account the test acts as.
type Person struct {
	ID       uuid.UUID
	Email    string
	Name     string
	Ministry string
	Token    string
}

// Person creates an account with the given grants and signs it in.
func (e *Env) Person(email, ministry string, grants ...authz.Grant) *Person {
	e.T.Helper()
	ctx := context.Background()
	p, err := e.App.Accounts.Create(ctx, accounts.NewPerson{Email: email, Name: "Test " + strings.Split(email, "@")[0],
		Ministry: ministry, Password: Password, Grants: grants}, nil)
	if err != nil {
		e.T.Fatalf("creating %s: %v", email, err)
	}
	token, err := e.App.Accounts.OpenSession(ctx, p.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	return &Person{ID: p.ID, Email: p.Email, Name: p.Name, Ministry: ministry, Token: token}
}

// Caller is the service's view of p, for tests that call the services
// directly: authenticated by p's session, with p's grants in the policy
// (which learns them at sign-in, and Person never signs in).
func (e *Env) Caller(p *Person) *accounts.Caller {
	e.T.Helper()
	cl, err := e.App.Accounts.Authenticate(context.Background(), p.Token)
	if err != nil {
		e.T.Fatalf("authenticating %s: %v", p.Email, err)
	}
	if err := e.App.Enforcer.Sync(cl.ID.String(), cl.Grants); err != nil {
		e.T.Fatal(err)
	}
	return cl
}

// Grant is a shorthand for an authz grant.
func Grant(role, domain string) authz.Grant { return authz.Grant{Role: role, Domain: domain} }

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode reads the JSON body into v, failing the test when it cannot.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

// Map returns the JSON body as a map.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	m := map[string]any{}
	r.Decode(t, &m)
	return m
}

// Do calls the API as p (nil: anonymous) with a JSON body (nil: none).
func (e *Env) Do(p *Person, method, path string, body any) *Response {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		if raw, ok := body.(json.RawMessage); ok {
			rd = bytes.NewReader(raw)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				e.T.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.Send(p, req)
}

// Send sends a prepared request as p.
func (e *Env) Send(p *Person, req *http.Request) *Response {
	e.T.Helper()
	if p != nil {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	// Redirects are answers to look at (the OpenID routes send the browser
	// on), not to follow.
	client := *e.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Must calls Do and fails the test unless the status is want.
func (e *Env) Must(want int, p *Person, method, path string, body any) *Response {
	e.T.Helper()
	r := e.Do(p, method, path, body)
	if r.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}
