package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	fmtlog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Problem kinds Verify names.
const (
	ProblemChanged   = "changed"   // an entry's content no longer matches its leaf
	ProblemRemoved   = "removed"   // an entry or its leaf is gone
	ProblemReordered = "reordered" // entries stand at each other's positions
	ProblemTruncated = "truncated" // the stored tree is shorter than a signed checkpoint
	ProblemRebuilt   = "rebuilt"   // the stored tree's hashes are not the signed ones
	ProblemForged    = "forged"    // a checkpoint not signed by the log key
	ProblemNoAnchor  = "no-external-checkpoint"
)

// Result of a verification of the stored log.
type Result struct {
	OK bool `json:"ok"`
	// Entries is the number of sequenced entries checked.
	Entries int64 `json:"entries"`
	// Pending is the number of committed entries not yet in the tree.
	Pending int64 `json:"pending"`
	// CheckpointSize is the tree size of the newest checkpoint outside the
	// database that the stored tree was checked against.
	CheckpointSize uint64 `json:"checkpoint_size"`
	// Problem is the kind of the first thing found wrong; Reason says it
	// in words; FirstBroken and Position name the entry where there is one.
	Problem     string `json:"problem,omitempty"`
	Reason      string `json:"reason,omitempty"`
	FirstBroken *int64 `json:"first_broken_id,omitempty"`
	Position    *int64 `json:"position,omitempty"`
}

func (r *Result) fail(kind, reason string, entry, pos *int64) {
	if !r.OK && r.Problem != "" {
		return // the first problem stands
	}
	r.OK, r.Problem, r.Reason, r.FirstBroken, r.Position = false, kind, reason, entry, pos
}

func ptr(v int64) *int64 { return &v }

// Verify checks the stored tree against the newest checkpoint in the
// checkpoint file, which the database's owner cannot reach: the checkpoint's
// signature; the newest checkpoint in the database (signature, and a
// consistency proof from the file's checkpoint built from the stored node
// hashes); and every entry against its leaf, recomputing the root at both
// sizes. It names the first problem: a changed, removed or reordered entry, a
// truncated tail, a rebuilt tree or a forged checkpoint.
func (l *Log) Verify(ctx context.Context) (Result, error) {
	res := Result{OK: true}
	anchor, err := newestFileCheckpoint(l.file)
	if err != nil {
		return res, err
	}
	var ext *fmtlog.Checkpoint
	if anchor != nil {
		// The file may end in a checkpoint of an earlier key (one written
		// before a rotation); the consistency proof below ties it to the
		// database's, which the current key signs.
		ext, err = l.key.Trust().checkpoint([]byte(anchor.Checkpoint))
		if err != nil {
			res.fail(ProblemForged, "the newest checkpoint in the checkpoint file is not signed by the log key or an earlier one", nil, nil)
			ext = nil
		} else {
			res.CheckpointSize = ext.Size
		}
	}
	err = withConn(ctx, l.db, func(c *pgx.Conn) error {
		if err := c.QueryRow(ctx, `SELECT count(*) FROM access_log_queue`).Scan(&res.Pending); err != nil {
			return err
		}
		db, err := l.newestStored(ctx, c)
		if err != nil {
			return err
		}
		var dbSize uint64
		if db != nil {
			parsed, _, _, perr := fmtlog.ParseCheckpoint([]byte(db.Note), l.key.Origin(), l.key.Verifier())
			if perr != nil || parsed.Size != db.Size || !bytes.Equal(parsed.Hash, db.Root) {
				// Every checkpoint since a rotation carries the current key's
				// signature: one signed by a retired key alone is forged.
				res.fail(ProblemForged, fmt.Sprintf("the database's checkpoint at tree size %d is not signed by the current log key", db.Size), nil, nil)
			}
			dbSize = db.Size
		}
		switch {
		case ext == nil && anchor == nil && dbSize > 0:
			res.fail(ProblemNoAnchor, "the checkpoint file holds no checkpoint to check the database's tree against", nil, nil)
		case ext != nil && dbSize < ext.Size:
			res.fail(ProblemTruncated, fmt.Sprintf("the database's tree has %d entries but a signed checkpoint outside the database has %d: the tail was removed", dbSize, ext.Size), nil, nil)
		case ext != nil:
			p, perr := consistencyProof(ctx, c, ext.Size, dbSize)
			if perr == nil {
				perr = proof.VerifyConsistency(rfc6962.DefaultHasher, ext.Size, dbSize, p, ext.Hash, db.Root)
			}
			if perr != nil {
				res.fail(ProblemRebuilt, fmt.Sprintf("the stored tree is not an extension of the signed checkpoint at size %d (its hashes were rebuilt)", ext.Size), nil, nil)
			}
		}
		var extSize uint64
		var extRoot []byte
		if ext != nil {
			extSize, extRoot = ext.Size, ext.Hash
		}
		var dbRoot []byte
		if db != nil {
			dbRoot = db.Root
		}
		return checkLeaves(ctx, c, &res, dbSize, dbRoot, extSize, extRoot)
	})
	return res, err
}

