package reporting

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/sqlfiles"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// stat is one hand-made statistical record; empty strings are NULL.
type stat struct {
	ministry, category, ground       string
	filed, received, due             string
	admissible                       string // "y", "n" or ""
	inadmissibleGround               string
	withdrawn, resolved, extended    bool
	judgement                        string
	founded, partly, unfounded       int
	follows                          string // "y", "n" or ""
	advised, decided, closed, purged string
	hearings                         int
	state                            string
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func yesNo(s string) any {
	switch s {
	case "y":
		return true
	case "n":
		return false
	}
	return nil
}

func insertStats(t testing.TB, db *gorm.DB, rows ...stat) {
	t.Helper()
	for _, s := range rows {
		err := db.Exec(`INSERT INTO case_stats (id, ministry, category, ground, filed_on, received_on, due_on, extended, state,
			admissible, inadmissible_ground, withdrawn, resolved_informally, judgement, elements_founded, elements_partly,
			elements_unfounded, follows_advice, advised_on, decided_on, closed_on, hearings_held, purged_on)
			VALUES (?, ?, ?, ?, ?::date, ?::date, ?::date, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::date, ?::date, ?::date, ?, ?::date)`,
			uuid.New(), s.ministry, s.category, null(s.ground), s.filed, null(s.received), null(s.due), s.extended, s.state,
			yesNo(s.admissible), null(s.inadmissibleGround), s.withdrawn, s.resolved, null(s.judgement), s.founded, s.partly,
			s.unfounded, yesNo(s.follows), null(s.advised), null(s.decided), null(s.closed), s.hearings, null(s.purged)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
}

func insertSignal(t testing.TB, db *gorm.DB, ministry, category, filed string) {
	t.Helper()
	if err := db.Exec(`INSERT INTO signal_stats (id, ministry, category, filed_on) VALUES (?, ?, ?, ?::date)`,
		uuid.New(), null(ministry), category, filed).Error; err != nil {
		t.Fatal(err)
	}
}

// chairOf creates a person to be the author of recommendations.
func chairOf(t *testing.T, db *gorm.DB) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if err := db.Exec(`INSERT INTO persons (id, email, name, ministry) VALUES (?, ?, 'Voorzitter', 'BZK')`,
		id, id.String()+"@example.org").Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// population is a small, hand-made record with a known answer for every
// figure; the comments give each case's part in the figures of 2024.
func population(t testing.TB, db *gorm.DB) {
	insertStats(t, db,
		// 1: decided within the term after 61 days (9 Jan to 10 Mar 2024).
		stat{ministry: "BZK", category: "bullying", filed: "2024-01-10", received: "2024-01-09", due: "2024-03-19",
			admissible: "y", advised: "2024-03-01", decided: "2024-03-10", closed: "2024-03-20", state: "closed",
			judgement: "founded", founded: 2, follows: "y", hearings: 1},
		// 2: extended, decided late after 109 days, advice not followed.
		stat{ministry: "BZK", category: "bullying", filed: "2024-02-01", received: "2024-02-01", due: "2024-05-09", extended: true,
			admissible: "y", advised: "2024-05-01", decided: "2024-05-20", closed: "2024-05-25", state: "closed",
			judgement: "unfounded", unfounded: 3, follows: "n", hearings: 2},
		// 3: inadmissible, too late.
		stat{ministry: "BZK", category: "discrimination", ground: "race", filed: "2024-03-05", received: "2024-03-05", due: "2024-05-14",
			admissible: "n", inadmissibleGround: "too_late", closed: "2024-03-20", state: "closed"},
		// 4: withdrawn after admission.
		stat{ministry: "BZK", category: "discrimination", ground: "sex", filed: "2024-04-01", received: "2024-04-01", due: "2024-06-10",
			admissible: "y", withdrawn: true, closed: "2024-05-01", state: "closed"},
		// 5: resolved informally after a hearing.
		stat{ministry: "BZK", category: "sexual_harassment", filed: "2024-06-01", received: "2024-06-01", due: "2024-08-10",
			admissible: "y", resolved: true, hearings: 1, closed: "2024-07-01", state: "closed"},
		// 6: open at the end of 2024 within its term; advised and decided in 2025.
		stat{ministry: "BZK", category: "other", filed: "2024-11-20", received: "2024-11-20", due: "2025-01-29",
			admissible: "y", advised: "2025-01-15", decided: "2025-01-25", closed: "2025-02-01", state: "closed",
			judgement: "partly_founded", founded: 1, partly: 1, unfounded: 1, follows: "y", hearings: 1},
		// 7: still open, overdue since 10 November 2024.
		stat{ministry: "BZK", category: "aggression_violence", filed: "2024-09-01", received: "2024-09-01", due: "2024-11-10",
			admissible: "y", state: "investigating"},
		// 8: filed, not yet registered.
		stat{ministry: "BZK", category: "bullying", filed: "2024-12-30", state: "submitted"},
		// 9: purged, and still counted: decided within the term after 57 days.
		stat{ministry: "FIN", category: "bullying", filed: "2024-05-05", received: "2024-05-05", due: "2024-07-14",
			admissible: "y", advised: "2024-06-20", decided: "2024-07-01", closed: "2024-07-05", state: "closed",
			judgement: "founded", founded: 1, follows: "y", hearings: 1, purged: "2025-06-01"},
		// 10: discrimination without a recorded ground, withdrawn before the ruling on admissibility.
		stat{ministry: "FIN", category: "discrimination", filed: "2024-07-07", received: "2024-07-07", due: "2024-09-15",
			withdrawn: true, closed: "2024-07-20", state: "closed"},
		// 11: filed 2023, advised 2023, decided late in 2024 after 228 days; open and overdue at the end of 2023.
		stat{ministry: "FIN", category: "bullying", filed: "2023-06-01", received: "2023-06-01", due: "2023-08-10",
			admissible: "y", advised: "2023-12-20", decided: "2024-01-15", closed: "2024-01-20", state: "closed",
			judgement: "founded", founded: 1, follows: "y", hearings: 1},
		// 12: inadmissible in 2023 and not yet closed: no end date, never open at a year end.
		stat{ministry: "FIN", category: "other", filed: "2023-03-01", received: "2023-03-01", due: "2023-05-10",
			admissible: "n", inadmissibleGround: "incomplete", state: "inadmissible"},
		// 13: decided within the term after 61 days.
		stat{ministry: "FIN", category: "bullying", filed: "2024-08-01", received: "2024-08-01", due: "2024-10-10",
			admissible: "y", advised: "2024-09-20", decided: "2024-10-01", closed: "2024-10-05", state: "closed",
			judgement: "unfounded", unfounded: 2, follows: "y"},
	)
	// 2022: five decisions within the term after 30, 40, 50, 60 and 70 days.
	for k, days := range []int{30, 40, 50, 60, 70} {
		rec := time.Date(2022, 2, 1+k, 0, 0, 0, 0, time.UTC)
		d := func(t time.Time) string { return t.Format(time.DateOnly) }
		insertStats(t, db, stat{ministry: "FIN", category: "bullying", filed: d(rec), received: d(rec), due: d(rec.AddDate(0, 0, 70)),
			admissible: "y", advised: d(rec.AddDate(0, 0, days-5)), decided: d(rec.AddDate(0, 0, days)),
			closed: d(rec.AddDate(0, 0, days+1)), state: "closed", judgement: "founded", founded: 1, follows: "y", hearings: 1})
	}
	insertSignal(t, db, "BZK", "bullying", "2024-02-02")
	insertSignal(t, db, "BZK", "bullying", "2024-08-08")
	insertSignal(t, db, "", "other", "2024-03-03")
	insertSignal(t, db, "FIN", "discrimination", "2023-10-10")
}

// trueCounts returns the non-zero cells of a figure's table of a year as
// knownDay is the day the tests build their reports on the known
// population.
var knownDay = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// knownReport is the report up to 2024 on the known population (a
// database of its own, returned for more reports), as built on knownDay.
func knownReport(t *testing.T) (*gorm.DB, *Report) {
	t.Helper()
	db := dbtest.New(t)
	population(t, db)
	r, err := build(context.Background(), db, 2024, knownDay)
	if err != nil {
		t.Fatal(err)
	}
	return db, r
}

// "ROW/col" → true count, plus "total" → the grand total.
func trueCounts(t *testing.T, r *Report, key string, year int) map[string]int {
	t.Helper()
	f := figureByKey(r, key)
	if f == nil {
		t.Fatalf("no figure %s", key)
	}
	for _, fy := range f.Years {
		if fy.Year != year {
			continue
		}
		if fy.Table == nil {
			return nil
		}
		out := map[string]int{}
		for i, row := range fy.Table.Rows {
			for j, col := range fy.Table.Cols {
				if v := fy.Table.Cells[i][j].Value; v != 0 {
					out[row+"/"+col] = v
				}
			}
		}
		if fy.Table.Total.Value != 0 {
			out["total"] = fy.Table.Total.Value
		}
		return out
	}
	t.Fatalf("%s has no year %d", key, year)
	return nil
}

func TestFiguresOnAKnownPopulation(t *testing.T) {
	db, r := knownReport(t)
	if !slices.Equal(r.Years, []int{2022, 2023, 2024}) {
		t.Fatalf("years = %v, want 2022..2024", r.Years)
	}
	type want map[string]int
	cases := []struct {
		key  string
		year int
		want want
	}{
		{"complaints_by_category", 2024, want{"BZK/bullying": 3, "BZK/discrimination": 2, "BZK/sexual_harassment": 1,
			"BZK/other": 1, "BZK/aggression_violence": 1, "FIN/bullying": 2, "FIN/discrimination": 1, "total": 11}},
		{"complaints_by_category", 2023, want{"FIN/bullying": 1, "FIN/other": 1, "total": 2}},
		{"complaints_by_category", 2022, want{"FIN/bullying": 5, "total": 5}},
		{"complaints_by_ground", 2024, want{"BZK/race": 1, "BZK/sex": 1, "FIN/not_recorded": 1, "total": 3}},
		{"admissibility", 2024, want{"BZK/admissible": 6, "BZK/inadmissible": 1, "BZK/undetermined": 1,
			"FIN/admissible": 2, "FIN/undetermined": 1, "total": 11}},
		{"inadmissible_by_ground", 2024, want{"BZK/too_late": 1, "total": 1}},
		{"inadmissible_by_ground", 2023, want{"FIN/incomplete": 1, "total": 1}},
		{"course", 2024, want{"BZK/decided": 3, "BZK/inadmissible": 1, "BZK/withdrawn": 1, "BZK/resolved_informally": 1,
			"BZK/in_progress": 2, "FIN/decided": 2, "FIN/withdrawn": 1, "total": 11}},
		{"hearing_cases", 2024, want{"BZK/with_hearing": 4, "BZK/without_hearing": 4, "FIN/with_hearing": 1,
			"FIN/without_hearing": 2, "total": 11}},
		// BZK 5 and FIN 1 with the total 6 published: the 1 could only be
		// protected by hiding the total, so the two are combined.
		{"hearings_held", 2024, want{CombinedRow + "/hearings": 6, "total": 6}},
		{"judgements", 2024, want{"BZK/founded": 1, "BZK/unfounded": 1, "FIN/founded": 1, "FIN/unfounded": 1, "total": 4}},
		{"judgements", 2023, want{"FIN/founded": 1, "total": 1}},
		{"judgement_elements", 2024, want{"BZK/founded": 2, "BZK/unfounded": 3, "FIN/founded": 1, "FIN/unfounded": 2, "total": 8}},
		{"advice_followed", 2024, want{"BZK/followed": 1, "BZK/departed": 1, "FIN/followed": 3, "total": 5}},
		{"statutory_term", 2024, want{"BZK/within_term": 1, "BZK/late": 1, "FIN/within_term": 2, "FIN/late": 1, "total": 5}},
		{"statutory_term", 2022, want{"FIN/within_term": 5, "total": 5}},
		{"extensions", 2024, want{"BZK/extended": 1, "BZK/not_extended": 1, "FIN/not_extended": 3, "total": 5}},
		{"open_at_year_end", 2024, want{"BZK/within_term": 1, "BZK/overdue": 1, "total": 2}},
		{"open_at_year_end", 2023, want{"FIN/overdue": 1, "total": 1}},
		{"open_at_year_end", 2022, want{}},
		{"signals_by_category", 2024, want{"BZK/bullying": 2, "unknown/other": 1, "total": 3}},
		{"signals_by_category", 2023, want{"FIN/discrimination": 1, "total": 1}},
	}
	for _, c := range cases {
		got := trueCounts(t, r, c.key, c.year)
		if !maps.Equal(got, map[string]int(c.want)) {
			t.Errorf("%s %d:\n got  %v\n want %v", c.key, c.year, got, c.want)
		}
	}

	// Statistics. 2024: 57, 61, 61, 109 and 228 days; 3 of 5 in time, a
	// share that would reveal the 2 late ones. Per ministry fewer than 5.
	tp, wt := statByKey(r, "throughput_days"), statByKey(r, "within_term_share")
	y2024, y2022 := tp.Years[2], tp.Years[0]
	if got := y2024.All; got[0] != (Value{61, true}) || got[1] != (Value{228, true}) {
		t.Errorf("throughput 2024 all = %v, want median 61 and p90 228", got)
	}
	for i, row := range y2024.Rows {
		if y2024.Values[i][0].Shown || y2024.Values[i][1].Shown {
			t.Errorf("throughput 2024 %s shown for fewer than 5 decisions: %v", row, y2024.Values[i])
		}
	}
	if got := y2022.All; got[0] != (Value{50, true}) || got[1] != (Value{70, true}) {
		t.Errorf("throughput 2022 all = %v, want median 50 and p90 70", got)
	}
	fin := slices.Index(y2022.Rows, "FIN")
	if got := y2022.Values[fin]; got[0] != (Value{50, true}) {
		t.Errorf("throughput 2022 FIN = %v, want median 50", got)
	}
	if got := wt.Years[2].All[0]; got.Shown {
		t.Errorf("within-term share 2024 shown (%v) though it reveals 2 late decisions", got)
	}
	if got := wt.Years[0].All[0]; got != (Value{100, true}) {
		t.Errorf("within-term share 2022 = %v, want 100%%", got)
	}

	// The running year has no year-end stock; 2025 is not in this report.
	r26, err := build(context.Background(), db, 2026, knownDay)
	if err != nil {
		t.Fatal(err)
	}
	open := figureByKey(r26, "open_at_year_end")
	if last := open.Years[len(open.Years)-1]; last.Table != nil || last.Note == "" {
		t.Errorf("open at year end of the running year: %+v, want none with a note", last)
	}
	if got := trueCounts(t, r26, "open_at_year_end", 2025); !maps.Equal(got, map[string]int{"BZK/overdue": 1, "total": 1}) {
		t.Errorf("open at year end 2025 = %v, want case 7 overdue", got)
	}
	if got := trueCounts(t, r26, "judgements", 2025); !maps.Equal(got, map[string]int{"BZK/partly_founded": 1, "total": 1}) {
		t.Errorf("judgements 2025 = %v", got)
	}
	if got := trueCounts(t, r26, "judgement_elements", 2025); !maps.Equal(got, map[string]int{"BZK/founded": 1,
		"BZK/partly_founded": 1, "BZK/unfounded": 1, "total": 3}) {
		t.Errorf("judgement elements 2025 = %v", got)
	}
}

// TestPublishedFiguresOfTheKnownPopulation checks what the reader sees of
// the same population: small counts as marks, shared figures hidden alike,
// and the summary taken from the tables.
func TestPublishedFiguresOfTheKnownPopulation(t *testing.T) {
	_, r := knownReport(t)
	cat := figureByKey(r, "complaints_by_category").Years[2].Table
	bzk := slices.Index(cat.Rows, "BZK")
	if got := cat.Cells[bzk][slices.Index(cat.Cols, "bullying")].String(); got != SmallMark {
		t.Errorf("BZK bullying 2024 published as %q, want %q", got, SmallMark)
	}
	assertNoSmallCounts(t, r)
	// Figures shared between tables are hidden in all or in none.
	filed := []string{"complaints_by_category", "admissibility", "course", "hearing_cases"}
	for _, y := range []int{0, 1, 2} {
		for i := range cat.Rows {
			first := figureByKey(r, filed[0]).Years[y].Table
			for _, k := range filed[1:] {
				other := figureByKey(r, k).Years[y].Table
				if first.RowTotals[i].Suppressed != other.RowTotals[i].Suppressed {
					t.Errorf("%d %s: row total hidden in %s %v, in %s %v", r.Years[y], cat.Rows[i], filed[0],
						first.RowTotals[i].Suppressed, k, other.RowTotals[i].Suppressed)
				}
			}
		}
	}
	// The summary repeats the tables' totals as published.
	for _, h := range r.Summary {
		if h.Key == "complaints" {
			if got := h.Values[2].String(); got != cat.Total.String() {
				t.Errorf("summary complaints 2024 = %s, table total %s", got, cat.Total)
			}
			if got := h.Values[1].String(); got != SmallMark {
				t.Errorf("summary complaints 2023 = %s, want %s (2 complaints)", got, SmallMark)
			}
		}
	}
	// A report narrowed to BZK shows exactly BZK's rows of the same tables
	// (the combined row where BZK is combined).
	n, err := r.For("BZK")
	if err != nil {
		t.Fatal(err)
	}
	for fi, f := range n.Figures {
		for yi, fy := range f.Years {
			full := r.Figures[fi].Years[yi].Table
			if fy.Table == nil {
				continue
			}
			i := rowIndex(full.Rows, full.Combined, "BZK") // its own row, or the combined one
			if !slices.Equal(fy.Table.Cells[0], full.Cells[i]) || fy.Table.RowTotals[0] != full.RowTotals[i] ||
				fy.Table.Total != full.Total {
				t.Errorf("%s %d narrowed to BZK differs from the full table's row", f.Key, fy.Year)
			}
		}
	}
	if _, err := r.For("XYZ"); err == nil {
		t.Error("For(XYZ) succeeded")
	}
}

// assertNoSmallCounts fails when any count of the report would print as a
// number from 1 to MinCount-1, or a hidden cell prints as a number.
func assertNoSmallCounts(t *testing.T, r *Report) {
	t.Helper()
	check := func(where string, c Cell) {
		s := c.String()
		switch {
		case c.Suppressed && s != SmallMark && s != HiddenMark:
			t.Errorf("%s: hidden count printed as %q", where, s)
		case !c.Suppressed && c.Value > 0 && c.Value < MinCount:
			t.Errorf("%s: count %d published", where, c.Value)
		}
	}
	for _, f := range r.Figures {
		for _, fy := range f.Years {
			tb := fy.Table
			if tb == nil {
				continue
			}
			where := fmt.Sprintf("%s %d", f.Key, fy.Year)
			for i := range tb.Cells {
				for j := range tb.Cells[i] {
					check(where+" "+tb.Rows[i]+"/"+tb.Cols[j], tb.Cells[i][j])
				}
				check(where+" "+tb.Rows[i]+"/total", tb.RowTotals[i])
			}
			for j := range tb.ColTotals {
				check(where+" all/"+tb.Cols[j], tb.ColTotals[j])
			}
			check(where+" total", tb.Total)
		}
	}
}

func TestPurgedRecordsStillCount(t *testing.T) {
	db := dbtest.New(t)
	for k := range 6 {
		insertStats(t, db, stat{ministry: "DEF", category: "bullying", filed: fmt.Sprintf("2023-0%d-01", k+1),
			received: fmt.Sprintf("2023-0%d-01", k+1), admissible: "n", inadmissibleGround: "too_late",
			closed: fmt.Sprintf("2023-0%d-10", k+1), state: "closed", purged: "2026-01-01"})
	}
	var cases int64
	if err := db.Raw(`SELECT count(*) FROM cases`).Scan(&cases).Error; err != nil || cases != 0 {
		t.Fatalf("cases = %d, %v; the purged cases must be gone", cases, err)
	}
	r, err := Build(context.Background(), db, 2023)
	if err != nil {
		t.Fatal(err)
	}
	cat := figureByKey(r, "complaints_by_category").Years[0].Table
	if got := cat.Total.String(); got != "6" {
		t.Errorf("complaints 2023 = %s, want 6 purged cases", got)
	}
	inadm := figureByKey(r, "inadmissible_by_ground").Years[0].Table
	if got := inadm.ColTotals[slices.Index(inadm.Cols, "too_late")].String(); got != "6" {
		t.Errorf("inadmissible too late 2023 = %s, want 6", got)
	}
}

// TestRunningTotalsFollowEveryChange updates and deletes records and
// compares the running totals, folded, with a rebuild from the records.
func TestRunningTotalsFollowEveryChange(t *testing.T) {
	db := dbtest.New(t)
	population(t, db)
	steps := []string{
		`UPDATE case_stats SET state = 'decided', advised_on = '2025-03-01', decided_on = '2025-03-20', judgement = 'founded',
			elements_founded = 2, follows_advice = true, hearings_held = 1 WHERE category = 'aggression_violence'`,
		`UPDATE case_stats SET ministry = 'DEF' WHERE ministry = 'FIN' AND filed_on < '2023-01-01'`,
		`UPDATE case_stats SET purged_on = '2026-01-01' WHERE closed_on < '2024-06-01'`,
		`DELETE FROM case_stats WHERE category = 'other'`,
		// The upsert of cases.syncStats fires both the insert and the update trigger.
		`INSERT INTO case_stats SELECT * FROM case_stats WHERE category = 'bullying'
			ON CONFLICT (id) DO UPDATE SET category = 'discrimination', ground = 'age'`,
		`UPDATE signal_stats SET category = 'other' WHERE ministry = 'BZK'`,
		`DELETE FROM signal_stats WHERE ministry IS NULL`,
	}
	tables := []string{"report_filed", "report_advised", "report_decided", "report_open", "report_signals"}
	snapshot := func() map[string]string {
		out := map[string]string{}
		for _, tb := range tables {
			var rows []string
			if err := db.Raw(`SELECT t::text FROM ` + tb + ` t WHERE ` + nonZero(tb) + ` ORDER BY 1`).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			out[tb] = strings.Join(rows, "\n")
		}
		return out
	}
	for _, s := range steps {
		if err := db.Exec(s).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		// The totals are appended changes; folded, they must equal a rebuild.
		if _, err := Compact(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		kept := snapshot()
		if kept["report_filed"] == "" || kept["report_decided"] == "" {
			t.Fatalf("after %q the running totals are empty", s)
		}
		if err := db.Exec(`SELECT report_rebuild()`).Error; err != nil {
			t.Fatal(err)
		}
		if rebuilt := snapshot(); !maps.Equal(kept, rebuilt) {
			for _, tb := range tables {
				if kept[tb] != rebuilt[tb] {
					t.Errorf("after %q, %s kept:\n%s\nrebuilt:\n%s", s, tb, kept[tb], rebuilt[tb])
				}
			}
		}
	}
}

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

// nonZero is the condition for rows that still count something: the
// triggers leave a total at zero where the rebuild writes no row.
func nonZero(table string) string {
	switch table {
	case "report_filed":
		return "cases <> 0 OR hearings <> 0"
	case "report_advised":
		return "cases <> 0 OR elements_founded <> 0 OR elements_partly <> 0 OR elements_unfounded <> 0"
	case "report_signals":
		return "signals <> 0"
	}
	return "cases <> 0"
}

func TestCheckRefusesABrokenQuery(t *testing.T) {
	db := dbtest.New(t)
	if err := Check(context.Background(), db); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// The report's files with sql/course.sql changed, then without it.
	files := fstest.MapFS{}
	entries, _ := sqlFiles.ReadDir("sql")
	for _, e := range entries {
		b, _ := sqlFiles.ReadFile("sql/" + e.Name())
		files["sql/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	files["sql/course.sql"].Data = []byte(strings.Replace(string(files["sql/course.sql"].Data), "report_filed", "report_filled", 1))
	if err := check(context.Background(), db, sqlfiles.Load("reporting", files, "sql")); err == nil || !strings.Contains(err.Error(), "course") {
		t.Errorf("check with a broken query: %v, want an error naming sql/course.sql", err)
	}
	delete(files, "sql/course.sql")
	if err := check(context.Background(), db, sqlfiles.Load("reporting", files, "sql")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("check with a missing query: %v, want an error naming the missing file", err)
	}
}

func TestSeedRefusesRealData(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	res, err := SeedSynthetic(ctx, db, 2000, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 2000 || res.Signals != 800 {
		t.Errorf("seeded %+v", res)
	}
	var n int
	db.Raw(`SELECT count(*) FROM case_stats`).Scan(&n)
	if n != 2000 {
		t.Errorf("case_stats holds %d rows, want 2000", n)
	}
	// Statistics present (they may be those of purged real cases): refused.
	if _, err := SeedSynthetic(ctx, db, 10, 3, false); err != ErrRealData {
		t.Errorf("second seed: %v, want ErrRealData", err)
	}
	// A real case: refused, unless forced.
	db2 := dbtest.New(t)
	pid := uuid.New()
	if err := db2.Exec(`INSERT INTO persons (id, email, name, ministry) VALUES (?, 'k@example.org', 'K', 'BZK')`, pid).Error; err != nil {
		t.Fatal(err)
	}
	if err := db2.Exec(`INSERT INTO cases (id, number, state, ministry, category, complainant_id, filed_by, data_key, data_key_id, description_enc)
		VALUES (?, 'RKC-1', 'submitted', 'BZK', 'bullying', ?, ?, '\x00', 'k', '\x00')`, uuid.New(), pid, pid).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := SeedSynthetic(ctx, db2, 10, 3, false); err != ErrRealData {
		t.Errorf("seed beside a real case: %v, want ErrRealData", err)
	}
	if _, err := SeedSynthetic(ctx, db2, 10, 3, true); err != nil {
		t.Errorf("forced seed: %v", err)
	}
}

// TestSyntheticPopulationIsRealistic checks the shares the seed promises.
func TestSyntheticPopulationIsRealistic(t *testing.T) {
	db := dbtest.New(t)
	if _, err := SeedSynthetic(context.Background(), db, 20000, 5, false); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Ministries, Categories, Grounds          int
		Inadmissible, Withdrawn, Extended, Cases float64
		Follows, Decided, Within                 float64
		MedianDays                               float64
	}
	if err := db.Raw(`SELECT count(DISTINCT ministry) AS ministries, count(DISTINCT category) AS categories,
		count(DISTINCT ground) AS grounds, count(*) FILTER (WHERE admissible = false) AS inadmissible,
		count(*) FILTER (WHERE withdrawn) AS withdrawn, count(*) FILTER (WHERE extended) AS extended, count(*) AS cases,
		count(*) FILTER (WHERE follows_advice) AS follows, count(decided_on) AS decided,
		count(*) FILTER (WHERE decided_on <= due_on) AS within,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY decided_on - received_on) AS median_days
		FROM case_stats`).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	var allMinistries int
	db.Raw(`SELECT count(*) FROM ministries`).Scan(&allMinistries)
	if s.Ministries != allMinistries || s.Categories != 5 || s.Grounds != 12 {
		t.Errorf("ministries %d/%d, categories %d, grounds %d", s.Ministries, allMinistries, s.Categories, s.Grounds)
	}
	share := func(name string, v, lo, hi float64) {
		if v < lo || v > hi {
			t.Errorf("%s = %.3f, want %.2f..%.2f", name, v, lo, hi)
		}
	}
	share("inadmissible", s.Inadmissible/s.Cases, 0.13, 0.17)
	share("withdrawn", s.Withdrawn/s.Cases, 0.04, 0.10)
	share("extended of decided", s.Extended/s.Decided, 0.08, 0.16)
	share("follows advice", s.Follows/s.Decided, 0.85, 0.95)
	share("within the term", s.Within/s.Decided, 0.35, 0.8)
	share("median days", s.MedianDays, 55, 85)
}
