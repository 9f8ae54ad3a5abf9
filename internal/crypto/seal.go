package crypto

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrDecrypt is what every failure to open a value or unwrap a key wraps. The
// causes are deliberately not told apart to callers: a wrong key, a wrong case
// or field, and tampering all look the same, and no error carries plaintext or
// key material.
var ErrDecrypt = errors.New("crypto: value cannot be decrypted (wrong key, case or field, or tampered)")

// Format versions lead every sealed value and wrapped key, so the format can
// change later without guessing what old rows hold.
const (
	sealVersion = 1 // sealed value: version || nonce(12) || ciphertext || tag(16)
	wrapVersion = 1 // wrapped key:  version || nonce(12) || key(32) || tag(16)
)

const (
	nonceSize  = 12
	tagSize    = 16
	sealedMin  = 1 + nonceSize + tagSize
	wrappedLen = 1 + nonceSize + 32 + tagSize
)

// Labels separate the two uses of AES-GCM, so associated data built for one
// can never be valid for the other.
const (
	sealLabel = "rkc/field"
	wrapLabel = "rkc/data-key"
)

// DataKey is one case's unwrapped data key. Its fields are unexported so the
// key can leave this package only wrapped; fmt prints it redacted. Call Zero
// when done with it. A DataKey is safe for concurrent Seal and Open, but Zero
// must not race with them.
type DataKey struct {
	key  [32]byte
	aead cipher.AEAD // nil once wiped
}

// NewDataKey returns a fresh random key for a new case.
func NewDataKey() (*DataKey, error) {
	dk := &DataKey{}
	if _, err := io.ReadFull(rand.Reader, dk.key[:]); err != nil {
		return nil, fmt.Errorf("crypto: generating data key: %w", err)
	}
	return dk, dk.init()
}

func (dk *DataKey) init() error {
	aead, err := newAEAD(&dk.key)
	if err != nil {
		dk.Zero()
		return err
	}
	dk.aead = aead
	return nil
}

// Zero overwrites the key bytes and drops the cipher, so the key does not
// linger in memory longer than the request that needed it. The AES key
// schedule inside the dropped cipher is left to the garbage collector; Go
// offers no way to wipe it. Using the key after Zero is a programming error:
// Seal panics, Open and Wrap return errors.
func (dk *DataKey) Zero() {
	clear(dk.key[:])
	dk.aead = nil
}

// String redacts the key; see [DataKey.Format].
func (DataKey) String() string { return "crypto.DataKey{REDACTED}" }

// GoString redacts the key for %#v.
func (dk DataKey) GoString() string { return dk.String() }

// Format redacts the key for every verb, including %x and %+v, which would
// otherwise print the unexported bytes. It and String have value receivers
// so that a copied DataKey is redacted too.
func (dk DataKey) Format(f fmt.State, _ rune) { io.WriteString(f, dk.String()) }

// Seal encrypts plaintext for one field of one case. The output is
// version || nonce || ciphertext+tag; the associated data binds it to caseID
// and field, so it does not open anywhere else. An empty plaintext gives a
// valid (29-byte) ciphertext, so "empty" and "absent" stay distinguishable.
//
// Seal has no error result because nothing in it can fail at run time:
// crypto/rand does not return errors (it aborts the process instead). It
// panics on a wiped or zero-value DataKey, which is a bug in the caller.
func (dk *DataKey) Seal(caseID, field string, plaintext []byte) []byte {
	if dk == nil || dk.aead == nil {
		panic("crypto: Seal with a wiped or uninitialised DataKey")
	}
	out := make([]byte, 1, sealedMin+len(plaintext))
	out[0] = sealVersion
	return dk.aead.Seal(out, nil, plaintext, ad(sealLabel, sealVersion, caseID, field))
}

