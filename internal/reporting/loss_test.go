package reporting

import (
	"context"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestLossNotAboveLegacy compares the information the report loses to
// disclosure control with the method before issue 15, on a synthetic
// population small enough to be full of small counts: the current method
// hides no more entries and no more people, and never the grand total.
func TestLossNotAboveLegacy(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := SeedSynthetic(ctx, db, 3000, 4, false); err != nil {
		t.Fatal(err)
	}
	year := time.Now().Year() - 1
	r, err := Build(ctx, db, year)
	if err != nil {
		t.Fatal(err)
	}
	var old *Report
	withLegacyMethod(func() { old, err = Build(ctx, db, year) })
	if err != nil {
		t.Fatal(err)
	}
	cells, people := r.InformationLoss()
	oldCells, oldPeople := old.InformationLoss()
	t.Logf("hidden: %d entries counting %d people; before issue 15: %d entries, %d people", cells, people, oldCells, oldPeople)
	if cells > oldCells || people > oldPeople {
		t.Errorf("the method hides %d entries (%d people), the old one %d (%d)", cells, people, oldCells, oldPeople)
	}
	if oldCells == 0 {
		t.Error("the population has nothing to hide: the comparison shows nothing")
	}
	for _, f := range r.Figures {
		for _, fy := range f.Years {
			if tb := fy.Table; tb != nil && tb.Total.Value >= MinCount && tb.Total.Suppressed {
				t.Errorf("%s %d: grand total %d hidden", f.Key, fy.Year, tb.Total.Value)
			}
		}
	}
}
