package retention_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/retention"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// closedCase files the standard complaint and closes it the short way
// (inadmissible).
func closedCase(t *testing.T, c *casetest.Cast) string {
	t.Helper()
	id := c.CaseIn(t, "inadmissible")
	casetest.StepClose(c, t, id)
	return id
}

// TestLegalHoldAndDryRun: a dry run only counts; a held case stays past its
// term until the hold is lifted; every run is recorded with counts.
func TestLegalHoldAndDryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := casetest.NewCast(t)
	e := c.E
	held := closedCase(t, c)
	free := closedCase(t, c)
	openCase := c.File(t, c.Complainant, casetest.Complaint())
	e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "message": "Melding"})

	// Only the chair sets a hold, and a reason is required.
	if r := e.Do(c.Secretary, "POST", "/api/v1/cases/"+held+"/legal-hold", map[string]any{"hold": true, "reason": "Procedure"}); r.Status != 403 {
		t.Errorf("secretary setting a legal hold: %d, want 403", r.Status)
	}
	if r := e.Do(c.Chair, "POST", "/api/v1/cases/"+held+"/legal-hold", map[string]any{"hold": true}); r.Status != 400 {
		t.Errorf("legal hold without a reason: %d, want 400", r.Status)
	}
	e.Must(200, c.Chair, "POST", "/api/v1/cases/"+held+"/legal-hold", map[string]any{"hold": true, "reason": "Beroep bij de rechtbank"})
	// The term runs from closing; the hold only defers the purge.
	ret := retention.Terms{CaseYears: 5, SignalYears: 2}
	e.Clock.Set(e.Clock.Now().AddDate(5, 0, 1))
	exists := func(id string) bool {
		var n int64
		e.App.DB.Raw(`SELECT count(*) FROM cases WHERE id = ?`, id).Scan(&n)
		return n == 1
	}
	signals := func() int64 {
		var n int64
		e.App.DB.Raw(`SELECT count(*) FROM signals`).Scan(&n)
		return n
	}

	rep, err := e.App.Retention.Purge(ctx, ret, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := (retention.Report{DryRun: true, CasesPurged: 1, SignalsPurged: 1, AttachmentsPurged: 0, HeldBack: 1}); *rep != want {
		t.Errorf("dry run: %+v, want %+v", *rep, want)
	}
	if !exists(held) || !exists(free) || !exists(openCase) || signals() != 1 {
		t.Fatal("a dry run removed something")
	}

	rep, err = e.App.Retention.Purge(ctx, ret, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (retention.Report{CasesPurged: 1, SignalsPurged: 1, HeldBack: 1}); *rep != want {
		t.Errorf("purge: %+v, want %+v", *rep, want)
	}
	if !exists(held) || exists(free) || !exists(openCase) || signals() != 0 {
		t.Errorf("after purge: held %v, free %v, open %v, signals %d; want the held and the open case only", exists(held), exists(free), exists(openCase), signals())
	}
	var v struct {
		LegalHold bool `json:"legal_hold"`
	}
	e.Must(200, c.Chair, "GET", "/api/v1/cases/"+held, nil).Decode(t, &v)
	if !v.LegalHold {
		t.Error("the committee does not see the hold")
	}

	e.Must(200, c.Chair, "POST", "/api/v1/cases/"+held+"/legal-hold", map[string]any{"hold": false, "reason": "Uitspraak onherroepelijk"})
	rep, err = e.App.Retention.Purge(ctx, ret, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (retention.Report{CasesPurged: 1}); *rep != want {
		t.Errorf("purge after lifting the hold: %+v, want %+v", *rep, want)
	}
	if exists(held) || !exists(openCase) {
		t.Errorf("after lifting the hold: held %v, open %v", exists(held), exists(openCase))
	}
	var stats struct{ Total, Purged int }
	e.App.DB.Raw(`SELECT count(*) AS total, count(purged_on) AS purged FROM case_stats`).Scan(&stats)
	if stats.Total != 3 || stats.Purged != 2 {
		t.Errorf("case_stats: %+v, want 3 records of which 2 purged", stats)
	}
	var sigStats int64
	e.App.DB.Raw(`SELECT count(*) FROM signal_stats`).Scan(&sigStats)
	if sigStats != 1 {
		t.Errorf("signal_stats: %d, want the purged signal still counted", sigStats)
	}

	type run struct {
		DryRun                                                  bool
		CasesPurged, SignalsPurged, AttachmentsPurged, HeldBack int
	}
	var runs []run
	e.App.DB.Raw(`SELECT dry_run, cases_purged, signals_purged, attachments_purged, held_back FROM purge_runs ORDER BY id`).Scan(&runs)
	want := []run{{true, 1, 1, 0, 1}, {false, 1, 1, 0, 1}, {false, 1, 0, 0, 0}}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("purge_runs %+v, want %+v", runs, want)
	}
	// The purges themselves are in the access log, without a person.
	var purgeLog int64
	e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE action = 'case:purge' AND person_id IS NULL AND case_id IN (?, ?)`, held, free).Scan(&purgeLog)
	if purgeLog != 2 {
		t.Errorf("access log has %d purge entries, want 2", purgeLog)
	}
}

// TestPurgeUnreadableCase: a case whose data key no longer opens (its master
// key retired, or the row tampered with) is purged all the same, and does
// not stop the purge of the others.
func TestPurgeUnreadableCase(t *testing.T) {
	t.Parallel()
	c := casetest.NewCast(t)
	e := c.E
	broken := closedCase(t, c)
	fine := closedCase(t, c)
	if _, err := casetest.OwnerDB(t, e).Exec(`UPDATE cases SET data_key = (SELECT data_key FROM cases WHERE id = $1) WHERE id = $2`, fine, broken); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(e.Clock.Now().AddDate(5, 0, 1))
	rep, err := e.App.Retention.Purge(context.Background(), retention.Terms{CaseYears: 5, SignalYears: 2}, false)
	if err != nil {
		t.Fatalf("purge with one unreadable case: %v", err)
	}
	if rep.CasesPurged != 2 {
		t.Errorf("purge report %+v, want both cases purged", rep)
	}
	var left int64
	e.App.DB.Raw(`SELECT count(*) FROM cases`).Scan(&left)
	var stats struct{ Total, Purged int }
	e.App.DB.Raw(`SELECT count(*) AS total, count(purged_on) AS purged FROM case_stats`).Scan(&stats)
	if left != 0 || stats.Total != 2 || stats.Purged != 1 {
		t.Errorf("after purge: %d cases left, stats %+v; want none left, the readable case's record marked", left, stats)
	}
}
