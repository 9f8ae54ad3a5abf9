package accounts_test

import (
	"context"
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

// newEnv starts the service with settings overridden; the second factor
// for staff is on, as in production, unless the overrides say otherwise.
func newEnv(t *testing.T, override map[string]string) (*apptest.Env, *mailbox) {
	t.Helper()
	env := map[string]string{"RKC_STAFF_SECOND_FACTOR": "true"}
	for k, v := range override {
		env[k] = v
	}
	e := apptest.NewWithConfig(t, apptest.Config(t, env))
	box := &mailbox{}
	e.App.Accounts.SetMailer(box)
	return e, box
}

// mailbox keeps the account e-mails instead of sending them.
type mailbox struct {
	mu   sync.Mutex
	mail []accounts.Mail
}

func (b *mailbox) SendAccountMail(_ context.Context, m accounts.Mail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mail = append(b.mail, m)
	return nil
}

func (b *mailbox) all() []accounts.Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]accounts.Mail(nil), b.mail...)
}

// last returns the newest mail to the address, failing when there is none.
func (b *mailbox) last(t *testing.T, to string) accounts.Mail {
	t.Helper()
	all := b.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].To == to {
			return all[i]
		}
	}
	t.Fatalf("no mail to %s", to)
	return accounts.Mail{}
}

// linkToken is the token in an e-mailed link.
func linkToken(t *testing.T, m accounts.Mail) string {
	t.Helper()
	_, tok, ok := strings.Cut(m.Link, "/password/")
	if !ok || tok == "" {
		t.Fatalf("link %q has no token", m.Link)
	}
	return tok
}

// code is the TOTP code of secret at time at.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// problemType returns the problem type of an error answer, without the base.
func problemType(t *testing.T, r *apptest.Response) string {
	t.Helper()
	typ, _ := r.Map(t)["type"].(string)
	return strings.TrimPrefix(typ, "https://rkc.example/problems/")
}

// expectProblem fails unless the answer is the given status and type.
func expectProblem(t *testing.T, r *apptest.Response, status int, typ string) {
	t.Helper()
	if r.Status != status || problemType(t, r) != typ {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, typ)
	}
}

// signIn posts the password sign-in and returns the answer.
func signIn(e *apptest.Env, email, password string, extra map[string]string) *apptest.Response {
	body := map[string]string{"email": email, "password": password}
	for k, v := range extra {
		body[k] = v
	}
	return e.Do(nil, "POST", "/api/v1/session", body)
}

// session is the signed-in result of a password sign-in.
type session struct {
	Token   string `json:"token"`
	Pending string `json:"pending"`
}

func as(token string) *apptest.Person { return &apptest.Person{Token: token} }

// enrol sets up TOTP for the holder of token and returns the secret, the
// recovery codes and the session's new token.
func enrol(t *testing.T, e *apptest.Env, token string) (secret string, codes []string, newToken string) {
	t.Helper()
	var en struct {
		Secret     string `json:"secret"`
		OTPAuthURI string `json:"otpauth_uri"`
		QRCodePNG  []byte `json:"qr_code_png"`
	}
	e.Must(201, as(token), "POST", "/api/v1/me/totp", nil).Decode(t, &en)
	if en.Secret == "" || !strings.HasPrefix(en.OTPAuthURI, "otpauth://totp/") || !strings.Contains(en.OTPAuthURI, "secret="+en.Secret) {
		t.Fatalf("enrolment %+v", en)
	}
	if len(en.QRCodePNG) < 100 || string(en.QRCodePNG[1:4]) != "PNG" {
		t.Fatalf("the QR code is not a PNG (%d bytes)", len(en.QRCodePNG))
	}
	var done struct {
		Token         string   `json:"token"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	e.Must(200, as(token), "POST", "/api/v1/me/totp/confirm", map[string]string{"otp": code(t, en.Secret, e.Clock.Now())}).Decode(t, &done)
	if done.Token == "" || done.Token == token || len(done.RecoveryCodes) != 10 {
		t.Fatalf("confirmation answered %+v", done)
	}
	return en.Secret, done.RecoveryCodes, done.Token
}

// accessLogged reports whether the access log has an entry with action.
func accessLogged(t *testing.T, e *apptest.Env, action string) bool {
	t.Helper()
	var n int64
	if err := e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE action = ?`, action).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// stepStart returns a time 5 seconds into a TOTP step, so that a test's
// own runtime does not carry it into the next.
func stepStart(t time.Time) time.Time {
	return time.Unix(t.Unix()/30*30+5, 0)
}

func uuidOf(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// mustSession opens a fresh session for p (after a grant ended theirs).
func mustSession(t *testing.T, e *apptest.Env, p *apptest.Person) string {
	t.Helper()
	token, err := e.App.Accounts.OpenSession(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
