package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/testing/notifytest"
)

const sentinel = "ZEBRA7731"

// TestStepAndMessageCommitTogether: a message exists only when its step
// committed; a notice to someone without an account fails the step.
func TestStepAndMessageCommitTogether(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	ctx := context.Background()
	id := c.Registered(t, c.Complainant, sentinel)
	before := c.Count(t, "outbox", "")
	if before != 1 {
		t.Fatalf("%d outbox rows after registration, want 1", before)
	}
	// A refused step (registering twice) leaves no message.
	if r := c.E.Do(c.Secretary, "POST", "/api/v1/cases/"+id+"/register", map[string]any{}); r.Status != 409 {
		t.Fatalf("second registration: %d %s", r.Status, r.Body)
	}
	// A transaction that rolls back takes its messages with it.
	caseID := uuid.MustParse(id)
	ob := c.E.App.Outbox
	err := c.E.App.DB.Transaction(func(tx *gorm.DB) error {
		if err := ob.Enqueue(ctx, tx, cases.Notice{Kind: "decision", CaseID: caseID, Number: "X", To: []uuid.UUID{c.Complainant.ID}}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil || c.Count(t, "outbox", "") != before {
		t.Fatalf("a rolled-back transaction left messages (err %v)", err)
	}
	// An unknown recipient is an error, not a silently lost message.
	err = c.E.App.DB.Transaction(func(tx *gorm.DB) error {
		return ob.Enqueue(ctx, tx, cases.Notice{Kind: "decision", CaseID: caseID, Number: "X", To: []uuid.UUID{c.Complainant.ID, uuid.New()}})
	})
	if err == nil || c.Count(t, "outbox", "") != before {
		t.Fatalf("a notice to an unknown person was accepted (err %v)", err)
	}
	if strings.Contains(fmt.Sprint(err), c.Complainant.ID.String()) {
		t.Errorf("the error names a person: %v", err)
	}
}

// TestMailFolderWithoutSMTP: with no SMTP host the binary writes one .eml
// file per message, says so at start, and a message written again replaces
// its file.
func TestMailFolderWithoutSMTP(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	cfg := *c.E.Config
	cfg.SMTPHost = ""
	cfg.MailDir = filepath.Join(t.TempDir(), "mail")
	cfg.MailFrom = "RKC <noreply@rkc.test>"
	cfg.MailMaxAttempts = 5
	var logBuf bytes.Buffer
	w, err := notify.WorkerFromConfig(&cfg, slog.New(slog.NewJSONHandler(&logBuf, nil)), c.E.App.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logBuf.String(), "mail folder") || !strings.Contains(logBuf.String(), cfg.MailDir) {
		t.Errorf("the start does not say where mail goes: %s", logBuf.String())
	}
	for i := 0; i < 2; i++ {
		c.Registered(t, c.Complainant, sentinel)
	}
	crashed := false
	notify.SetAfterSend(w, func(uuid.UUID) error {
		if !crashed {
			crashed = true
			return errors.New("crash before commit")
		}
		return nil
	})
	ctx := context.Background()
	w.Drain(ctx)
	if n, err := w.Drain(ctx); err != nil || n != 2 {
		t.Fatalf("drain: %d %v", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.MailDir, "*"))
	if len(files) != 2 {
		t.Fatalf("mail folder holds %v, want two .eml files", files)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(f, ".eml") || !strings.Contains(string(raw), "To: <klager@test.rkc>") || strings.Contains(string(raw), sentinel) {
			t.Errorf("%s:\n%s", f, raw)
		}
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
}
