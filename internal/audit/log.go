package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	fmtlog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

// Log is the transparency log over the access log: the sequencer that puts
// committed entries in the tree and signs checkpoints, and the checks and
// proofs over the stored tree.
type Log struct {
	db       *gorm.DB
	key      *Key
	file     string
	witness  string
	interval time.Duration
	log      *slog.Logger
	client   *http.Client
	kick     chan struct{}
	batchMu  sync.Mutex // one batch at a time in this process
}

// Options configure a Log.
type Options struct {
	DB  *gorm.DB
	Key *Key
	// CheckpointFile is the file outside the database every checkpoint is
	// appended to, one JSON line each.
	CheckpointFile string
	// WitnessURL, when set, receives every checkpoint (the signed note) by POST.
	WitnessURL string
	// Interval is the longest time a committed entry waits to be sequenced;
	// default one second.
	Interval time.Duration
	Logger   *slog.Logger
}

// BatchMax is the most entries one batch sequences; a full batch is followed
// at once by the next.
const BatchMax = 5000

// earlyBatch is the number of waiting entries at which the sequencer does not
// wait for the interval.
const earlyBatch = 500

// sequencerLock is the session advisory lock the sequencing instance holds.
const sequencerLock = 0x524b43_534551 // "RKC" "SEQ"

// New returns a Log; Run starts its sequencer.
func New(o Options) *Log {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Log{db: o.DB, key: o.Key, file: o.CheckpointFile, witness: o.WitnessURL, interval: o.Interval,
		log: o.Logger, client: &http.Client{Timeout: 5 * time.Second}, kick: make(chan struct{}, 1)}
}

// Key is the log's signing key.
func (l *Log) Key() *Key { return l.key }

// Run sequences until ctx ends, on whichever instance holds the sequencer
// lock; the others try again every interval and take over when the leader
// dies (its session, and with it the lock, ends).
func (l *Log) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := l.lead(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("access log sequencer stopped leading", "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.interval):
		}
	}
}

// lead holds the sequencer lock on one connection and sequences on that same
// connection, so no batch runs once the lock is lost.
func (l *Log) lead(ctx context.Context) error {
	_, err := l.exclusive(ctx, func(conn *sql.Conn) error {
		l.log.Info("access log sequencer leading")
		for {
			n, err := l.batchOn(ctx, conn)
			if err != nil {
				return err
			}
			if n == BatchMax {
				continue
			}
			if err := l.wait(ctx, conn); err != nil {
				return err
			}
		}
	})
	return err
}

// wait returns after the interval, sooner when a batch's worth of entries
// waits or this process asks for one (Kick).
func (l *Log) wait(ctx context.Context, conn *sql.Conn) error {
	deadline := time.NewTimer(l.interval)
	defer deadline.Stop()
	poll := time.NewTicker(l.interval / 5)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return nil
		case <-l.kick:
			return nil
		case <-poll.C:
			var many bool
			if err := conn.QueryRowContext(ctx, `SELECT count(*) >= $1 FROM (SELECT 1 FROM access_log_queue LIMIT $1) q`, earlyBatch).Scan(&many); err != nil {
				return err
			}
			if many {
				return nil
			}
		}
	}
}

// exclusive runs fn on a connection of its own holding the sequencer lock,
// unless another session holds it: then fn is skipped (false).
func (l *Log) exclusive(ctx context.Context, fn func(conn *sql.Conn) error) (bool, error) {
	sqlDB, err := l.db.DB()
	if err != nil {
		return false, err
	}
	return db.Exclusive(ctx, sqlDB, sequencerLock, fn)
}

// Kick asks this process's sequencer for a batch now.
func (l *Log) Kick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// SequenceOnce runs one batch if no instance is sequencing right now, and
// reports how many entries it sequenced. Tests and the commands use it; a
// serving instance runs Run.
func (l *Log) SequenceOnce(ctx context.Context) (int, error) {
	total := 0
	_, err := l.exclusive(ctx, func(conn *sql.Conn) error {
		for {
			n, err := l.batchOn(ctx, conn)
			total += n
			if err != nil || n < BatchMax {
				return err
			}
		}
	})
	return total, err
}

