// Package crypto is RKC's application-level envelope encryption (docs/design.md §4,
// items 2 and 3).
//
// The scheme has two layers:
//
//   - Every case has its own random 256-bit data key ([DataKey]). Each
//     personal-data value of the case is sealed with AES-256-GCM under that key.
//     The associated data binds the ciphertext to the case id and the field
//     name, so a value copied into another case or column does not open.
//   - The data key is stored only wrapped: AES-256-GCM under a master key,
//     with the master key's id and the case id as associated data. The
//     database holds (wrapped key, key id) per case; master keys come from a
//     key file or the environment ([LoadKeyring]) and never from the database.
//
// Why AES-GCM and not AES key wrap (RFC 3394) for the wrapping layer: GCM takes
// associated data, so a wrapped key is bound to its case and to the id of the
// key that wrapped it; RFC 3394 has no associated data, and the standard
// library has no implementation of it, so we would be hand-rolling a primitive
// and still need a separate binding. Key wrap's advantages (no nonce, 8 bytes
// of overhead) buy nothing here. Random 96-bit nonces are safe for fewer than
// 2^32 encryptions under one key, which no case key and no master key comes
// near (master keys are rotated, and a wrap happens once per case and
// rotation).
//
// Rotation without downtime is a rewrap, not a re-encryption: add a new active
// master key ([AddKeyToFile]), restart or roll every instance so that all of
// them can unwrap with it, run [Keyring.Rewrap] over all cases, then retire the
// old key ([RetireKeyFromFile]). The values themselves are never touched.
//
// Crypto-shredding is deleting a case's wrapped data key. Backups of the
// database still hold the wrapped key, so shredding reaches the backups only
// once the master key that wrapped it there has been rotated out and
// destroyed; rotate master keys at least as often as backups expire.
//
// Nothing in this package logs, and no error carries plaintext or key
// material. Key bytes live only in memory; [DataKey.Zero] wipes a data key
// when the caller is done with it, within what a garbage-collected runtime
// allows (the AES key schedule is dropped, not overwritten).
package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/atomicfile"
)

// EnvVar is the environment variable that [KeySource.EnvKeys] is meant to be
// read from; named here so the config and the docs cannot drift apart.
const EnvVar = "RKC_MASTER_KEYS"

// maxIDLen is shorter than a base64 key (43–44 characters) on purpose: a line
// written the wrong way round ("key:id") then fails as "id too long" and the
// key is never echoed back as if it were an id.
const maxIDLen = 32

// ErrUnknownKey is returned by [Keyring.Unwrap] and [Keyring.Rewrap] when the
// wrapped key names a master key id that the keyring does not hold, typically
// a retired key. It also matches [ErrDecrypt] with errors.Is, because it is
// one of the ways a value cannot be decrypted; test for ErrUnknownKey first
// when the difference matters (a missing key is an operations problem, not
// tampering).
var ErrUnknownKey error = unknownKeyError{}

type unknownKeyError struct{}

func (unknownKeyError) Error() string {
	return "crypto: master key id not in keyring (retired or not loaded)"
}

func (unknownKeyError) Is(target error) bool { return target == ErrDecrypt }

// ErrActiveKey is returned by [RetireKeyFromFile] for the active key: removing
// it would leave new cases without a key to wrap with, and every case wrapped
// under it unreadable.
var ErrActiveKey = errors.New("crypto: refusing to retire the active master key; add a new key and rewrap first")

// MasterKey is one key-encryption key. ID is short, stable and not secret: it
// is stored beside every wrapped data key so the keyring knows which master
// key to unwrap with. The key bytes stay unexported and are redacted by every
// fmt verb, so a MasterKey cannot end up in a log by accident.
type MasterKey struct {
	ID  string
	key [32]byte
}

// GenerateMasterKey returns a new random master key whose ID is derived from
// the key (see [deriveID]). It exists for tests and tools that need a keyring
// without a file; production keys come from [GenerateKeyFile] and
// [AddKeyToFile].
func GenerateMasterKey() (MasterKey, error) {
	var mk MasterKey
	if _, err := io.ReadFull(rand.Reader, mk.key[:]); err != nil {
		return MasterKey{}, fmt.Errorf("crypto: generating master key: %w", err)
	}
	mk.ID = deriveID(&mk.key)
	return mk, nil
}

