package audit

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

// The tree's node hashes live in log_nodes, one row per complete subtree
// (level 0: the leaves), written once by the sequencer. Every node an
// inclusion or consistency proof needs is such a complete subtree, and the
// compact range that the sequencer extends is made of them too, so all the
// Merkle work is done by github.com/transparency-dev/merkle.

var factory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// queryer is what both a pgx connection and a pgx transaction offer.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// errMissingNode says the stored tree lacks a node it must hold.
var errMissingNode = errors.New("audit: a node of the stored tree is missing")

// nodeHashes fetches the hashes of ids, in order.
func nodeHashes(ctx context.Context, q queryer, ids []compact.NodeID) ([][]byte, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	levels, idxs := make([]int16, len(ids)), make([]int64, len(ids))
	for i, id := range ids {
		levels[i], idxs[i] = int16(id.Level), int64(id.Index)
	}
	rows, err := q.Query(ctx, `SELECT w.n, n.hash FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS w(level, idx, n)
		JOIN log_nodes n ON n.level = w.level AND n.idx = w.idx`, levels, idxs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([][]byte, len(ids))
	for rows.Next() {
		var n int64
		var h []byte
		if err := rows.Scan(&n, &h); err != nil {
			return nil, err
		}
		out[n-1] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, h := range out {
		if h == nil {
			return nil, errMissingNode
		}
	}
	return out, nil
}

// rangeAt loads the compact range of the stored tree [0, size).
func rangeAt(ctx context.Context, q queryer, size uint64) (*compact.Range, error) {
	hashes, err := nodeHashes(ctx, q, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	return factory.NewRange(0, size, hashes)
}

// proofHashes builds a proof's hashes from the stored nodes.
func proofHashes(ctx context.Context, q queryer, n proof.Nodes) ([][]byte, error) {
	hashes, err := nodeHashes(ctx, q, n.IDs)
	if err != nil {
		return nil, err
	}
	return n.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
}

// inclusionProof is the proof that the leaf at index is in the tree of size.
func inclusionProof(ctx context.Context, q queryer, index, size uint64) ([][]byte, error) {
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return proofHashes(ctx, q, n)
}

// consistencyProof is the proof that the tree of size1 is a prefix of the
// tree of size2.
func consistencyProof(ctx context.Context, q queryer, size1, size2 uint64) ([][]byte, error) {
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return proofHashes(ctx, q, n)
}

// withConn runs fn on one pgx connection of gdb's pool (which works as the
// application role, see db.AsAppRole).
func withConn(ctx context.Context, gdb *gorm.DB, fn func(*pgx.Conn) error) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return db.WithPgxConn(ctx, sqlDB, fn)
}
