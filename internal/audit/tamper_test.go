package audit_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"os"
	"strings"
	"testing"

	fmtlog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// sequence puts every committed entry in the tree and signs a checkpoint.
func sequence(t testing.TB, e *apptest.Env) {
	t.Helper()
	if _, err := e.App.AuditLog.SequenceOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// logTables are the tables of the stored log.
var logTables = []string{"access_log", "log_leaves", "log_nodes", "log_checkpoints"}

// owner connects as the database owner, a superuser in tests, as an
// attacker holding the owner's login would, and switches off the
// append-only triggers of the given tables.
func owner(t *testing.T, e *apptest.Env, tables ...string) *sql.DB {
	t.Helper()
	db := dbtest.OpenSQL(t, e.Config.DatabaseURL)
	for _, table := range tables {
		exec(t, db, `ALTER TABLE `+table+` DISABLE TRIGGER `+table+`_no_update`)
	}
	return db
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// byPosition lists the entry ids in tree order.
func byPosition(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	return dbtest.Column[int64](t, db, `SELECT entry_id FROM log_leaves ORDER BY position`)
}

// rebuildTree recomputes every stored node hash from the entries as they
// are now, with the Merkle library, as an attacker covering a change would.
func rebuildTree(t *testing.T, db *sql.DB) []byte {
	t.Helper()
	rows, err := db.Query(`SELECT a.id, a.at, a.person_id, a.role, a.case_id, a.action, a.client, a.digest, a.key_handle, a.sealed, a.person_tag
		FROM log_leaves l JOIN access_log a ON a.id = l.entry_id ORDER BY l.position`)
	if err != nil {
		t.Fatal(err)
	}
	var hashes [][]byte
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.ID, &e.At, &e.PersonID, &e.Role, &e.CaseID, &e.Action, &e.Client, &e.Digest, &e.KeyHandle, &e.Sealed, &e.PersonTag); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, audit.LeafHash(&e))
	}
	rows.Close()
	exec(t, db, `DELETE FROM log_nodes`)
	cr := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	for _, h := range hashes {
		cr.Append(h, func(id compact.NodeID, hash []byte) {
			exec(t, db, `INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)`, id.Level, id.Index, hash)
		})
	}
	root, _ := cr.GetRootHash(nil)
	return root
}

