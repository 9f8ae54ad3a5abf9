package reporting

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/dbtest"
)

func TestScratchSeedTiming(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	for _, triggers := range []bool{false, true} {
		db := dbtest.New(t)
		if !triggers {
			db.Exec(`ALTER TABLE case_stats DISABLE TRIGGER USER`)
			db.Exec(`ALTER TABLE signal_stats DISABLE TRIGGER USER`)
		}
		start := time.Now()
		_, err := SeedSynthetic(context.Background(), db, 1_000_000, 10, false)
		t.Logf("triggers %v: %v %v", triggers, time.Since(start), err)
	}
}
