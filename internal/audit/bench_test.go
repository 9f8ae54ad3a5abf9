package audit_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// BenchmarkVerify checks a log of a million entries (RKC_BENCH_LOG_ENTRIES
// to change it) against its checkpoint: every entry read, hashed and put in
// the recomputed tree, the stored checkpoint's signature and the
// consistency proof checked. Issue 13 asks for under 60 s per million.
func BenchmarkVerify(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("RKC_BENCH_LOG_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	e := apptest.New(b)
	ctx := context.Background()
	start := time.Now()
	if err := e.App.DB.Exec(`INSERT INTO access_log (at, person_id, role, action, client)
		SELECT now(), gen_random_uuid(), 'staff', 'case:read', '10.0.0.' || (g % 250) FROM generate_series(1, ?) g`, n).Error; err != nil {
		b.Fatal(err)
	}
	if _, err := e.App.AuditLog.SequenceOnce(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d entries appended and sequenced in %s", n, time.Since(start).Round(time.Millisecond))
	for b.Loop() {
		res, err := e.App.AuditLog.Verify(ctx)
		if err != nil || !res.OK || res.Entries != int64(n) {
			b.Fatalf("verify: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)*1e6/float64(n), "s/1M-entries")
}