// TestVerifyNamesTampering tampers with the stored log as the database
// owner, each time in one of the ways an attacker would, and checks that
// verification against the checkpoint outside the database names it, as a
// function and through the API.
func TestVerifyNamesTampering(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for range 4 {
		w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	}
	sequence(t, w.E)
	db := owner(t, w.E, logTables...)
	var firstSize int64
	db.QueryRow(`SELECT max(size) FROM log_checkpoints`).Scan(&firstSize)
	for range 4 {
		w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	}
	sequence(t, w.E)
	ctx := context.Background()
	if res, err := w.E.App.AuditLog.Verify(ctx); err != nil || !res.OK || res.CheckpointSize < uint64(firstSize)+3 {
		t.Fatalf("intact log: %+v, %v", res, err)
	}
	pos := byPosition(t, db)
	if len(pos) < 8 {
		t.Fatalf("log has %d sequenced entries, want at least 8", len(pos))
	}
	for _, table := range logTables {
		exec(t, db, `CREATE TABLE `+table+`_intact AS SELECT * FROM `+table)
	}

	tests := []struct {
		name string
		// tamper changes the stored log and returns the problem and the
		// entry (0: none) verification must name.
		tamper func(t *testing.T) (string, int64)
	}{
		{"changed entry", func(t *testing.T) (string, int64) {
			exec(t, db, `UPDATE access_log SET action = 'case:list' WHERE id = $1`, pos[2])
			return audit.ProblemChanged, pos[2]
		}},
		{"changed client of a sealed entry", func(t *testing.T) (string, int64) {
			exec(t, db, `UPDATE access_log SET client = '10.9.9.9' WHERE id = $1`, pos[4])
			return audit.ProblemChanged, pos[4]
		}},
		{"removed entry", func(t *testing.T) (string, int64) {
			exec(t, db, `DELETE FROM access_log WHERE id = $1`, pos[3])
			return audit.ProblemRemoved, pos[3]
		}},
		{"removed entry and its leaf", func(t *testing.T) (string, int64) {
			exec(t, db, `DELETE FROM access_log WHERE id = $1`, pos[3])
			exec(t, db, `DELETE FROM log_leaves WHERE entry_id = $1`, pos[3])
			return audit.ProblemRemoved, 0
		}},
		{"reordered entries", func(t *testing.T) (string, int64) {
			exec(t, db, `UPDATE log_leaves SET entry_id = -entry_id WHERE position IN (1, 2)`)
			exec(t, db, `UPDATE log_leaves SET entry_id = $1 WHERE position = 1`, pos[2])
			exec(t, db, `UPDATE log_leaves SET entry_id = $1 WHERE position = 2`, pos[1])
			return audit.ProblemReordered, pos[2]
		}},
		{"truncated tail", func(t *testing.T) (string, int64) {
			// Back to the first checkpoint, consistently: the database
			// alone no longer shows that anything was there.
			exec(t, db, `DELETE FROM access_log WHERE id IN (SELECT entry_id FROM log_leaves WHERE position >= $1)`, firstSize)
			exec(t, db, `DELETE FROM log_leaves WHERE position >= $1`, firstSize)
			exec(t, db, `DELETE FROM log_nodes WHERE (idx + 1) * (1::bigint << level) > $1`, firstSize)
			exec(t, db, `DELETE FROM log_checkpoints WHERE size > $1`, firstSize)
			return audit.ProblemTruncated, 0
		}},
		{"rebuilt tree", func(t *testing.T) (string, int64) {
			exec(t, db, `UPDATE access_log SET action = 'case:list' WHERE id = $1`, pos[2])
			rebuildTree(t, db)
			return audit.ProblemRebuilt, 0
		}},
		{"forged checkpoint", func(t *testing.T) (string, int64) {
			// The rebuilt tree with a checkpoint signed by a key of the
			// attacker's own, under the log's name.
			exec(t, db, `UPDATE access_log SET action = 'case:list' WHERE id = $1`, pos[2])
			root := rebuildTree(t, db)
			skey, _, err := note.GenerateKey(rand.Reader, w.E.App.AuditLog.Key().Origin())
			if err != nil {
				t.Fatal(err)
			}
			signer, _ := note.NewSigner(skey)
			var size uint64
			db.QueryRow(`SELECT max(size) FROM log_checkpoints`).Scan(&size)
			body := fmtlog.Checkpoint{Origin: w.E.App.AuditLog.Key().Origin(), Size: size, Hash: root}.Marshal()
			signed, _ := note.Sign(&note.Note{Text: string(body)}, signer)
			exec(t, db, `UPDATE log_checkpoints SET root = $1, note = $2 WHERE size = $3`, root, string(signed), size)
			return audit.ProblemForged, 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				// Put the intact log back with every trigger off (the
				// queueing one too).
				q := `SET session_replication_role = replica;`
				for _, table := range logTables {
					q += `DELETE FROM ` + table + `; INSERT INTO ` + table + ` SELECT * FROM ` + table + `_intact;`
				}
				exec(t, db, q+`SET session_replication_role = origin`)
			}()
			problem, entry := tt.tamper(t)
			res, err := w.E.App.AuditLog.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.Problem != problem || res.Reason == "" || (entry != 0 && deref(res.FirstBroken) != entry) {
				t.Fatalf("Verify after tampering: %+v (entry %v), want %s naming entry %d", res, deref(res.FirstBroken), problem, entry)
			}
			var api audit.Result
			w.E.Must(200, w.Privacy, "POST", "/api/v1/audit/verify", nil).Decode(t, &api)
			if api.OK || api.Problem != problem {
				t.Fatalf("POST /audit/verify: %+v, want %s", api, problem)
			}
		})
	}
	var api audit.Result
	w.E.Must(200, w.Privacy, "POST", "/api/v1/audit/verify", nil).Decode(t, &api)
	if !api.OK || api.Problem != "" {
		t.Fatalf("POST /audit/verify on the restored log: %+v", api)
	}
}

// TestVerifyNamesForgedCheckpointFile: a checkpoint file whose newest line
// is not signed by the log key is named forged.
func TestVerifyNamesForgedCheckpointFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sequence(t, w.E)
	f := w.E.Config.CheckpointFile
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var line map[string]any
	json.Unmarshal([]byte(lines[len(lines)-1]), &line)
	line["checkpoint"] = strings.Replace(line["checkpoint"].(string), "\n\n", "\n\n\n", 1) // body changed under the signature
	forged, _ := json.Marshal(line)
	os.WriteFile(f, append(b, append(forged, '\n')...), 0o600)
	res, err := w.E.App.AuditLog.Verify(context.Background())
	if err != nil || res.OK || res.Problem != audit.ProblemForged {
		t.Fatalf("Verify with a forged checkpoint file line: %+v, %v", res, err)
	}
}
