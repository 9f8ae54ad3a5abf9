package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Proof shows that one entry is in the log: the entry as the tree commits to
// it, its position, the inclusion proof and the signed checkpoint of the
// tree it is proven in. Anyone with the log's public key checks it offline
// ([CheckProof]).
type Proof struct {
	EntryID    int64    `json:"entry_id"`
	Index      uint64   `json:"index"`
	TreeSize   uint64   `json:"tree_size"`
	Leaf       []byte   `json:"leaf"`       // LeafData of the entry
	Hashes     [][]byte `json:"hashes"`     // the RFC 6962 inclusion proof
	Checkpoint string   `json:"checkpoint"` // the signed note of the tree of TreeSize
}

// ErrNotSequenced is returned by Prove for an entry that is not in the tree
// (yet, or at all).
var ErrNotSequenced = errors.New("audit: the entry is not in the log's tree")

// Prove returns the inclusion proof of entry id in the newest checkpoint.
func (l *Log) Prove(ctx context.Context, id int64) (*Proof, error) {
	var p *Proof
	err := withConn(ctx, l.db, func(c *pgx.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		cp, err := l.newestStored(ctx, tx)
		if err != nil {
			return err
		}
		var pos int64
		var e Entry
		err = tx.QueryRow(ctx, `SELECT l.position, `+entryColumns+` FROM log_leaves l JOIN access_log a ON a.id = l.entry_id
			WHERE l.entry_id = $1`, id).Scan(&pos, &e.ID, &e.At, &e.PersonID, &e.Role, &e.CaseID, &e.Action, &e.Client, &e.Digest, &e.KeyHandle, &e.Sealed, &e.PersonTag)
		if errors.Is(err, pgx.ErrNoRows) || cp == nil || (err == nil && uint64(pos) >= cp.Size) {
			return ErrNotSequenced
		}
		if err != nil {
			return err
		}
		hashes, err := inclusionProof(ctx, tx, uint64(pos), cp.Size)
		if err != nil {
			return err
		}
		p = &Proof{EntryID: id, Index: uint64(pos), TreeSize: cp.Size, Leaf: LeafData(&e), Hashes: hashes, Checkpoint: cp.Note}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A proof is handed out only if it holds: a stored tree changed behind
	// the application's back gives no proof.
	if _, err := CheckProof(p, l.key.Trust()); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckProof checks p offline with the log's public keys and returns the
// entry it proves.
func CheckProof(p *Proof, t *Trust) (*Entry, error) {
	cp, err := t.checkpoint([]byte(p.Checkpoint))
	if err != nil {
		return nil, fmt.Errorf("the checkpoint is not signed by the log key: %w", err)
	}
	if cp.Size != p.TreeSize {
		return nil, fmt.Errorf("the proof is for tree size %d but the checkpoint is of size %d", p.TreeSize, cp.Size)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, p.TreeSize, rfc6962.DefaultHasher.HashLeaf(p.Leaf), p.Hashes, cp.Hash); err != nil {
		return nil, fmt.Errorf("the entry is not in the signed tree: %w", err)
	}
	e, err := ParseLeaf(p.Leaf)
	if err != nil {
		return nil, err
	}
	if e.ID != p.EntryID {
		return nil, fmt.Errorf("the proof names entry %d but proves entry %d", p.EntryID, e.ID)
	}
	return e, nil
}