// deriveID names a generated key by the first 16 hex digits of a
// domain-separated SHA-256 of the key: stable (the same key always gets the
// same id), collision-free in practice, and revealing nothing usable about a
// 256-bit random key.
func deriveID(key *[32]byte) string {
	h := sha256.New()
	h.Write([]byte("rkc master key id v1\x00"))
	h.Write(key[:])
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// String redacts the key; see [MasterKey.Format].
func (mk MasterKey) String() string { return "crypto.MasterKey{ID:" + mk.ID + ", key:REDACTED}" }

// GoString redacts the key for %#v.
func (mk MasterKey) GoString() string { return mk.String() }

// Format redacts the key for every verb, including %x and %+v, which would
// otherwise print the unexported bytes.
func (mk MasterKey) Format(f fmt.State, _ rune) { io.WriteString(f, mk.String()) }

// Keyring holds the active master key, which wraps new data keys, and older
// keys that may still unwrap. It is immutable after construction and safe for
// concurrent use. A running process sees key file changes only when it loads
// a new Keyring.
type Keyring struct {
	active string
	ids    []string // active first, then the older keys in file order
	aeads  map[string]cipher.AEAD
}

// KeySource says where the master keys come from. Both forms hold lines of
// "id:base64key"; the first key is the active one, later keys are
// retired-but-readable, and '#' starts a comment.
type KeySource struct {
	// File is the path of a key file, one key per line.
	File string
	// EnvKeys is the content of RKC_MASTER_KEYS, with keys separated by
	// newlines or ';' (environment variables are awkward with newlines). When
	// it is non-blank it overrides File, so a deployment can inject keys from
	// its secret store without a file on disk.
	EnvKeys string
}

// LoadKeyring reads the master keys from spec. Errors name the file or
// environment variable and the line or entry number, never the key.
func LoadKeyring(spec KeySource) (*Keyring, error) {
	var (
		keys []MasterKey
		err  error
	)
	switch {
	case strings.TrimSpace(spec.EnvKeys) != "":
		keys, err = parseKeys(splitEnv(spec.EnvKeys), source{EnvVar, "entry"})
	case spec.File != "":
		if err := CheckKeyFileMode(spec.File); err != nil {
			return nil, err
		}
		var data []byte
		data, err = os.ReadFile(spec.File)
		if err != nil {
			return nil, fmt.Errorf("crypto: reading key file: %w", err)
		}
		keys, err = parseKeys(strings.Split(string(data), "\n"), source{"key file " + spec.File, "line"})
		clear(data)
	default:
		return nil, errors.New("crypto: no master key source: set " + EnvVar + " or a key file")
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		for i := range keys {
			clear(keys[i].key[:])
		}
	}()
	return NewKeyring(keys...)
}

// NewKeyring builds a keyring from keys already in memory; keys[0] is the
// active key. LoadKeyring is the production path; this one serves tests and
// tools.
func NewKeyring(keys ...MasterKey) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("crypto: a keyring needs at least one master key")
	}
	kr := &Keyring{active: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i := range keys {
		mk := &keys[i]
		if err := validID(mk.ID); err != nil {
			return nil, fmt.Errorf("crypto: master key %d: %w", i+1, err)
		}
		if _, dup := kr.aeads[mk.ID]; dup {
			return nil, fmt.Errorf("crypto: duplicate master key id %q", mk.ID)
		}
		aead, err := newAEAD(&mk.key)
		if err != nil {
			return nil, err
		}
		kr.aeads[mk.ID] = aead
		kr.ids = append(kr.ids, mk.ID)
	}
	return kr, nil
}

// ActiveID is the id of the key that [Keyring.Wrap] uses; callers store it
// beside each wrapped key.
func (k *Keyring) ActiveID() string { return k.active }

// IDs lists every key the keyring can unwrap with, active first. A rotation
// job compares stored key ids against it to find cases still to rewrap.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// keyLine is one meaningful line of a key file or entry of the environment.
type keyLine struct {
	n   int // 1-based line or entry number, for error messages
	key MasterKey
}

// source names where keys are parsed from, for error messages such as
// "key file /etc/rkc/master.keys line 3" or "RKC_MASTER_KEYS entry 2".
type source struct {
	name string // "key file <path>" or the environment variable
	unit string // "line" or "entry"
}

// splitEnv splits RKC_MASTER_KEYS on newlines and ';' alike, keeping empty
// entries so that entry numbers in errors match what the operator counts.
func splitEnv(s string) []string {
	return strings.Split(strings.ReplaceAll(s, ";", "\n"), "\n")
}

