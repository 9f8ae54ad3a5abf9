package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key is the log's Ed25519 signing key in the signed-note format. Like the
// master keys it comes from a key file or the environment, never from the
// database: a database owner who rewrites the tree cannot sign for it.
type Key struct {
	signer   note.Signer
	verifier note.Verifier
	public   string // the verifier key, "name+hash+base64"
}

// Origin is the log's name: the first line of every checkpoint and the
// name of the key that signs it.
func (k *Key) Origin() string { return k.signer.Name() }

// Public is the log's public key in the note verifier format
// (name+hash+base64), as printed by `rkc audit key` and accepted by
// `rkc verify --key`.
func (k *Key) Public() string { return k.public }

// Verifier checks signatures of this key.
func (k *Key) Verifier() note.Verifier { return k.verifier }

// String keeps the private key out of every printed form.
func (k *Key) String() string { return "audit.Key{" + k.public + "}" }

// ParseKey reads a note private key ("PRIVATE+KEY+name+hash+base64").
func ParseKey(skey string) (*Key, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, errors.New("audit: the log key is not a signed-note private key")
	}
	// The note package derives no verifier from a signer: take the Ed25519
	// seed out of the key (after the algorithm byte) and build one.
	// "PRIVATE+KEY+name+hash+base64", where the base64 may hold '+' too.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return nil, errors.New("audit: the log key is not a signed-note private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("audit: the log key is not an Ed25519 signed-note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &Key{signer: s, verifier: v, public: vkey}, nil
}

// ParsePublicKey reads a public key as printed by `rkc audit key`.
func ParsePublicKey(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, errors.New("audit: not a signed-note public key (name+hash+base64)")
	}
	return v, nil
}

// GenerateKeyFile writes a new log key to path (mode 0600), refusing to
// overwrite one. The key's name, the log's origin, carries a random part so
// that two installations never share an origin.
func GenerateKeyFile(path string) error {
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	skey, _, err := note.GenerateKey(rand.Reader, "rkc-access-log-"+hex.EncodeToString(id[:]))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit: creating the log key file: %w", err)
	}
	return writeSynced(f, []byte(skey+"\n"))
}

// LoadKeyFile reads the log key from path.
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: reading the log key: %w", err)
	}
	return ParseKey(string(b))
}
