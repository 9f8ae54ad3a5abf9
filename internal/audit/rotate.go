package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Log-key rotation, the way Tessera and the signed-note format allow it: the
// log keeps its name (the checkpoints' origin) and gets a new Ed25519 key;
// the first checkpoint under the new key is signed by the old key too, and
// the rotation is an entry on the log whose document is the new public key,
// so that anyone who trusts the old key can check the new one offline
// (`rkc verify` of the endorsement with the old key). Verifiers keep the old
// public keys for what was signed before (Key.Earlier, Trust).

// ErrSequencing is returned by RotateKey while an instance sequences the log:
// it would go on signing with the old key after the handover.
var ErrSequencing = errors.New("audit: an instance is sequencing the access log; stop every instance (they load the log key when they start), rotate, then start them with the new key")

// Rotation reports a log-key rotation.
type Rotation struct {
	PublicKey string   `json:"public_key"`   // the new key
	Earlier   []string `json:"earlier_keys"` // the keys before it, oldest first
	EntryID   int64    `json:"entry_id"`     // the rotation's entry on the log
	// TreeSize is the size of the handover checkpoint: the first under
	// the new key, signed by both keys.
	TreeSize uint64 `json:"tree_size"`
	// Endorsement is the new public key as a signed document: its line,
	// then the proof that the rotation entry, which holds its digest, is
	// in the handover checkpoint, signed by both keys.
	Endorsement []byte `json:"-"`
}

// RotateKey hands the log over from its key to next (made by Key.Rotated):
// it logs the rotation, sequences what waits together with that entry under
// a checkpoint signed by both keys, and returns the endorsement of the new
// key. No instance may sequence meanwhile (ErrSequencing). The caller then
// stores next's keyring where the instances load the log key.
func (l *Log) RotateKey(ctx context.Context, next *Key, client string) (*Rotation, error) {
	if next.Origin() != l.key.Origin() || !slices.Contains(next.earlier, l.key.public) || next.public == l.key.public {
		return nil, errors.New("audit: the new log key must be a successor of the current one (Key.Rotated)")
	}
	var out *Rotation
	ran, err := l.exclusive(ctx, func(conn *sql.Conn) (err error) {
		out, err = l.rotateOn(ctx, conn, next, client)
		return err
	})
	if err == nil && !ran {
		return nil, ErrSequencing
	}
	return out, err
}

// rotateOn is RotateKey on conn, which holds the sequencer lock.
func (l *Log) rotateOn(ctx context.Context, conn *sql.Conn, next *Key, client string) (*Rotation, error) {
	doc := []byte(next.public + "\n")
	var id int64
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		id, err = AppendDocument(ctx, tx, Entry{
			At: time.Now(), Role: "operator", Client: client,
			Action: fmt.Sprintf("%s:%08x", ActionLogKeyRotated, next.verifier.KeyHash()),
		}, FormatText, doc)
		return err
	})
	if err != nil {
		return nil, err
	}
	handover := *next
	handover.cosigner = l.key.signer
	h := New(Options{DB: l.db, Key: &handover, CheckpointFile: l.file, WitnessURL: l.witness, Interval: l.interval, Logger: l.log})
	// Every batch up to the one holding the rotation entry is signed by
	// both keys (one batch unless more than BatchMax entries waited).
	for {
		var in int64
		if err := l.db.WithContext(ctx).Raw(`SELECT count(*) FROM log_leaves WHERE entry_id = ?`, id).Scan(&in).Error; err != nil {
			return nil, err
		}
		if in > 0 {
			break
		}
		if n, err := h.batchOn(ctx, conn); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, errors.New("audit: the rotation's entry is not queued for the log")
		}
	}
	endorsement, err := h.Attach(ctx, id, FormatText, doc)
	if err != nil {
		return nil, err
	}
	p, err := h.Prove(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Rotation{PublicKey: next.public, Earlier: next.Earlier(), EntryID: id, TreeSize: p.TreeSize, Endorsement: endorsement}, nil
}
