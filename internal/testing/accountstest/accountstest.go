// Package accountstest holds what the tests of signing in and of accounts
// share, in the product module (internal/accounts) and in the e2e module
// (e2e/accounts: OpenID Connect against a real provider): the service with
// the second factor on, a mailbox for account e-mails, TOTP codes, the
// problem an answer names, the access log's entries and a browser without
// JavaScript on the sign-in pages. It uses only what the API and the
// database show, nothing a product package keeps unexported.
package accountstest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// NewEnv starts the service with settings overridden; the second factor
// for staff is on, as in production, unless the overrides say otherwise.
func NewEnv(t *testing.T, override map[string]string) (*apptest.Env, *Mailbox) {
	t.Helper()
	env := map[string]string{"RKC_STAFF_SECOND_FACTOR": "true"}
	for k, v := range override {
		env[k] = v
	}
	e := apptest.NewWithConfig(t, apptest.Config(t, env))
	box := &Mailbox{}
	e.App.Accounts.SetMailer(box)
	return e, box
}

// Mailbox keeps the account e-mails instead of sending them.
type Mailbox struct {
	mu   sync.Mutex
	mail []accounts.Mail
}

// SendAccountMail keeps m.
func (b *Mailbox) SendAccountMail(_ context.Context, m accounts.Mail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mail = append(b.mail, m)
	return nil
}

// All returns every mail kept, oldest first.
func (b *Mailbox) All() []accounts.Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]accounts.Mail(nil), b.mail...)
}

// Last returns the newest mail to the address, failing when there is none.
func (b *Mailbox) Last(t *testing.T, to string) accounts.Mail {
	t.Helper()
	all := b.All()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == to {
			return all[i]
		}
	}
	t.Fatalf("no mail to %s", to)
	return accounts.Mail{}
}

// Code is the TOTP code of secret at time at.
func Code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// StepStart returns a time 5 seconds into a TOTP step, so that a test's
// own runtime does not carry it into the next.
func StepStart(t time.Time) time.Time {
	return time.Unix(t.Unix()/30*30+5, 0)
}

// ProblemType returns the problem type of an error answer, without the base.
func ProblemType(t *testing.T, r *apptest.Response) string {
	t.Helper()
	typ, _ := r.Map(t)["type"].(string)
	return strings.TrimPrefix(typ, "https://rkc.example/problems/")
}

// ExpectProblem fails unless the answer is the given status and type.
func ExpectProblem(t *testing.T, r *apptest.Response, status int, typ string) {
	t.Helper()
	if r.Status != status || ProblemType(t, r) != typ {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, typ)
	}
}

// SignIn posts the password sign-in and returns the answer.
func SignIn(e *apptest.Env, email, password string, extra map[string]string) *apptest.Response {
	body := map[string]string{"email": email, "password": password}
	for k, v := range extra {
		body[k] = v
	}
	return e.Do(nil, "POST", "/api/v1/session", body)
}

// AccessLogged reports whether the access log has an entry with action.
func AccessLogged(t *testing.T, e *apptest.Env, action string) bool {
	t.Helper()
	var n int64
	if err := e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE action = ?`, action).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// LogEntry is an access-log line as a test reads it back.
type LogEntry struct {
	PersonID *uuid.UUID
	Role     string
	Action   string
	Client   string
}

// Entries returns the access log's lines with action, oldest first.
func Entries(t *testing.T, e *apptest.Env, action string) []LogEntry {
	t.Helper()
	var out []LogEntry
	if err := e.App.DB.Raw(`SELECT person_id, role, action, client FROM access_log WHERE action = ? ORDER BY id`, action).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// One fails unless the log has exactly one line with action, by person
// (nil: none) from client.
func One(t *testing.T, e *apptest.Env, action string, person *uuid.UUID, client string) {
	t.Helper()
	got := Entries(t, e, action)
	if len(got) != 1 {
		t.Errorf("%s: %d entries, want 1", action, len(got))
		return
	}
	g := got[0]
	if (person == nil) != (g.PersonID == nil) || (person != nil && *person != *g.PersonID) || g.Client != client {
		t.Errorf("%s: entry %+v, want person %v from %s", action, g, person, client)
	}
}

// CSRFField finds the CSRF token in a page's form.
var CSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// WebClient is a browser without JavaScript on the pages: cookies, forms,
// redirects not followed (unless Client.CheckRedirect is set to nil).
type WebClient struct {
	t      *testing.T
	Base   string // the server's URL
	Client *http.Client
	// LastPath is the path of the last answer's request: where the
	// redirects ended when they are followed.
	LastPath string
}

// NewWebClient returns a browser on e's server with an empty cookie jar.
func NewWebClient(t *testing.T, e *apptest.Env) *WebClient {
	jar, _ := cookiejar.New(nil)
	return &WebClient{t: t, Base: e.Server.URL, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Do sends req and returns the status, the headers and the body.
func (c *WebClient) Do(req *http.Request) (int, http.Header, string) {
	c.t.Helper()
	res, err := c.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.LastPath = res.Request.URL.Path
	return res.StatusCode, res.Header, string(b)
}

// Get opens path.
func (c *WebClient) Get(path string) (int, http.Header, string) {
	req, _ := http.NewRequest("GET", c.Base+path, nil)
	return c.Do(req)
}

// Login posts the sign-in form as the page shows it.
func (c *WebClient) Login(form url.Values) (int, http.Header, string) {
	c.t.Helper()
	return c.PostFrom("/login", "/login", form)
}

// PostFrom posts form to path with the CSRF token of the page at from.
func (c *WebClient) PostFrom(from, path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	_, _, body := c.Get(from)
	m := CSRFField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("%s has no form: %.300s", from, body)
	}
	form.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", c.Base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Post sends a form with the CSRF token of a signed-in page.
func (c *WebClient) Post(path string, form url.Values) (int, http.Header, string) {
	c.t.Helper()
	return c.PostFrom("/dashboard", path, form)
}
