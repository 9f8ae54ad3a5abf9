package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	fmtlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/rkc-nl/rkc/internal/audit"
)

// checkpointLines reads the checkpoint file's lines (the signed notes).
func checkpointLines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var line struct{ Checkpoint string }
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
		notes = append(notes, line.Checkpoint)
	}
	return notes
}

// signedBy reports whether the signed note carries a valid signature of v.
func signedBy(msg string, v note.Verifier) bool {
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	return err == nil && len(n.Sigs) == 1
}

// TestLogKeyRotation: a new log key takes over; its first checkpoint is
// signed by the old key too, the rotation is an entry on the log, the new
// key's public key comes with the old log's signature and inclusion proof,
// and the log verifies over checkpoints of both keys. A checkpoint signed by
// a key outside the chain, or by the retired key after the rotation, is
// named forged; an instance still holding the retired key stops sequencing
// rather than sign after its successor.
func TestLogKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	sequence(t, w.E)
	oldLog := w.E.App.AuditLog
	old := oldLog.Key()
	file := w.E.Config.CheckpointFile
	before := checkpointLines(t, file)

	next, err := old.Rotated()
	if err != nil {
		t.Fatal(err)
	}
	if next.Origin() != old.Origin() || next.Public() == old.Public() {
		t.Fatalf("rotated key %s: want a new key under the log's origin %s", next.Public(), old.Origin())
	}
	if got := next.Earlier(); len(got) != 1 || got[0] != old.Public() {
		t.Fatalf("the new key's earlier keys: %v, want the old public key", got)
	}
	// The new keyring reads back as it was written.
	if again, err := audit.ParseKey(next.Keyring()); err != nil || again.Public() != next.Public() || len(again.Earlier()) != 1 {
		t.Fatalf("keyring does not read back: %v", err)
	}

	t.Run("refused while an instance sequences", func(t *testing.T) {
		sqlDB, _ := w.E.App.DB.DB()
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, 0x524b43_534551); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, 0x524b43_534551)
		if _, err := oldLog.RotateKey(ctx, next, "test"); !errors.Is(err, audit.ErrSequencing) {
			t.Fatalf("RotateKey while another session sequences: %v, want ErrSequencing", err)
		}
	})

	rot, err := oldLog.RotateKey(ctx, next, "test")
	if err != nil {
		t.Fatal(err)
	}
	newLog := audit.New(audit.Options{DB: w.E.App.DB, Key: next, CheckpointFile: file})
	w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	if _, err := newLog.SequenceOnce(ctx); err != nil {
		t.Fatal(err)
	}

	// The checkpoint file: lines of the old key, the handover signed by
	// both, lines of the new key.
	lines := checkpointLines(t, file)
	if len(lines) < len(before)+2 {
		t.Fatalf("checkpoint file has %d lines after the rotation, had %d", len(lines), len(before))
	}
	handover := lines[len(before)]
	if !signedBy(handover, old.Verifier()) || !signedBy(handover, next.Verifier()) {
		t.Fatalf("first checkpoint under the new key is not signed by both keys:\n%s", handover)
	}
	if cp, _, _, err := fmtlog.ParseCheckpoint([]byte(handover), old.Origin(), next.Verifier()); err != nil || cp.Size != rot.TreeSize {
		t.Fatalf("handover checkpoint %+v, %v: want size %d", cp, err, rot.TreeSize)
	}
	last := lines[len(lines)-1]
	if signedBy(last, old.Verifier()) || !signedBy(last, next.Verifier()) {
		t.Fatalf("a later checkpoint is not signed by the new key alone:\n%s", last)
	}
	if res, err := newLog.Verify(ctx); err != nil || !res.OK {
		t.Fatalf("Verify after the rotation: %+v, %v", res, err)
	}

	t.Run("rotation is on the log", func(t *testing.T) {
		got := w.kind(t, audit.KindKey, nil)
		want := audit.ActionLogKeyRotated + ":" + fmt.Sprintf("%08x", next.Verifier().KeyHash())
		if got.Total != 1 || got.Items[0].Action != want || got.Items[0].ID != rot.EntryID {
			t.Fatalf("key entries %+v, want one %s (entry %d)", got.Items, want, rot.EntryID)
		}
		// The new public key, vouched for by the old key offline: the
		// endorsement is a signed document whose entry is the rotation.
		e, err := audit.CheckDocument(rot.Endorsement, old.Trust())
		if err != nil || e.ID != rot.EntryID || !strings.HasPrefix(string(rot.Endorsement), next.Public()+"\n") {
			t.Fatalf("endorsement of the new key with the old key alone: %v, entry %+v", err, e)
		}
	})

	t.Run("file anchor from before the rotation", func(t *testing.T) {
		orig, _ := os.ReadFile(file)
		defer os.WriteFile(file, orig, 0o600)
		keep := strings.SplitAfter(string(orig), "\n")[:len(before)]
		os.WriteFile(file, []byte(strings.Join(keep, "")), 0o600)
		if res, err := newLog.Verify(ctx); err != nil || !res.OK || res.CheckpointSize >= rot.TreeSize {
			t.Fatalf("Verify against an old-key checkpoint: %+v, %v", res, err)
		}
	})

	t.Run("checkpoint of a key outside the chain", func(t *testing.T) {
		orig, _ := os.ReadFile(file)
		defer os.WriteFile(file, orig, 0o600)
		skey, _, _ := note.GenerateKey(rand.Reader, old.Origin())
		stranger, _ := note.NewSigner(skey)
		cp, _, _, _ := fmtlog.ParseCheckpoint([]byte(last), old.Origin(), next.Verifier())
		signed, _ := note.Sign(&note.Note{Text: string(cp.Marshal())}, stranger)
		line, _ := json.Marshal(map[string]any{"size": cp.Size, "checkpoint": string(signed)})
		os.WriteFile(file, append(orig, append(line, '\n')...), 0o600)
		if res, err := newLog.Verify(ctx); err != nil || res.OK || res.Problem != audit.ProblemForged {
			t.Fatalf("Verify with a checkpoint of an unknown key: %+v, %v", res, err)
		}
	})

	t.Run("retired key signing after the rotation", func(t *testing.T) {
		// An instance still configured with the old key does not sign
		// after the handover.
		w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
		var size uint64
		w.E.App.DB.Raw(`SELECT max(size) FROM log_checkpoints`).Scan(&size)
		if _, err := oldLog.SequenceOnce(ctx); err == nil {
			t.Fatal("an instance with the retired key sequenced after the rotation")
		}
		var after uint64
		w.E.App.DB.Raw(`SELECT max(size) FROM log_checkpoints`).Scan(&after)
		if after != size {
			t.Fatalf("checkpoints went from %d to %d under the retired key", size, after)
		}
		// A database checkpoint signed by the retired key alone (a stolen
		// old key) is forged.
		db := owner(t, w.E, "log_checkpoints")
		defer exec(t, db, `ALTER TABLE log_checkpoints ENABLE TRIGGER log_checkpoints_no_update`)
		var note0 string
		db.QueryRow(`SELECT note FROM log_checkpoints WHERE size = $1`, size).Scan(&note0)
		defer exec(t, db, `UPDATE log_checkpoints SET note = $1 WHERE size = $2`, note0, size)
		cp, _, _, _ := fmtlog.ParseCheckpoint([]byte(note0), old.Origin(), next.Verifier())
		skey := strings.SplitN(strings.TrimSpace(old.Keyring()), "\n", 2)[0]
		signer, _ := note.NewSigner(skey)
		signed, _ := note.Sign(&note.Note{Text: string(cp.Marshal())}, signer)
		exec(t, db, `UPDATE log_checkpoints SET note = $1 WHERE size = $2`, string(signed), size)
		if res, err := newLog.Verify(ctx); err != nil || res.OK || res.Problem != audit.ProblemForged {
			t.Fatalf("Verify with the newest checkpoint signed by the retired key: %+v, %v", res, err)
		}
	})
}