// WaitSequenced returns once entry id is in a signed checkpoint, sequencing
// it here when no instance is leading, or when ctx ends.
func (l *Log) WaitSequenced(ctx context.Context, id int64) error {
	for {
		var n int64
		if err := l.db.WithContext(ctx).Raw(`SELECT count(*) FROM log_leaves WHERE entry_id = ?`, id).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		l.Kick()
		if _, err := l.SequenceOnce(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// batchOn sequences up to BatchMax queued entries in one transaction on conn:
// leaves, nodes, the signed checkpoint and the queue's removal commit
// together, so a crash at any point leaves every entry either sequenced once
// or still queued. The checkpoint is written outside the database after the
// commit.
func (l *Log) batchOn(ctx context.Context, conn *sql.Conn) (int, error) {
	l.batchMu.Lock()
	defer l.batchMu.Unlock()
	var cp *storedCheckpoint
	n := 0
	err := conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		entries, ids, err := queued(ctx, tx)
		if err != nil || len(entries) == 0 {
			return err
		}
		var size uint64
		if newest, err := l.newestStored(ctx, tx); err != nil {
			return err
		} else if newest != nil {
			// Sign only after a checkpoint of this log's keys, and never
			// after one of a newer key (an instance left with a retired key).
			if err := l.key.mayFollow(newest.Note); err != nil {
				return err
			}
			size = newest.Size
		}
		cr, err := rangeAt(ctx, tx, size)
		if err != nil {
			return fmt.Errorf("loading the tree of size %d: %w", size, err)
		}
		var nodes [][]any
		visit := func(id compact.NodeID, hash []byte) {
			nodes = append(nodes, []any{int16(id.Level), int64(id.Index), hash})
		}
		leaves := make([][]any, len(entries))
		for i := range entries {
			leaves[i] = []any{int64(size) + int64(i), entries[i].ID}
			if err := cr.Append(LeafHash(&entries[i]), visit); err != nil {
				return err
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, []string{"position", "entry_id"}, pgx.CopyFromRows(leaves)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"log_nodes"}, []string{"level", "idx", "hash"}, pgx.CopyFromRows(nodes)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM access_log_queue WHERE entry_id = ANY($1)`, ids); err != nil {
			return err
		}
		root, err := cr.GetRootHash(nil)
		if err != nil {
			return err
		}
		cp, err = l.sign(cr.End(), root)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)`,
			int64(cp.Size), cp.Root, cp.Note, cp.At); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		n = len(entries)
		return nil
	})
	if err != nil || cp == nil {
		return n, err
	}
	l.publish(cp)
	return n, nil
}

// entryColumns are the stored columns of an entry, in scan order.
const entryColumns = `a.id, a.at, a.person_id, a.role, a.case_id, a.action, a.client, a.digest, a.key_handle, a.sealed, a.person_tag`

func scanEntry(row pgx.Row, e *Entry) error {
	return row.Scan(&e.ID, &e.At, &e.PersonID, &e.Role, &e.CaseID, &e.Action, &e.Client, &e.Digest, &e.KeyHandle, &e.Sealed, &e.PersonTag)
}

// queuedSQL reads up to $1 queued entries in id order. Each is looked up by
// its id (OFFSET 0 keeps PostgreSQL from turning the lookup into a join): as
// a join, PostgreSQL chose to hash the queue and scan the whole log for it,
// every batch, taking longer the longer the log (50 ms at 200,000 entries,
// against 2 ms).
const queuedSQL = `SELECT ` + entryColumns + `
	FROM (SELECT entry_id FROM access_log_queue ORDER BY entry_id LIMIT $1) q
	CROSS JOIN LATERAL (SELECT * FROM access_log a WHERE a.id = q.entry_id OFFSET 0) a
	ORDER BY q.entry_id`

// queued reads the queued entries in id order.
func queued(ctx context.Context, tx pgx.Tx) ([]Entry, []int64, error) {
	rows, err := tx.Query(ctx, queuedSQL, BatchMax)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []Entry
	var ids []int64
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
			return nil, nil, err
		}
		out, ids = append(out, e), append(ids, e.ID)
	}
	return out, ids, rows.Err()
}

// storedCheckpoint is one signed checkpoint.
type storedCheckpoint struct {
	Size uint64
	Root []byte
	Note string // the signed note
	At   time.Time
}

func (l *Log) sign(size uint64, root []byte) (*storedCheckpoint, error) {
	body := fmtlog.Checkpoint{Origin: l.key.Origin(), Size: size, Hash: root}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(body)}, l.key.signers()...)
	if err != nil {
		return nil, err
	}
	return &storedCheckpoint{Size: size, Root: root, Note: string(signed), At: time.Now().UTC().Truncate(time.Microsecond)}, nil
}

// fileLine is one line of the checkpoint file.
type fileLine struct {
	At         time.Time `json:"at"`
	Size       uint64    `json:"size"`
	Root       string    `json:"root"`
	Checkpoint string    `json:"checkpoint"` // the signed note
}

// publish writes a committed checkpoint outside the database: to the
// checkpoint file, as a line of the service log, and to the witness. A
// failure here is logged, not fatal: the next checkpoint covers this one.
func (l *Log) publish(cp *storedCheckpoint) {
	line, _ := json.Marshal(fileLine{At: cp.At, Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root), Checkpoint: cp.Note})
	if err := appendLine(l.file, line); err != nil {
		l.log.Error("access log checkpoint not written to the checkpoint file", "error", err.Error())
	}
	l.log.Info("access log checkpoint", "size", cp.Size, "root", base64.StdEncoding.EncodeToString(cp.Root), "checkpoint", cp.Note)
	if l.witness != "" {
		go l.postWitness(cp)
	}
}

func appendLine(path string, line []byte) error {
	if path == "" {
		return errors.New("no checkpoint file configured")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	// One write of a whole line: appends of concurrent writers (several
	// instances on one volume) do not interleave.
	return writeSynced(f, append(line, '\n'))
}

// writeSynced writes b to f, syncs and closes it.
func writeSynced(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (l *Log) postWitness(cp *storedCheckpoint) {
	resp, err := l.client.Post(l.witness, "text/plain; charset=utf-8", bytes.NewReader([]byte(cp.Note)))
	if err != nil {
		l.log.Warn("access log witness unreachable", "error_type", fmt.Sprintf("%T", err))
		return
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		l.log.Warn("access log witness refused a checkpoint", "status", resp.StatusCode, "size", cp.Size)
	}
}