// parseKeys parses lines of "id:base64key" and insists on at least one key.
func parseKeys(lines []string, src source) ([]MasterKey, error) {
	kls, err := parseLines(lines, src)
	if err != nil {
		return nil, err
	}
	if len(kls) == 0 {
		return nil, fmt.Errorf("crypto: %s: no keys found", src.name)
	}
	keys := make([]MasterKey, len(kls))
	for i := range kls {
		keys[i] = kls[i].key
	}
	wipe(kls)
	return keys, nil
}

// parseLines returns the key lines in order, with their numbers, skipping
// blanks and comments. Anything that might be key material is kept out of
// the messages: ids are printed only once they have passed validID, whose
// length limit keeps a base64 key from passing for an id.
func parseLines(lines []string, src source) ([]keyLine, error) {
	var out []keyLine
	seen := map[string]int{}
	for i, raw := range lines {
		n := i + 1
		mk, ok, err := parseLine(raw)
		if err != nil {
			return nil, fmt.Errorf("crypto: %s %s %d: %w", src.name, src.unit, n, err)
		}
		if !ok {
			continue
		}
		if prev, dup := seen[mk.ID]; dup {
			return nil, fmt.Errorf("crypto: %s %s %d: duplicate key id %q (first on %s %d)", src.name, src.unit, n, mk.ID, src.unit, prev)
		}
		for _, o := range out {
			if subtle.ConstantTimeCompare(o.key.key[:], mk.key[:]) == 1 {
				return nil, fmt.Errorf("crypto: %s %s %d: same key as %s %d under another id", src.name, src.unit, n, src.unit, o.n)
			}
		}
		seen[mk.ID] = n
		out = append(out, keyLine{n: n, key: mk})
	}
	return out, nil
}

// parseLine parses one line; ok is false for blank and comment-only lines.
// The errors it returns carry no part of the line except a validated id.
func parseLine(raw string) (mk MasterKey, ok bool, err error) {
	line := raw
	if i := strings.IndexByte(line, '#'); i >= 0 {
		// Safe: '#' occurs neither in base64 nor in an id.
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return MasterKey{}, false, nil
	}
	id, b64, found := strings.Cut(line, ":")
	if !found {
		return MasterKey{}, false, errors.New(`expected "id:base64key"`)
	}
	id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
	if err := validID(id); err != nil {
		return MasterKey{}, false, err
	}
	if b64 == "" {
		return MasterKey{}, false, fmt.Errorf("key id %q: key is missing", id)
	}
	raw32, err := decodeKey(b64)
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("key id %q: %w", id, err)
	}
	mk = MasterKey{ID: id}
	copy(mk.key[:], raw32)
	clear(raw32)
	var zero [32]byte
	if subtle.ConstantTimeCompare(mk.key[:], zero[:]) == 1 {
		return MasterKey{}, false, fmt.Errorf("key id %q: key is all zero bytes", id)
	}
	return mk, true, nil
}

// decodeKey accepts standard base64 with or without padding. Its errors say
// what is wrong without quoting the input (base64's own errors give only an
// offset, but we do not rely on that).
func decodeKey(b64 string) ([]byte, error) {
	enc := base64.StdEncoding
	if !strings.HasSuffix(b64, "=") {
		enc = base64.RawStdEncoding
	}
	raw, err := enc.DecodeString(b64)
	if err != nil {
		return nil, errors.New("key is not valid base64")
	}
	if len(raw) != 32 {
		clear(raw)
		return nil, fmt.Errorf("key must be 32 bytes (256 bits), got %d", len(raw))
	}
	return raw, nil
}

