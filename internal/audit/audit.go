// Package audit keeps the access log: an append-only, hash-chained record of
// every read and write of a case's personal data. Each entry holds the hash of
// its predecessor, so a changed, removed or reordered row breaks the chain at
// that row, and Verify names it.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Entry is one line of the access log.
type Entry struct {
	ID       int64      `json:"id" gorm:"primaryKey"`
	At       time.Time  `json:"at"`
	PersonID *uuid.UUID `json:"person_id" gorm:"type:uuid"`
	Role     string     `json:"role"`
	CaseID   *uuid.UUID `json:"case_id" gorm:"type:uuid"`
	Action   string     `json:"action"`
	Client   string     `json:"client"`
	PrevHash []byte     `json:"-"`
	Hash     []byte     `json:"-"`
}

// TableName is the log's table.
func (Entry) TableName() string { return "access_log" }

// chainLock serialises appends so that each entry chains to the one before.
// It is a transaction-level advisory lock: held until the surrounding
// transaction commits, so the chain follows commit order.
const chainLock = 0x524b43_4c4f47 // "RKC" "LOG"

// Append adds an entry in the caller's transaction tx, so a write and its log
// line commit together or not at all.
func Append(ctx context.Context, tx *gorm.DB, e Entry) error {
	tx = tx.WithContext(ctx)
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, chainLock).Error; err != nil {
		return err
	}
	var last struct{ Hash []byte }
	if err := tx.Raw(`SELECT hash FROM access_log ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return err
	}
	prev := last.Hash
	if prev == nil {
		prev = make([]byte, sha256.Size) // the genesis link
	}
	e.ID = 0
	e.At = e.At.UTC().Truncate(time.Microsecond) // as PostgreSQL stores it, so the hash can be recomputed
	e.PrevHash = prev
	e.Hash = Hash(e)
	return tx.Create(&e).Error
}

// Hash is the chain hash of an entry: SHA-256 over its predecessor's hash and
// its own fields, each length-prefixed so no two entries encode alike.
func Hash(e Entry) []byte {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(e.PrevHash)
	field([]byte(e.At.UTC().Format(time.RFC3339Nano)))
	field(uuidBytes(e.PersonID))
	field([]byte(e.Role))
	field(uuidBytes(e.CaseID))
	field([]byte(e.Action))
	field([]byte(e.Client))
	return h.Sum(nil)
}

func uuidBytes(id *uuid.UUID) []byte {
	if id == nil {
		return nil
	}
	return id[:]
}

// Result of a chain verification.
type Result struct {
	OK          bool   `json:"ok"`
	Entries     int64  `json:"entries"`
	FirstBroken *int64 `json:"first_broken_id,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// Verify walks the whole chain in id order and names the first entry whose
// link or hash does not match.
func Verify(ctx context.Context, db *gorm.DB) (Result, error) {
	rows, err := db.WithContext(ctx).Model(&Entry{}).Order("id").Rows()
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	var n int64
	for rows.Next() {
		var e Entry
		if err := db.ScanRows(rows, &e); err != nil {
			return Result{}, err
		}
		n++
		id := e.ID
		switch {
		case string(e.PrevHash) != string(prev):
			return Result{Entries: n, FirstBroken: &id, Reason: "link to the previous entry does not match (an entry before it was removed, inserted or reordered)"}, nil
		case string(Hash(e)) != string(e.Hash):
			return Result{Entries: n, FirstBroken: &id, Reason: "entry content does not match its hash (the entry was changed)"}, nil
		}
		prev = e.Hash
	}
	return Result{OK: true, Entries: n}, rows.Err()
}
