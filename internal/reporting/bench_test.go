package reporting

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// The annual report over a synthetic population of ten years and all
// ministries: the report of last year with every earlier year beside it,
// as JSON (the API's default) and as PDF. seed-s is the time SeedSynthetic
// took to write the population. Run one size on its own with
// -bench AnnualReport1M; the README's "Benchmarks" section has the figures.

func BenchmarkAnnualReport100k(b *testing.B) { benchmarkAnnualReport(b, 100_000) }

func BenchmarkAnnualReport1M(b *testing.B) { benchmarkAnnualReport(b, 1_000_000) }

// maxReportTime is the budget of one report (issue 5).
const maxReportTime = 2 * time.Second

func benchmarkAnnualReport(b *testing.B, n int) {
	ctx := context.Background()
	db := dbtest.New(b)
	start := time.Now()
	if _, err := SeedSynthetic(ctx, db, n, 10, false); err != nil {
		b.Fatal(err)
	}
	seed := time.Since(start)
	year := time.Now().Year() - 1
	b.Run("loss", func(b *testing.B) {
		// Information lost to disclosure control over the whole report
		// (every figure, every year), now and with the method before
		// issue 15: hidden entries and the people they count.
		var r, old *Report
		var err error
		for b.Loop() {
			if r, err = Build(ctx, db, year); err != nil {
				b.Fatal(err)
			}
		}
		withLegacyMethod(func() { old, err = Build(ctx, db, year) })
		if err != nil {
			b.Fatal(err)
		}
		cells, people := r.InformationLoss()
		oldCells, oldPeople := old.InformationLoss()
		b.ReportMetric(float64(cells), "hidden-entries")
		b.ReportMetric(float64(people), "hidden-people")
		b.ReportMetric(float64(oldCells), "old-hidden-entries")
		b.ReportMetric(float64(oldPeople), "old-hidden-people")
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			r, err := Build(ctx, db, year)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.NewEncoder(io.Discard).Encode(r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(seed.Seconds(), "seed-s")
		if per := b.Elapsed() / time.Duration(b.N); per > maxReportTime {
			b.Errorf("%s per report over %d cases, want under %s", per, n, maxReportTime)
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			r, err := Build(ctx, db, year)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.PDF(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