// Open reverses Seal. It fails with an error wrapping [ErrDecrypt] unless
// sealed was made by Seal with this key, case and field and is unmodified.
// An empty plaintext comes back as an empty, non-nil slice.
func (dk *DataKey) Open(caseID, field string, sealed []byte) ([]byte, error) {
	if dk == nil || dk.aead == nil {
		return nil, fmt.Errorf("%w: data key has been wiped", ErrDecrypt)
	}
	if len(sealed) < sealedMin {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version", ErrDecrypt)
	}
	pt, err := dk.aead.Open(make([]byte, 0, len(sealed)-sealedMin), nil, sealed[1:], ad(sealLabel, sealVersion, caseID, field))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// SealString is Seal for text fields, which is what most callers hold.
func (dk *DataKey) SealString(caseID, field, s string) []byte {
	return dk.Seal(caseID, field, []byte(s))
}

// OpenString is Open for text fields. It does not insist on valid UTF-8:
// whatever string was sealed comes back byte for byte.
func (dk *DataKey) OpenString(caseID, field string, sealed []byte) (string, error) {
	pt, err := dk.Open(caseID, field, sealed)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// Wrap encrypts dk under the active master key for storage beside the case.
// It returns the wrapped key and the id of the master key used; both must be
// stored, since Unwrap needs the id. The associated data binds the wrapped
// key to caseID and to that key id, so neither can be swapped in the
// database.
func (k *Keyring) Wrap(dk *DataKey, caseID string) (wrapped []byte, keyID string, err error) {
	if dk == nil || dk.aead == nil {
		return nil, "", errors.New("crypto: Wrap with a wiped or uninitialised DataKey")
	}
	out := make([]byte, 1, wrappedLen)
	out[0] = wrapVersion
	out = k.aeads[k.active].Seal(out, nil, dk.key[:], ad(wrapLabel, wrapVersion, k.active, caseID))
	return out, k.active, nil
}

// Unwrap recovers a case's data key. It fails with [ErrUnknownKey] when
// keyID is not in the keyring (for instance a retired key), and otherwise
// with an error wrapping [ErrDecrypt] when wrapped was not made by Wrap for
// this case and key id or has been altered.
func (k *Keyring) Unwrap(wrapped []byte, keyID string, caseID string) (*DataKey, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		if validID(keyID) != nil {
			return nil, ErrUnknownKey
		}
		// Key ids are not secret, and naming it tells operations which key
		// file is missing from this instance.
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, keyID)
	}
	if len(wrapped) != wrappedLen {
		return nil, fmt.Errorf("%w: wrapped key has the wrong length", ErrDecrypt)
	}
	if wrapped[0] != wrapVersion {
		return nil, fmt.Errorf("%w: unknown wrapped key version", ErrDecrypt)
	}
	dk := &DataKey{}
	// Decrypt straight into dk.key (capacity 32, exactly the plaintext size),
	// so the key bytes exist in one place only.
	if _, err := aead.Open(dk.key[:0], nil, wrapped[1:], ad(wrapLabel, wrapVersion, keyID, caseID)); err != nil {
		return nil, ErrDecrypt
	}
	if err := dk.init(); err != nil {
		return nil, err
	}
	return dk, nil
}

// Rewrap moves a wrapped key to the active master key; a rotation job runs
// it over every case whose key id is not the active one. The values sealed
// under the data key are untouched. A key already under the active master key
// is checked and returned unchanged, so callers can skip the write when
// newKeyID == keyID and a rerun after an interrupted rotation is cheap.
func (k *Keyring) Rewrap(wrapped []byte, keyID, caseID string) (newWrapped []byte, newKeyID string, err error) {
	dk, err := k.Unwrap(wrapped, keyID, caseID)
	if err != nil {
		return nil, "", err
	}
	defer dk.Zero()
	if keyID == k.active {
		return append([]byte(nil), wrapped...), keyID, nil
	}
	return k.Wrap(dk, caseID)
}

// ad builds associated data as label || version || len(a) || a || len(b) || b,
// with 4-byte big-endian lengths. The length prefixes make the encoding
// unambiguous: ("ab", "c") and ("a", "bc") differ, which a plain separator
// would only guarantee if ids could never contain it.
func ad(label string, version byte, a, b string) []byte {
	out := make([]byte, 0, len(label)+1+4+len(a)+4+len(b))
	out = append(out, label...)
	out = append(out, version)
	out = binary.BigEndian.AppendUint32(out, uint32(len(a)))
	out = append(out, a...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
	out = append(out, b...)
	return out
}