// newestStored is the newest checkpoint in the database.
func (l *Log) newestStored(ctx context.Context, c queryer) (*storedCheckpoint, error) {
	var cp storedCheckpoint
	var size int64
	err := c.QueryRow(ctx, `SELECT size, root, note, signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &cp.Root, &cp.Note, &cp.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	cp.Size = uint64(size)
	return &cp, err
}

// checkLeaves streams every position of the stored tree with its leaf hash
// and entry, recomputes each leaf hash from the entry, and recomputes the
// root at the external checkpoint's size and at the database's.
func checkLeaves(ctx context.Context, c *pgx.Conn, res *Result, size uint64, dbRoot []byte, extSize uint64, extRoot []byte) error {
	rows, err := c.Query(ctx, `SELECT l.position, l.entry_id, n.hash, a.id IS NOT NULL, `+entryColumns+`
		FROM log_leaves l
		LEFT JOIN log_nodes n ON n.level = 0 AND n.idx = l.position
		LEFT JOIN access_log a ON a.id = l.entry_id
		WHERE l.position < $1 ORDER BY l.position`, int64(size))
	if err != nil {
		return err
	}
	defer rows.Close()
	cr := factory.NewEmptyRange(0)
	type mismatch struct {
		pos, entry     int64
		stored, actual []byte
	}
	var bad []mismatch
	var next int64
	for rows.Next() {
		var pos, entryID int64
		var stored []byte
		var found bool
		var e Entry
		// The columns of a removed entry are NULL: scan them leniently.
		var id *int64
		var at *time.Time
		var role, action, client *string
		if err := rows.Scan(&pos, &entryID, &stored, &found, &id, &at, &e.PersonID, &role, &e.CaseID, &action, &client, &e.Digest, &e.KeyHandle, &e.Sealed, &e.PersonTag); err != nil {
			return err
		}
		if pos != next {
			res.fail(ProblemRemoved, fmt.Sprintf("positions %d to %d of the tree are missing (entries were removed)", next, pos-1), nil, ptr(next))
			return nil
		}
		next++
		if !found {
			res.fail(ProblemRemoved, fmt.Sprintf("entry %d at position %d was removed", entryID, pos), ptr(entryID), ptr(pos))
			return nil
		}
		e.ID, e.At, e.Role, e.Action, e.Client = *id, *at, *role, *action, *client
		h := LeafHash(&e)
		if !bytes.Equal(h, stored) {
			bad = append(bad, mismatch{pos, entryID, stored, h})
		}
		if err := cr.Append(h, nil); err != nil {
			return err
		}
		if cr.End() == extSize {
			if root, _ := cr.GetRootHash(nil); len(bad) == 0 && !bytes.Equal(root, extRoot) {
				res.fail(ProblemRebuilt, fmt.Sprintf("the entries and leaves agree but do not give the root of the signed checkpoint at size %d (the tree was rebuilt)", extSize), nil, nil)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	res.Entries = next
	if uint64(next) != size {
		res.fail(ProblemRemoved, fmt.Sprintf("the tree has %d leaves but its checkpoint says %d (entries were removed)", next, size), nil, ptr(next))
		return nil
	}
	if len(bad) > 0 {
		// Entries that only swapped places have each other's leaf hashes.
		stored, actual := make([]string, len(bad)), make([]string, len(bad))
		for i, m := range bad {
			stored[i], actual[i] = string(m.stored), string(m.actual)
		}
		sort.Strings(stored)
		sort.Strings(actual)
		first := bad[0]
		if len(bad) > 1 && equalStrings(stored, actual) {
			res.fail(ProblemReordered, fmt.Sprintf("entry %d stands at position %d, where another entry was sequenced (entries were reordered)", first.entry, first.pos), ptr(first.entry), ptr(first.pos))
		} else {
			res.fail(ProblemChanged, fmt.Sprintf("entry %d at position %d does not match its leaf hash (the entry was changed)", first.entry, first.pos), ptr(first.entry), ptr(first.pos))
		}
		return nil
	}
	if root, _ := cr.GetRootHash(nil); size > 0 && !bytes.Equal(root, dbRoot) {
		res.fail(ProblemRebuilt, fmt.Sprintf("the leaves do not give the root of the database's checkpoint at size %d", size), nil, nil)
	}
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// newestFileCheckpoint reads the last line of the checkpoint file; nil when
// the file does not exist or is empty.
func newestFileCheckpoint(path string) (*fileLine, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	// Read backwards in chunks until the last complete line is in hand.
	var tail []byte
	for off := end; off > 0; {
		n := min(off, 64<<10)
		off -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off); err != nil {
			return nil, err
		}
		tail = append(buf, tail...)
		trimmed := bytes.TrimRight(tail, "\n")
		if i := bytes.LastIndexByte(trimmed, '\n'); i >= 0 || off == 0 {
			line := trimmed[i+1:]
			if len(line) == 0 {
				return nil, nil
			}
			var fl fileLine
			if err := json.Unmarshal(line, &fl); err != nil {
				return &fileLine{Checkpoint: string(line)}, nil // fails its signature check
			}
			return &fl, nil
		}
	}
	return nil, nil
}
