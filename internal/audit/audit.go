// Package audit keeps the access log: an append-only record of every read and
// write of a case's personal data and of every security event, kept as a
// verifiable transparency log in the design of Certificate Transparency
// (RFC 9162), Trillian and Tessera (docs/access-log.md).
//
// An entry is inserted in the caller's transaction with no lock shared with
// other transactions and no read of other entries ([Append]); a [Log]'s
// sequencer later gives committed entries consecutive positions in an RFC
// 6962 Merkle tree stored in PostgreSQL and signs a checkpoint of the tree,
// which it also writes to a file outside the database. [Log.Verify] checks
// the stored tree against the newest such checkpoint and names what an
// attacker with the database owner's login changed.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

// Entry is one line of the access log. For an entry about a case, CaseID and
// PersonID are stored only sealed under the case's log key (see seal.go) and
// filled in again when the entry is read while the case exists.
type Entry struct {
	ID       int64      `json:"id" gorm:"primaryKey"`
	At       time.Time  `json:"at"`
	PersonID *uuid.UUID `json:"person_id" gorm:"type:uuid"`
	Role     string     `json:"role"`
	CaseID   *uuid.UUID `json:"case_id" gorm:"type:uuid"`
	Action   string     `json:"action"`
	Client   string     `json:"client"`
	// Digest is the SHA-256 of a document this entry vouches for (an
	// export, a report; see document.go); nil for other entries.
	Digest []byte `json:"digest,omitempty"`
	// The sealed form of an entry about a case.
	KeyHandle *uuid.UUID `json:"-" gorm:"type:uuid"`
	Sealed    []byte     `json:"-"`
	PersonTag []byte     `json:"-"`
	// Forgotten is set when the entry was about a case that has since been
	// purged: who and which case can no longer be read.
	Forgotten bool `json:"forgotten,omitempty" gorm:"-"`
	// Key, when set, is the log key of CaseID, read with the case
	// (CaseKeyJoin): sealing then needs no lookup. Never stored.
	Key *CaseKey `json:"-" gorm:"-"`
}

// TableName is the log's table.
func (Entry) TableName() string { return "access_log" }

// insertEntrySQL inserts an entry, its parameters numbered from $first+1.
func insertEntrySQL(first int) string {
	return `INSERT INTO access_log (at, person_id, role, case_id, action, client, digest, key_handle, sealed, person_tag)
	VALUES (` + db.Params(first, 10) + `)`
}

// newKeySQL is the WITH query that stores a case's new log key with the
// case's first entry, its parameters numbered from $first+11.
func newKeySQL(first int) string {
	return `key AS (INSERT INTO log_case_keys (case_id, handle, key) VALUES (` + db.Params(first+10, 3) + `))`
}

// The statements of Append, made once: it runs for every audited request.
var (
	appendSQL        = insertEntrySQL(0) + ` RETURNING id`
	appendWithKeySQL = `WITH ` + newKeySQL(0) + ` ` + appendSQL
)

// Append adds an entry in the caller's transaction tx, so a write and its log
// line commit together or not at all. It takes no lock and reads no other
// entry; the entry's position in the log is given later by the sequencer.
func Append(ctx context.Context, tx *gorm.DB, e Entry) error {
	_, err := AppendID(ctx, tx, e)
	return err
}

// AppendID is Append returning the new entry's id, for callers that later
// want its inclusion proof (a signed document).
func AppendID(ctx context.Context, tx *gorm.DB, e Entry) (int64, error) {
	args, withKey, err := prepare(tx, &e)
	if err != nil {
		return 0, err
	}
	q := appendSQL
	if withKey {
		q = appendWithKeySQL
	}
	// One plain statement with positional parameters: this runs for every
	// audited request, and gorm would map the struct by reflection and
	// build the statement each time.
	err = tx.Statement.ConnPool.QueryRowContext(ctx, q, args...).Scan(&e.ID)
	return e.ID, err
}

// AppendWith adds an entry, as Append does, in the same statement as other
// work: with, data-modifying WITH queries ("name AS (…)"), and query, a
// SELECT of one row scanned into dest, which may read the new entry's id
// from the WITH query "logged"; args are the parameters ($1…) of both. A
// read then costs no round trip of its own for its log line and the line
// is written exactly when the data is read; a write sends its rows and its
// line at once.
func AppendWith(ctx context.Context, tx *gorm.DB, e Entry, with []string, query string, args []any, dest ...any) error {
	entryArgs, withKey, err := prepare(tx, &e)
	if err != nil {
		return err
	}
	n := len(args)
	queries := append([]string(nil), with...)
	if withKey {
		queries = append(queries, newKeySQL(n))
	}
	queries = append(queries, `logged AS (`+insertEntrySQL(n)+` RETURNING id)`)
	stmt := `WITH ` + strings.Join(queries, ", ") + ` ` + query
	return db.QueryRow(ctx, tx.Statement.ConnPool, stmt, append(append([]any(nil), args...), entryArgs...), dest...)
}

// prepare normalises e and seals its case and person, and returns the
// insert's parameters; withKey when the case's new log key goes in with it.
func prepare(tx *gorm.DB, e *Entry) (args []any, withKey bool, err error) {
	e.ID = 0
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.KeyHandle, e.Sealed, e.PersonTag, e.Forgotten = nil, nil, nil, false
	var newKey []any
	if e.CaseID != nil {
		if k := e.Key; k != nil && k.isNew {
			// The case's first entry stores the case's new log key too.
			newKey = []any{*e.CaseID, k.Handle, k.Key}
		}
		if err := seal(tx, e); err != nil {
			return nil, false, err
		}
	}
	return append([]any{e.At, e.PersonID, e.Role, e.CaseID, e.Action, e.Client, e.Digest, e.KeyHandle, e.Sealed, e.PersonTag}, newKey...), newKey != nil, nil
}
