package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestCloseLoopClosesFinishedCasesOnce: the scheduled job of two instances
// on one database closes a case that finished longer ago than
// RKC_CLOSE_AFTER_DAYS, once, and leaves a case that finished today.
func TestCloseLoopClosesFinishedCasesOnce(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	complainant := e.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	secretary := e.Person("secretaris@test.rkc", "BZK", apptest.Grant("secretary", "*"))
	withdraw := func() string {
		var out struct {
			ID string `json:"id"`
		}
		e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{"category": "bullying", "description": "Er wordt gepest."}).Decode(t, &out)
		e.Must(200, secretary, "POST", "/api/v1/cases/"+out.ID+"/register", map[string]any{})
		e.Must(200, complainant, "POST", "/api/v1/cases/"+out.ID+"/withdraw", map[string]any{})
		return out.ID
	}
	old, recent := withdraw(), withdraw()
	// The first finished seven weeks ago.
	if err := e.App.DB.Exec(`UPDATE cases SET finished_at = finished_at - interval '49 days' WHERE id = ?`, old).Error; err != nil {
		t.Fatal(err)
	}
	cfg := *e.Config
	cfg.DeadlineWatchInterval = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for range 2 {
		go func() { closeLoop(ctx, &cfg, slog.New(slog.DiscardHandler), e.App); done <- struct{}{} }()
	}
	state := func(id string) string {
		var s string
		e.App.DB.Raw(`SELECT state FROM cases WHERE id = ?`, id).Scan(&s)
		return s
	}
	deadline := time.Now().Add(20 * time.Second)
	for state(old) != "closed" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a few more rounds of both instances
	cancel()
	<-done
	<-done
	if got := state(old); got != "closed" {
		t.Fatalf("the case finished seven weeks ago is %s", got)
	}
	if got := state(recent); got != "withdrawn" {
		t.Errorf("the case finished today is %s", got)
	}
	var closings, rounds int
	e.App.DB.Raw(`SELECT count(*) FROM case_events WHERE case_id = ? AND kind = 'closed'`, old).Scan(&closings)
	e.App.DB.Raw(`SELECT count(*) FROM scheduled_runs WHERE job = 'close_finished'`).Scan(&rounds)
	if closings != 1 || rounds == 0 {
		t.Errorf("%d closings on the timeline, %d rounds recorded; want 1 and some", closings, rounds)
	}
}
