package reporting

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// Two case steps of the same year, ministry and category do not wait for
// each other to commit (the running totals take no shared row lock), and
// folding the totals afterwards changes no figure.
func TestTotalsTakeNoSharedLock(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	file := `INSERT INTO case_stats (id, ministry, respondent_ministry, category, filed_on, state) VALUES (?, 'FIN', 'FIN', 'bullying', '2025-03-04', 'submitted')`

	first := db.Begin()
	defer first.Rollback()
	if err := first.Exec(file, uuid.New()).Error; err != nil {
		t.Fatal(err)
	}
	second := db.Begin()
	defer second.Rollback()
	// Waiting for the first step's commit would run into this timeout.
	if err := second.Exec(`SET LOCAL lock_timeout = '2s'`).Error; err != nil {
		t.Fatal(err)
	}
	if err := second.Exec(file, uuid.New()).Error; err != nil {
		t.Fatalf("the second step waited for the first one's lock: %v", err)
	}
	if err := second.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := first.Commit().Error; err != nil {
		t.Fatal(err)
	}

	count := func() (rows, cases int64) {
		t.Helper()
		var r struct{ Rows, Cases int64 }
		if err := db.Raw(`SELECT count(*) AS rows, coalesce(sum(cases), 0) AS cases FROM report_filed WHERE year = 2025 AND ministry = 'FIN'`).Scan(&r).Error; err != nil {
			t.Fatal(err)
		}
		return r.Rows, r.Cases
	}
	if rows, cases := count(); rows != 2 || cases != 2 {
		t.Fatalf("before compaction: %d rows summing to %d cases, want 2 rows summing to 2", rows, cases)
	}
	if n, err := Compact(ctx, db); err != nil || n != 1 {
		t.Fatalf("Compact removed %d rows (%v), want 1", n, err)
	}
	if rows, cases := count(); rows != 1 || cases != 2 {
		t.Fatalf("after compaction: %d rows summing to %d cases, want 1 row of 2", rows, cases)
	}
	// A withdrawn filing subtracts; the folded group disappears.
	if err := db.Exec(`DELETE FROM case_stats WHERE ministry = 'FIN'`).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := Compact(ctx, db); err != nil {
		t.Fatal(err)
	}
	if rows, cases := count(); rows != 0 || cases != 0 {
		t.Fatalf("after removing both: %d rows summing to %d cases, want none", rows, cases)
	}
}
