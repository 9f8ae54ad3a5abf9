package accounts_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// linkToken is the token in an e-mailed link.
func linkToken(t *testing.T, m accounts.Mail) string {
	t.Helper()
	_, tok, ok := strings.Cut(m.Link, "/password/")
	if !ok || tok == "" {
		t.Fatalf("link %q has no token", m.Link)
	}
	return tok
}

// session is the signed-in result of a password sign-in.
type session struct {
	Token   string `json:"token"`
	Pending string `json:"pending"`
}

// signIn signs p in with the test password and returns the session of the
// answer: a usable one, or one that waits for a second factor.
func signIn(t *testing.T, e *apptest.Env, p *apptest.Person) session {
	t.Helper()
	var s session
	accountstest.SignIn(e, p.Email, apptest.Password, nil).Decode(t, &s)
	return s
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
	e.Must(200, as(token), "POST", "/api/v1/me/totp/confirm", map[string]string{"otp": accountstest.Code(t, en.Secret, e.Clock.Now())}).Decode(t, &done)
	if done.Token == "" || done.Token == token || len(done.RecoveryCodes) != 10 {
		t.Fatalf("confirmation answered %+v", done)
	}
	return en.Secret, done.RecoveryCodes, done.Token
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

// parallelEnv runs t in parallel with the others in an environment of its
// own, configured as shipped; a test that reads the mail calls
// accountstest.NewEnv itself.
func parallelEnv(t *testing.T) *apptest.Env {
	t.Helper()
	t.Parallel()
	e, _ := accountstest.NewEnv(t, nil)
	return e
}

// The people most tests here need, one of each per environment: an admin
// (beheer@), a complainant of BZK (klager@) and a committee secretary
// (secretaris@).
func admin(e *apptest.Env) *apptest.Person {
	return e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
}

func complainant(e *apptest.Env) *apptest.Person {
	return e.Person("klager@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
}

func secretary(e *apptest.Env) *apptest.Person {
	return e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
}
