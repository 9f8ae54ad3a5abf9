package accounts_test

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/crypto"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TOTP secrets are sealed under the master keys: the database holds no
// secret a dump could make codes with, neither the one in force nor one
// being set up; `rkc keys rotate` rewraps them, and they still open.
func TestTOTPSecretsSealed(t *testing.T) {
	t.Parallel()
	oldKey, newKey := masterKey(t), masterKey(t)
	e, _ := accountstest.NewEnv(t, map[string]string{"RKC_MASTER_KEYS": "old:" + oldKey})
	e.Clock.Set(accountstest.StepStart(time.Now()))
	sec := secretary(e)
	secret, _, token := enrol(t, e, sec.Token)
	var pending struct {
		Secret string `json:"secret"`
	}
	e.Must(201, as(token), "POST", "/api/v1/me/totp", nil).Decode(t, &pending) // a replacement being set up

	// What a dump of the table holds, as text (bytea in hex).
	var dump []string
	if err := e.App.DB.Raw(`SELECT row_to_json(t)::text FROM totp_secrets t`).Scan(&dump).Error; err != nil || len(dump) != 1 {
		t.Fatalf("the table: %v %v", dump, err)
	}
	for _, s := range []string{secret, pending.Secret} {
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []string{s, strings.ToLower(s), hex.EncodeToString(raw), hex.EncodeToString([]byte(s))} {
			if strings.Contains(strings.ToLower(dump[0]), strings.ToLower(form)) {
				t.Errorf("the table holds a secret in plain form %q", form)
			}
		}
	}

	// Rotation rewraps the row's key under the new master key; the secret
	// still opens with it.
	keys, err := crypto.LoadKeyring(crypto.KeySource{EnvKeys: "new:" + newKey + ";old:" + oldKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := privacy.Rotate(t.Context(), e.App.DB, keys); err != nil {
		t.Fatal(err)
	}
	var row struct {
		DataKey      []byte
		DataKeyID    string
		SecretSealed []byte
	}
	if err := e.App.DB.Raw(`SELECT data_key, data_key_id, secret_sealed FROM totp_secrets WHERE person_id = ?`, sec.ID).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.DataKeyID != "new" {
		t.Fatalf("after rotation the secret's key is under %q", row.DataKeyID)
	}
	newOnly, _ := crypto.LoadKeyring(crypto.KeySource{EnvKeys: "new:" + newKey})
	dk, err := newOnly.Unwrap(row.DataKey, row.DataKeyID, "totp:"+sec.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dk.OpenString("totp:"+sec.ID.String(), "totp.secret", row.SecretSealed); err != nil || got != secret {
		t.Errorf("the rewrapped secret opens as %q (%v)", got, err)
	}
}

func masterKey(t *testing.T) string {
	t.Helper()
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k[:])
}

// A secret an older version stored in plain text is sealed at start and
// its plain copy emptied; codes of it still sign in.
func TestPlainTOTPSecretsSealedAtStart(t *testing.T) {
	e := parallelEnv(t)
	e.Clock.Set(accountstest.StepStart(time.Now()))
	sec := secretary(e)
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	if err := e.App.DB.Exec(`INSERT INTO totp_secrets (person_id, plain_secret, plain_pending, confirmed_at) VALUES (?, ?, 'PENDINGSECRET', now())`,
		sec.ID, secret).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.App.Accounts.SealPlainTOTPSecrets(t.Context()); err != nil {
		t.Fatal(err)
	}
	var dump []string
	e.App.DB.Raw(`SELECT row_to_json(t)::text FROM totp_secrets t`).Scan(&dump)
	if len(dump) != 1 || strings.Contains(dump[0], secret) || strings.Contains(dump[0], "PENDINGSECRET") {
		t.Fatalf("after sealing the table holds %v", dump)
	}
	e.Must(201, nil, "POST", "/api/v1/session", map[string]string{"email": sec.Email, "password": apptest.Password, "otp": accountstest.Code(t, secret, e.Clock.Now())})
}
