package reporting

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

func TestScratchBuild(t *testing.T) {
	url := os.Getenv("SCRATCH_URL")
	if url == "" {
		t.Skip()
	}
	gdb, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		start := time.Now()
		r, err := Build(context.Background(), gdb, 2025)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("build %v", time.Since(start))
		start = time.Now()
		b, _ := json.Marshal(r)
		t.Logf("json %d bytes %v", len(b), time.Since(start))
		start = time.Now()
		p, err := r.PDF()
		t.Logf("pdf %d bytes %v %v", len(p), time.Since(start), err)
		os.WriteFile("/tmp/scratch.pdf", p, 0o644)
		os.WriteFile("/tmp/scratch.json", b, 0o644)
		for _, c := range r.Charts() {
			os.WriteFile("/tmp/chart_"+c.Key+".svg", []byte(ChartSVG(c)), 0o644)
		}
	}
}
