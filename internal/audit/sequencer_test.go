package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestConcurrentAppendWhileSequencing: 50 goroutines append while the
// sequencer runs; every committed entry ends up at exactly one position,
// the positions are consecutive, entries rolled back are nowhere, and the
// log verifies.
func TestConcurrentAppendWhileSequencing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	l := audit.New(audit.Options{DB: e.App.DB, Key: e.App.AuditLog.Key(), CheckpointFile: e.Config.CheckpointFile, Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()

	const writers, each = 50, 20
	person := uuid.New()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := e.App.DB.Transaction(func(tx *gorm.DB) error {
					if err := audit.Append(ctx, tx, audit.Entry{At: time.Now(), PersonID: &person, Role: "staff",
						Action: fmt.Sprintf("test:w%d-%d", g, i), Client: "127.0.0.1"}); err != nil {
						return err
					}
					if i%5 == 4 {
						return errRollback // this one never commits
					}
					return nil
				})
				if err != nil && err != errRollback {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	committed := int64(writers * each * 4 / 5)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var queued int64
		e.App.DB.Raw(`SELECT count(*) FROM access_log_queue`).Scan(&queued)
		if queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still queued after 20 s", queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done

	var got struct{ N, Distinct, MinPos, MaxPos, Tests int64 }
	e.App.DB.Raw(`SELECT count(*) AS n, count(DISTINCT entry_id) AS distinct, min(position) AS min_pos, max(position) AS max_pos,
		count(*) FILTER (WHERE a.action LIKE 'test:%') AS tests
		FROM log_leaves l JOIN access_log a ON a.id = l.entry_id`).Scan(&got)
	var entries int64
	e.App.DB.Raw(`SELECT count(*) FROM access_log`).Scan(&entries)
	if got.Tests != committed || got.N != entries || got.Distinct != got.N || got.MinPos != 0 || got.MaxPos != got.N-1 {
		t.Fatalf("tree: %+v with %d entries in the log, want %d test entries, each once, at positions 0..n-1", got, entries, committed)
	}
	res, err := l.Verify(context.Background())
	if err != nil || !res.OK || res.Entries != entries {
		t.Fatalf("Verify: %+v, %v", res, err)
	}
}

var errRollback = fmt.Errorf("roll back")
