package reporting

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

func TestScratchSeed(t *testing.T) {
	url := os.Getenv("SCRATCH_URL")
	if url == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("SCRATCH_N"))
	gdb, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := SeedSynthetic(context.Background(), gdb, n, 10, true)
	t.Logf("%+v %v %v", res, err, time.Since(start))
}