// validID keeps ids printable in errors and storable in a short column. Its
// messages never include the rejected text, which may be a misplaced key.
func validID(id string) error {
	if id == "" {
		return errors.New("key id is empty")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("key id longer than %d characters (is the line written as id:key?)", maxIDLen)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return errors.New("key id may contain only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// keyFileHeader opens a generated key file, so whoever finds it knows what it
// is and how careful to be with it.
const keyFileHeader = `# RKC master keys. Keep secret: mode 0600, never in the database or its backups.
# One "id:base64key" per line. The first key wraps new case keys; later keys
# only unwrap until every case has been rewrapped and they are retired.
`

// formatKeyLine renders a key as a file line with its creation date, which
// tells operators how old each key is when they plan a rotation.
func formatKeyLine(mk *MasterKey) string {
	return mk.ID + ":" + base64.StdEncoding.EncodeToString(mk.key[:]) +
		"  # added " + time.Now().UTC().Format(time.DateOnly) + "\n"
}

// GenerateKeyFile creates path holding one new random key, with mode 0600. It
// refuses to overwrite an existing file (also against a race), since losing
// a master key makes every case wrapped under it unreadable; a crash leaves
// no file or the whole one (atomicfile.Create).
func GenerateKeyFile(path string) error {
	mk, err := GenerateMasterKey()
	if err != nil {
		return err
	}
	defer clear(mk.key[:])
	content := []byte(keyFileHeader + formatKeyLine(&mk))
	defer clear(content)
	if err := atomicfile.Create(path, content); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("crypto: key file %s already exists; refusing to overwrite it", path)
		}
		return fmt.Errorf("crypto: creating key file: %w", err)
	}
	return nil
}

// AddKeyToFile puts a new random key in front of the existing ones, making it
// the active key while the older keys stay readable; that is the first step
// of a rotation. Comments and the older lines are kept as they are. It
// returns the new key's id. The file must already hold valid keys: a
// malformed file is refused rather than rewritten.
func AddKeyToFile(path string) (newID string, err error) {
	lines, kls, err := readKeyFile(path)
	if err != nil {
		return "", err
	}
	wipe(kls)
	var mk MasterKey
	for {
		if mk, err = GenerateMasterKey(); err != nil {
			return "", err
		}
		if !hasID(kls, mk.ID) {
			break
		}
	}
	defer clear(mk.key[:])
	// Insert before the first key line, after any header comments.
	at := kls[0].n - 1
	out := make([]string, 0, len(lines)+1)
	out = append(out, lines[:at]...)
	out = append(out, strings.TrimSuffix(formatKeyLine(&mk), "\n"))
	out = append(out, lines[at:]...)
	if err := writeKeyFile(path, out); err != nil {
		return "", err
	}
	return mk.ID, nil
}

// RetireKeyFromFile removes the key with this id from the file. Once the key
// is gone from every copy, whatever it wrapped (including in backups) is
// unreadable, so the caller must first have rewrapped every case away from
// it. It refuses the active key ([ErrActiveKey]) and an id the file does not
// hold.
func RetireKeyFromFile(path, id string) error {
	lines, kls, err := readKeyFile(path)
	if err != nil {
		return err
	}
	wipe(kls)
	if err := validID(id); err != nil {
		return fmt.Errorf("crypto: retire: %w", err)
	}
	if kls[0].key.ID == id {
		return fmt.Errorf("%w (id %q)", ErrActiveKey, id)
	}
	for _, kl := range kls {
		if kl.key.ID == id {
			out := append(append([]string(nil), lines[:kl.n-1]...), lines[kl.n:]...)
			return writeKeyFile(path, out)
		}
	}
	return fmt.Errorf("crypto: key file %s has no key %q", path, id)
}

// wipe clears the key bytes of parsed lines once only their ids are needed.
func wipe(kls []keyLine) {
	for i := range kls {
		clear(kls[i].key.key[:])
	}
}

func hasID(kls []keyLine, id string) bool {
	for _, kl := range kls {
		if kl.key.ID == id {
			return true
		}
	}
	return false
}

// readKeyFile returns the file's lines (without the trailing empty one) and
// its parsed keys, refusing a file without keys.
func readKeyFile(path string) ([]string, []keyLine, error) {
	if err := CheckKeyFileMode(path); err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("crypto: reading key file: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	clear(data)
	kls, err := parseLines(lines, source{"key file " + path, "line"})
	if err != nil {
		return nil, nil, err
	}
	if len(kls) == 0 {
		return nil, nil, fmt.Errorf("crypto: key file %s: no keys found", path)
	}
	return lines, kls, nil
}

// writeKeyFile replaces path atomically, so a crash leaves either the old or
// the new key file, never a torn one. The new file is always mode 0600.
func writeKeyFile(path string, lines []string) error {
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	defer clear(buf.Bytes())
	if err := atomicfile.Replace(path, buf.Bytes()); err != nil {
		return fmt.Errorf("crypto: writing key file: %w", err)
	}
	return nil
}

// newAEAD is the one place keys become ciphers: AES-256-GCM with a random
// 96-bit nonce that Seal prepends and Open reads back.
func newAEAD(key *[32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("crypto: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("crypto: %w", err)
	}
	return aead, nil
}
