package audit

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Entries about a case are sealed so that the log forgets the people in a
// case with the case. Each case gets its own random log key (log_case_keys,
// deleted with the case by the purge) and a random handle that entries carry
// instead of the case id. The case id and the person id are sealed with
// AES-256-GCM under the key; a keyed tag of the person (HMAC-SHA-256 under
// the key) lets the privacy officer find a person's entries while the case
// exists. Once the key is gone, handle, box and tag name no one; the entry
// itself is unchanged, so the tree still verifies.
//
// The key is not wrapped by a master key: the audit package appends inside
// every caller's transaction and has no keyring. Backups taken before a purge
// therefore keep the link until they expire, as they keep the case itself
// (docs/decisions.md).

// CaseKey is one case's log key and the handle its entries carry.
type CaseKey struct {
	Handle uuid.UUID
	Key    []byte
	isNew  bool // made by NewCaseKey, not stored yet
}

// NewCaseKey makes the log key of a case that has none yet, for its first
// entry (the filing): Append stores the key with that entry, in one
// statement.
func NewCaseKey() (*CaseKey, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &CaseKey{Handle: uuid.New(), Key: key, isNew: true}, nil
}

// CaseKeyJoin and CaseKeyColumns read a case's log key together with the
// case (the cases row aliased c), into a field of type CaseKey embedded
// with the prefix log_key_: an append about the case then needs no lookup
// of its own (Entry.Key).
const (
	CaseKeyJoin    = `LEFT JOIN log_case_keys log_key ON log_key.case_id = c.id`
	CaseKeyColumns = `log_key.handle AS log_key_handle, log_key.key AS log_key_key`
)

// sealLabel separates the associated data of log boxes from any other use
// of AES-GCM in RKC.
const sealLabel = "rkc access log entry v1\x00"

// seal replaces e's case and person by their sealed form, creating the
// case's log key on its first entry. An entry about a case that does not
// exist (a probe of a made-up id, the purge's own entry after the case row
// went) keeps the case id in clear: it links no one.
func seal(tx *gorm.DB, e *Entry) error {
	k := e.Key
	if k == nil || k.Handle == uuid.Nil {
		var err error
		if k, err = keyFor(tx, *e.CaseID); err != nil || k == nil {
			return err
		}
	}
	plain := append(make([]byte, 0, 32), e.CaseID[:]...)
	if e.PersonID != nil {
		plain = append(plain, e.PersonID[:]...)
		e.PersonTag = personTag(k.Key, *e.PersonID)
	}
	box, err := sealBox(k, plain)
	if err != nil {
		return err
	}
	h := k.Handle
	e.KeyHandle, e.Sealed, e.CaseID, e.PersonID = &h, box, nil, nil
	return nil
}

// keyFor returns the case's log key, creating it in the same statement when
// the case has none yet; nil when the case does not exist.
func keyFor(tx *gorm.DB, caseID uuid.UUID) (*CaseKey, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var rows []CaseKey
	// The outer SELECT does not see the CTE's insert, and the CTE returns
	// nothing when the key already exists: exactly one of the two answers.
	err := tx.Raw(`WITH created AS (
			INSERT INTO log_case_keys (case_id, handle, key)
			SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM cases WHERE id = ?)
			ON CONFLICT (case_id) DO NOTHING
			RETURNING handle, key)
		SELECT handle, key FROM created
		UNION ALL SELECT handle, key FROM log_case_keys WHERE case_id = ?`,
		caseID, uuid.New(), fresh, caseID, caseID).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		// Either no such case, or a key created by a transaction that
		// committed after this statement's snapshot: look once more.
		if err := tx.Raw(`SELECT handle, key FROM log_case_keys WHERE case_id = ?`, caseID).Find(&rows).Error; err != nil || len(rows) == 0 {
			return nil, err
		}
	}
	return &rows[0], nil
}

func personTag(key []byte, person uuid.UUID) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("person\x00"))
	m.Write(person[:])
	return m.Sum(nil)[:16]
}

func aeadOf(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func sealBox(k *CaseKey, plain []byte) ([]byte, error) {
	a, err := aeadOf(k.Key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plain, append([]byte(sealLabel), k.Handle[:]...)), nil
}

var errBox = errors.New("audit: sealed entry does not open")

// open fills in the case and person of a sealed entry with its case's key.
func open(k *CaseKey, e *Entry) error {
	a, err := aeadOf(k.Key)
	if err != nil {
		return err
	}
	if len(e.Sealed) < a.NonceSize() {
		return errBox
	}
	plain, err := a.Open(nil, e.Sealed[:a.NonceSize()], e.Sealed[a.NonceSize():], append([]byte(sealLabel), k.Handle[:]...))
	if err != nil || (len(plain) != 16 && len(plain) != 32) {
		return errBox
	}
	c, _ := uuid.FromBytes(plain[:16])
	e.CaseID = &c
	if len(plain) == 32 {
		p, _ := uuid.FromBytes(plain[16:])
		e.PersonID = &p
	}
	return nil
}

// openAll fills in case and person of every sealed entry whose case still
// exists, and marks the others forgotten.
func openAll(ctx context.Context, db *gorm.DB, items []Entry) error {
	var handles []uuid.UUID
	for _, e := range items {
		if e.KeyHandle != nil {
			handles = append(handles, *e.KeyHandle)
		}
	}
	if len(handles) == 0 {
		return nil
	}
	var keys []CaseKey
	if err := db.WithContext(ctx).Raw(`SELECT handle, key FROM log_case_keys WHERE handle IN ?`, handles).Scan(&keys).Error; err != nil {
		return err
	}
	byHandle := make(map[uuid.UUID]*CaseKey, len(keys))
	for i := range keys {
		byHandle[keys[i].Handle] = &keys[i]
	}
	for i := range items {
		e := &items[i]
		if e.KeyHandle == nil {
			continue
		}
		k := byHandle[*e.KeyHandle]
		if k == nil {
			e.Forgotten = true
			continue
		}
		if err := open(k, e); err != nil {
			return fmt.Errorf("entry %d: %w", e.ID, err)
		}
	}
	return nil
}
