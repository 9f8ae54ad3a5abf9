package scaleout_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/deploytest"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// TestSequencerKilledMidBatch runs two instances on one database with one
// log key and one checkpoint file (a shared volume). A burst of entries is
// committed; while the leading instance sequences them, it is killed with
// SIGKILL. The other instance takes over; the killed one is started again;
// more entries follow. In the end every committed entry stands at exactly
// one position, the positions are consecutive, and the log verifies against
// the checkpoint file.
func TestSequencerKilledMidBatch(t *testing.T) {
	url := dbtest.NewURL(t)
	skey, _, err := note.GenerateKey(rand.Reader, "rkc-access-log-test")
	if err != nil {
		t.Fatal(err)
	}
	checkpoints := filepath.Join(t.TempDir(), "checkpoints.log")
	env := map[string]string{
		"DATABASE_URL":           dbtest.AppURL(t, url),
		"RKC_OWNER_DATABASE_URL": url,
		"RKC_MASTER_KEYS":        deploytest.MasterKeys(),
		"RKC_LOG_SIGNING_KEY":    skey,
		"RKC_CHECKPOINT_FILE":    checkpoints,
		"RKC_SEQUENCE_INTERVAL":  "200ms",
	}
	// Each instance its own operators' listener.
	own := func() map[string]string {
		m := map[string]string{"RKC_METRICS_ADDR": proctest.FreeAddr(t)}
		for k, v := range env {
			m[k] = v
		}
		return m
	}
	a := deploytest.Start(t, deploytest.Options{Name: "A", Env: own()})
	b := deploytest.Start(t, deploytest.Options{Name: "B", Env: own()})
	ctx := context.Background()
	gdb, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	count := func(q string) int64 {
		t.Helper()
		var n int64
		if err := gdb.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	burst := func(n int) {
		t.Helper()
		// Committed in one transaction, queued by the trigger as Append's are.
		if err := gdb.Exec(`INSERT INTO access_log (at, role, action, client)
			SELECT now(), 'system', 'test:burst-' || g, '127.0.0.1' FROM generate_series(1, ?) g`, n).Error; err != nil {
			t.Fatal(err)
		}
	}
	leader := func(except *deploytest.Instance) *deploytest.Instance {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			for _, in := range []*deploytest.Instance{a, b} {
				if in != except && strings.Contains(in.Output(), `"msg":"access log sequencer leading"`) {
					return in
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("no instance leads the sequencer")
		return nil
	}
	drained := func() {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for count(`SELECT count(*) FROM access_log_queue`) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d entries still queued after 60 s", count(`SELECT count(*) FROM access_log_queue`))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	first := leader(nil)
	burst(40000)
	// Kill the leader while it is working through the burst: some
	// entries sequenced, others still queued.
	deadline := time.Now().Add(30 * time.Second)
	for count(`SELECT count(*) FROM log_leaves`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the leader never started on the burst")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := syscall.Kill(first.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait(10 * time.Second)
	if q := count(`SELECT count(*) FROM access_log_queue`); q == 0 {
		t.Log("the killed leader had finished the burst already; the takeover below still holds")
	}
	other := leader(first)
	drained()

	// The killed binary starts again and more entries follow.
	deploytest.Start(t, deploytest.Options{Name: first.Name + "'", Env: own()})
	burst(3000)
	if err := gdb.Transaction(func(tx *gorm.DB) error {
		return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Role: "system", Action: "test:after-restart", Client: "127.0.0.1"})
	}); err != nil {
		t.Fatal(err)
	}
	drained()

	entries := count(`SELECT count(*) FROM access_log`)
	var got struct{ N, Distinct, MinPos, MaxPos int64 }
	gdb.Raw(`SELECT count(*) AS n, count(DISTINCT entry_id) AS distinct, min(position) AS min_pos, max(position) AS max_pos FROM log_leaves`).Scan(&got)
	if got.N != entries || got.Distinct != entries || got.MinPos != 0 || got.MaxPos != entries-1 {
		t.Fatalf("tree %+v for %d committed entries: want each exactly once at positions 0..%d", got, entries, entries-1)
	}
	key, err := audit.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.New(audit.Options{DB: gdb, Key: key, CheckpointFile: checkpoints}).Verify(ctx)
	if err != nil || !res.OK || res.Entries != entries || res.CheckpointSize == 0 {
		t.Fatalf("verify after the kill: %+v, %v", res, err)
	}
	t.Logf("%d entries; the sequencer moved from %s to %s", entries, first.Name, other.Name)
}
