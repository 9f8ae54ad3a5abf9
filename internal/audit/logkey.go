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
	"slices"
	"strings"

	fmtlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/rkc-nl/rkc/internal/platform/atomicfile"
)

// Key is the log's Ed25519 signing key in the signed-note format. Like the
// master keys it comes from a key file or the environment, never from the
// database: a database owner who rewrites the tree cannot sign for it.
//
// A key also knows the public keys of the log's earlier keys (key rotation,
// RotateKey): all carry the log's name, the origin, which never changes, as
// Tessera requires of the signers of one log. Its text form, the keyring,
// is the private key on the first line and the earlier public keys on the
// lines after it, oldest first.
type Key struct {
	signer   note.Signer
	verifier note.Verifier
	public   string // the verifier key, "name+hash+base64"
	private  string // the signer key, for the keyring
	earlier  []string
	trust    *Trust // this key and the earlier ones
	// cosigner, set only while RotateKey signs the handover, is the
	// retiring key: the first checkpoint under a new key carries both.
	cosigner note.Signer
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

// Earlier are the public keys of the log's earlier keys, oldest first.
func (k *Key) Earlier() []string { return slices.Clone(k.earlier) }

// Trust is the chain of public keys a verifier of this log accepts: this
// key and the earlier ones.
func (k *Key) Trust() *Trust { return k.trust }

// Keyring is the key's text form, for the key file or the secret store:
// the private key, then the earlier public keys.
func (k *Key) Keyring() string {
	return strings.Join(append([]string{k.private}, k.earlier...), "\n") + "\n"
}

// String keeps the private key out of every printed form.
func (k *Key) String() string { return "audit.Key{" + k.public + "}" }

// signers are the keys that sign a checkpoint or a document now.
func (k *Key) signers() []note.Signer {
	if k.cosigner != nil {
		return []note.Signer{k.signer, k.cosigner}
	}
	return []note.Signer{k.signer}
}

// ParseKey reads a keyring: a note private key
// ("PRIVATE+KEY+name+hash+base64"), followed by the public keys of the
// log's earlier keys, all separated by white space (lines in a file,
// spaces where an environment variable is easier on one line).
func ParseKey(keyring string) (*Key, error) {
	fields := strings.Fields(keyring)
	if len(fields) == 0 {
		return nil, errors.New("audit: the log key is empty")
	}
	skey := fields[0]
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
	trust, err := ParsePublicKeys(strings.Join(fields[1:], "\n") + "\n" + vkey)
	if err != nil {
		return nil, fmt.Errorf("audit: the log key's earlier keys: %w", err)
	}
	return &Key{signer: s, verifier: v, public: vkey, private: skey, earlier: fields[1:], trust: trust}, nil
}

// Rotated returns a new key under the same origin that knows k and k's
// earlier keys as its earlier keys.
func (k *Key) Rotated() (*Key, error) {
	skey, _, err := note.GenerateKey(rand.Reader, k.Origin())
	if err != nil {
		return nil, err
	}
	return ParseKey(strings.Join(append([]string{skey}, append(k.Earlier(), k.public)...), "\n"))
}

// Trust is a chain of public keys of one log (one origin): the keys whose
// checkpoints and documents a verifier accepts.
type Trust struct {
	origin string
	keys   []string // verifier keys, as given
	list   note.Verifiers
}

// ParsePublicKeys reads public keys as printed by `rkc audit key`,
// separated by white space; they must all carry one log's name.
func ParsePublicKeys(vkeys string) (*Trust, error) {
	t := &Trust{}
	var vs []note.Verifier
	seen := map[string]bool{}
	for _, f := range strings.Fields(vkeys) {
		v, err := note.NewVerifier(f)
		if err != nil {
			return nil, errors.New("audit: not a signed-note public key (name+hash+base64)")
		}
		if t.origin == "" {
			t.origin = v.Name()
		}
		if v.Name() != t.origin {
			return nil, fmt.Errorf("audit: the public keys name two logs, %q and %q", t.origin, v.Name())
		}
		if !seen[f] {
			seen[f] = true
			t.keys = append(t.keys, f)
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, errors.New("audit: no public key given")
	}
	t.list = note.VerifierList(vs...)
	return t, nil
}

// Origin is the name of the log the keys belong to.
func (t *Trust) Origin() string { return t.origin }

// Keys are the public keys of the chain.
func (t *Trust) Keys() []string { return slices.Clone(t.keys) }

// open opens a signed note signed by at least one key of the chain.
func (t *Trust) open(msg []byte) (*note.Note, error) {
	return note.Open(msg, t.list)
}

// checkpoint opens a checkpoint signed by at least one key of the chain.
func (t *Trust) checkpoint(msg []byte) (*fmtlog.Checkpoint, error) {
	n, err := t.open(msg)
	if err != nil {
		return nil, fmt.Errorf("not signed by a key of the log's chain: %w", err)
	}
	cp := &fmtlog.Checkpoint{}
	if _, err := cp.Unmarshal([]byte(n.Text)); err != nil {
		return nil, err
	}
	if cp.Origin != t.origin {
		return nil, fmt.Errorf("the checkpoint is of log %q, not %q", cp.Origin, t.origin)
	}
	return cp, nil
}

// GenerateKeyFile writes a new log key to path (mode 0600), refusing to
// overwrite one; a crash leaves no file or the whole one, so a restart
// generates it again rather than failing on an empty file. The key's name,
// the log's origin, carries a random part so that two installations never
// share an origin.
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
	if err := atomicfile.Create(path, []byte(skey+"\n")); err != nil {
		return fmt.Errorf("audit: creating the log key file: %w", err)
	}
	return nil
}

// LoadKeyFile reads the log key from path.
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: reading the log key: %w", err)
	}
	return ParseKey(string(b))
}

// errRetiredKey says the log's newest checkpoint carries a signature of
// the log's name that this key does not know: a newer key took over and this
// instance still runs with a retired one.
var errRetiredKey = errors.New("audit: the newest checkpoint is signed by a newer log key than this instance's: it runs with a retired log key; give it the current keyring (rkc audit key rotate) and restart it")

// mayFollow checks that this key may sign the checkpoint after msg: msg is
// signed by this key or an earlier one, and by no key of the log's name this
// key does not know.
func (k *Key) mayFollow(msg string) error {
	n, err := k.trust.open([]byte(msg))
	if err != nil {
		return fmt.Errorf("audit: the newest checkpoint is not signed by this log's key or an earlier one; not signing after it (run rkc audit verify): %w", err)
	}
	for _, s := range n.UnverifiedSigs {
		if s.Name == k.Origin() {
			return errRetiredKey
		}
	}
	return nil
}
