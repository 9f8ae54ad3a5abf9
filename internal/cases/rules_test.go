package cases_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/retention"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// Issue 15: the rules of the remaining statutory paths and of retention.

// TestFinishedCasesCloseByThemselves: a withdrawn, inadmissible, decided or
// informally resolved case closes by itself six weeks after it finished,
// with the closing on its timeline and in the access log; the deadline
// board lists it meanwhile; the retention term runs from the closing, so
// no finished case is kept for ever.
func TestFinishedCasesCloseByThemselves(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	ctx := context.Background()
	finished := map[string]string{}
	for _, st := range []string{"withdrawn", "inadmissible", "decided", "resolved_informally"} {
		finished[st] = c.CaseIn(t, st)
	}
	open := c.CaseIn(t, "investigating")
	finishedOn := cases.DateOf(c.E.Clock.Now())
	closesOn := finishedOn.AddDate(0, 0, cases.DefaultCloseAfterDays).Format(time.DateOnly)

	// The board of cases waiting to close: the four, each with its date.
	list := listCases(t, c.E, c.Secretary, "?flag=closing")
	if len(list.Items) != 4 {
		t.Fatalf("waiting to close: %+v, want the four finished cases", list.Items)
	}
	for _, it := range list.Items {
		if it.ClosesOn != closesOn {
			t.Errorf("case %s closes on %q, want %s", it.ID, it.ClosesOn, closesOn)
		}
	}

	// A day before the six weeks are over nothing closes.
	c.E.Clock.Set(c.E.Clock.Now().AddDate(0, 0, cases.DefaultCloseAfterDays-1))
	rep, err := c.E.App.Cases.CloseFinished(ctx)
	if err != nil || rep.Closed != 0 {
		t.Fatalf("a day early: %+v %v", rep, err)
	}
	// On the day, every finished case closes, and only those.
	c.E.Clock.Set(c.E.Clock.Now().AddDate(0, 0, 1))
	closedAt := c.E.Clock.Now()
	rep, err = c.E.App.Cases.CloseFinished(ctx)
	if err != nil || rep.Closed != 4 {
		t.Fatalf("on the day: %+v %v", rep, err)
	}
	if again, err := c.E.App.Cases.CloseFinished(ctx); err != nil || again.Closed != 0 {
		t.Fatalf("a second run closed %+v %v", again, err)
	}
	if got := c.Row(t, open).State; got != "investigating" {
		t.Errorf("the open case is %s", got)
	}
	for st, id := range finished {
		if got := c.Row(t, id).State; got != "closed" {
			t.Errorf("the %s case is %s, want closed", st, got)
		}
		var last struct {
			Kind, FromState, ToState, ActorRole string
			VisibleToParties                    bool
		}
		c.E.App.DB.Raw(`SELECT kind, from_state, to_state, actor_role, visible_to_parties FROM case_events WHERE case_id = ? ORDER BY id DESC LIMIT 1`, id).Scan(&last)
		if last.Kind != "closed" || last.FromState != st || last.ToState != "closed" || last.ActorRole != "system" || !last.VisibleToParties {
			t.Errorf("the %s case's timeline ends with %+v", st, last)
		}
		if n := c.Count(t, "access_log", "key_handle = (SELECT handle FROM log_case_keys WHERE case_id = ?) AND action = 'case:close' AND role = 'system'", id); n != 1 {
			t.Errorf("the %s case's closing is %d times on the access log", st, n)
		}
	}
	// Both parties see the closing on the timeline.
	if evs := c.Events(t, c.Complainant, finished["withdrawn"]); evs[len(evs)-1].Kind != "closed" {
		t.Errorf("the complainant's timeline: %v", casetest.Kinds(evs))
	}
	c.E.Must(200, c.Secretary, "GET", "/api/v1/cases?flag=closing", nil).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("still waiting to close: %+v", list.Items)
	}

	// Retention runs from the closing: five years after it, not before.
	ret := retention.Terms{CaseYears: 5, SignalYears: 2}
	c.E.Clock.Set(closedAt.AddDate(5, 0, -1))
	if pr, err := c.E.App.Retention.Purge(ctx, ret, false); err != nil || pr.CasesPurged != 0 {
		t.Fatalf("purge a day before five years: %+v %v", pr, err)
	}
	c.E.Clock.Set(closedAt.AddDate(5, 0, 1))
	if pr, err := c.E.App.Retention.Purge(ctx, ret, false); err != nil || pr.CasesPurged != 4 {
		t.Fatalf("purge after five years: %+v %v", pr, err)
	}
	if n := c.Count(t, "cases", "id = ?", open); n != 1 {
		t.Errorf("the open case was purged")
	}
}

// TestCloseAfterIsConfigurable: the period comes from the service's
// options (RKC_CLOSE_AFTER_DAYS).
func TestCloseAfterIsConfigurable(t *testing.T) {
	t.Parallel()
	e := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{"RKC_CLOSE_AFTER_DAYS": "7"}))
	c := castOn(t, e)
	id := c.CaseIn(t, "withdrawn")
	c.E.Clock.Set(c.E.Clock.Now().AddDate(0, 0, 6))
	if rep, _ := c.E.App.Cases.CloseFinished(context.Background()); rep.Closed != 0 {
		t.Fatalf("closed after six days: %+v", rep)
	}
	c.E.Clock.Set(c.E.Clock.Now().AddDate(0, 0, 1))
	if rep, _ := c.E.App.Cases.CloseFinished(context.Background()); rep.Closed != 1 || c.Row(t, id).State != "closed" {
		t.Fatalf("not closed after seven days: %+v", rep)
	}
}

// TestAdviceNeedsAPanel: after the only member besides the chair declares
// a conflict, the chair cannot adopt the advice until the panel is
// recomposed; nor with a member whose conflict arose after the panel was
// composed.
func TestAdviceNeedsAPanel(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	c.HearHeld(t, id)
	c.E.Must(204, c.Member, "POST", "/api/v1/cases/"+id+"/conflicts", map[string]any{"reason": "Ik ken de aangeklaagde."})
	before := c.Row(t, id)
	casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/advice", casetest.AdviceBody()), 409, "panel-incomplete")
	if after := c.Row(t, id); after != before || c.Count(t, "advices", "case_id = ?", id) != 0 {
		t.Fatalf("the refused advice changed the case: %+v → %+v", before, after)
	}

	// Recomposed with a member free to sit: the advice goes through.
	lid3 := c.E.Person("lid3@test.rkc", "AZ", apptest.Grant("member", "*"))
	c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{lid3.ID.String(), c.Chair.ID.String()}})
	// The new member then moves to the respondent's ministry: a conflict of
	// interest that arose after the panel was composed.
	c.E.App.DB.Exec(`UPDATE persons SET ministry = 'BZK' WHERE id = ?`, lid3.ID)
	errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/advice", casetest.AdviceBody()), 409, "conflict-of-interest")
	if errs[lid3.ID.String()] == "" {
		t.Errorf("the refusal does not name the member: %v", errs)
	}
	c.E.App.DB.Exec(`UPDATE persons SET ministry = 'AZ' WHERE id = ?`, lid3.ID)
	c.Post(t, c.Chair, id, "advice", casetest.AdviceBody(), "advised")

	// A panel of the chair alone never advises.
	alone := c.CaseIn(t, "admissible")
	c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+alone+"/panel", map[string]any{"member_ids": []string{c.Chair.ID.String()}})
	c.Post(t, c.Secretary, alone, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
	c.HearHeld(t, alone)
	casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+alone+"/advice", casetest.AdviceBody()), 409, "panel-incomplete")
}

// TestFurtherDelayNeedsWrittenConsent: Awb 9:11 lid 3. A further delay is
// recorded with the complainant's written consent and its new due date,
// which both parties see and are told of; without the consent's date and
// form it is refused and nothing changes.
func TestFurtherDelayNeedsWrittenConsent(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	base := "/api/v1/cases/" + id
	c.E.Must(200, c.Chair, "POST", base+"/extension", map[string]any{"reason": "Getuigen op vakantie"})
	v, _ := c.Get(t, c.Chair, id)
	due, _ := time.Parse(time.DateOnly, v.Deadline.DueOn)
	newDue := c.E.App.Cases.Calendar().Shift(due.AddDate(0, 0, 28))
	today := cases.DateOf(c.E.Clock.Now())
	good := map[string]any{"new_due_on": newDue.Format(time.DateOnly), "consent_received_on": today.Format(time.DateOnly),
		"consent_form": "letter", "reason": "Het deskundigenrapport komt later."}
	with := func(k string, val any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if val == nil {
			delete(m, k)
		} else {
			m[k] = val
		}
		return m
	}
	before := c.Row(t, id)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no consent form", with("consent_form", nil), "consent_form"},
		{"oral consent", with("consent_form", "telephone"), "consent_form"},
		{"no consent date", with("consent_received_on", nil), "consent_received_on"},
		{"consent tomorrow", with("consent_received_on", today.AddDate(0, 0, 1).Format(time.DateOnly)), "consent_received_on"},
		{"earlier date", with("new_due_on", due.AddDate(0, 0, -1).Format(time.DateOnly)), "new_due_on"},
		{"no reason", with("reason", nil), "reason"},
	} {
		errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/further-delay", tc.body), 400, "validation")
		if errs[tc.field] == "" {
			t.Errorf("%s: refusal names %v, want %s", tc.name, errs, tc.field)
		}
	}
	// A Sunday is no due date (Algemene termijnenwet).
	sunday := newDue
	for sunday.Weekday() != time.Sunday {
		sunday = sunday.AddDate(0, 0, 1)
	}
	if errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/further-delay", with("new_due_on", sunday.Format(time.DateOnly))), 400, "validation"); errs["new_due_on"] == "" {
		t.Errorf("a Sunday: %v", errs)
	}
	for _, p := range []*apptest.Person{c.Secretary, c.Complainant, c.Respondent, c.Member} {
		if r := c.E.Do(p, "POST", base+"/further-delay", good); r.Status != 403 {
			t.Errorf("%s records a further delay: %d", p.Email, r.Status)
		}
	}
	if after := c.Row(t, id); after != before {
		t.Fatalf("refusals changed the case: %+v → %+v", before, after)
	}

	c.E.Must(200, c.Chair, "POST", base+"/further-delay", good)
	for _, p := range []*apptest.Person{c.Complainant, c.Respondent, c.Chair} {
		var got struct {
			Deadline struct {
				DueOn string `json:"due_on"`
			} `json:"deadline"`
			FurtherDelays []struct {
				PreviousDueOn     string `json:"previous_due_on"`
				NewDueOn          string `json:"new_due_on"`
				ConsentReceivedOn string `json:"consent_received_on"`
				ConsentForm       string `json:"consent_form"`
			} `json:"further_delays"`
		}
		c.E.Must(200, p, "GET", base, nil).Decode(t, &got)
		if got.Deadline.DueOn != newDue.Format(time.DateOnly) || len(got.FurtherDelays) != 1 ||
			got.FurtherDelays[0].PreviousDueOn != due.Format(time.DateOnly) || got.FurtherDelays[0].ConsentForm != "letter" ||
			got.FurtherDelays[0].ConsentReceivedOn != today.Format(time.DateOnly) {
			t.Errorf("%s sees %+v", p.Email, got)
		}
		if evs := c.Events(t, p, id); !slices.Contains(casetest.Kinds(evs), "further_delay") {
			t.Errorf("%s's timeline lacks the delay: %v", p.Email, casetest.Kinds(evs))
		}
	}
	// Both parties are told, with the new date.
	var told []string
	c.E.App.DB.Raw(`SELECT p.email FROM outbox o JOIN persons p ON p.id = o.recipient_id WHERE o.case_id = ? AND o.kind = 'further_delay' AND o.due_on = ? ORDER BY 1`,
		id, newDue).Scan(&told)
	if !slices.Equal(told, []string{c.Respondent.Email, c.Complainant.Email}) && !slices.Equal(told, []string{c.Complainant.Email, c.Respondent.Email}) {
		t.Errorf("the further delay was told to %v", told)
	}
}

// TestNotHeardOnAStatutoryGround: Awb 9:10. A side not heard needs a
// recorded statutory ground; then the advice may proceed. "Manifestly
// unfounded" is a ground for the complainant only and binds the advice.
func TestNotHeardOnAStatutoryGround(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	base := "/api/v1/cases/" + id
	c.E.Must(201, c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.HeldAt(), "parties": "complainant", "minutes": "Klager gehoord."})
	casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/advice", casetest.AdviceBody()), 409, "not-heard")

	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"side": "respondent", "ground": "manifestly_unfounded", "reason": "x"}, "ground"},
		{map[string]any{"side": "respondent", "ground": "busy", "reason": "x"}, "ground"},
		{map[string]any{"side": "witness", "ground": "waived", "reason": "x"}, "side"},
		{map[string]any{"side": "respondent", "ground": "waived"}, "reason"},
	} {
		if errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/not-heard", tc.body), 400, "validation"); errs[tc.field] == "" {
			t.Errorf("%v: refusal names %v", tc.body, errs)
		}
	}
	waiver := map[string]any{"side": "respondent", "ground": "waived", "reason": "Brief van 3 maart: ziet af van horen."}
	for _, p := range []*apptest.Person{c.Secretary, c.Member, c.Respondent} {
		if r := c.E.Do(p, "POST", base+"/not-heard", waiver); r.Status != 403 {
			t.Errorf("%s records a side not heard: %d", p.Email, r.Status)
		}
	}
	// The complainant was heard: not hearing them is no longer a choice.
	casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/not-heard", map[string]any{"side": "complainant", "ground": "waived", "reason": "x"}), 409, "already-heard")
	c.E.Must(200, c.Chair, "POST", base+"/not-heard", waiver)
	var seen struct {
		NotHeard []struct {
			Side, Ground string
		} `json:"not_heard"`
	}
	c.E.Must(200, c.Respondent, "GET", base, nil).Decode(t, &seen)
	if len(seen.NotHeard) != 1 || seen.NotHeard[0].Side != "respondent" || seen.NotHeard[0].Ground != "waived" {
		t.Errorf("the respondent sees %+v", seen.NotHeard)
	}
	c.Post(t, c.Chair, id, "advice", casetest.AdviceBody(), "advised")

	// Complainant not heard because the complaint is manifestly unfounded:
	// the advice must then find every element unfounded.
	other := c.CaseIn(t, "investigating")
	c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+other+"/hearings", map[string]any{"planned_at": c.HeldAt(), "parties": "respondent", "minutes": "Verweerder gehoord."})
	c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+other+"/not-heard", map[string]any{"side": "complainant", "ground": "manifestly_unfounded",
		"reason": "De beschreven gedragingen vonden niet plaats."})
	if errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+other+"/advice", casetest.AdviceBody()), 400, "validation"); errs["judgements"] == "" {
		t.Errorf("a founded element after 'manifestly unfounded': %v", errs)
	}
	c.Post(t, c.Chair, other, "advice", map[string]any{"findings": "Kennelijk ongegrond.", "judgements": []map[string]any{
		{"position": 1, "judgement": "unfounded"}, {"position": 2, "judgement": "unfounded"}}}, "advised")
}

// TestHearingsRecordedAfterTheFact: a hearing that took place is entered
// with its minutes and a past time; a hearing still to come cannot be
// marked held, and does not count as hearing anyone.
func TestHearingsRecordedAfterTheFact(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	base := "/api/v1/cases/" + id
	nextMonth := c.E.Clock.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	var h struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
		Held    bool   `json:"held"`
	}
	c.E.Must(201, c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": nextMonth, "parties": "both"}).Decode(t, &h)
	casetest.Problem(t, c.E.Do(c.Member, "PUT", base+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Gehoord.", "held": true}), 409, "hearing-not-yet-held")
	// Notes ahead of the hearing are fine; it stays planned.
	c.E.Must(200, c.Member, "PUT", base+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Vragen voorbereid."})
	casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/advice", casetest.AdviceBody()), 409, "not-heard")
	// Minutes for a hearing still to come are refused.
	if errs := casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": nextMonth, "parties": "both", "minutes": "x"}), 400, "validation"); errs["minutes"] == "" {
		t.Errorf("minutes ahead: %v", errs)
	}

	// A hearing of this morning, recorded after the fact.
	past := c.E.Clock.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	if errs := casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": past, "parties": "both"}), 400, "validation"); errs["minutes"] == "" {
		t.Errorf("a past hearing without minutes: %v", errs)
	}
	yearAgo := c.E.Clock.Now().AddDate(-1, 0, 0).UTC().Format(time.RFC3339)
	if errs := casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": yearAgo, "parties": "both", "minutes": "x"}), 400, "validation"); errs["planned_at"] == "" {
		t.Errorf("a hearing before the complaint: %v", errs)
	}
	c.E.Must(201, c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.HeldAt(), "parties": "both", "minutes": "Beide partijen gehoord."}).Decode(t, &h)
	if !h.Held {
		t.Errorf("the hearing recorded after the fact is not held: %+v", h)
	}
	c.Post(t, c.Chair, id, "advice", casetest.AdviceBody(), "advised")
}

// castOn is newCast on a service started with a configuration of the test's own.
func castOn(t *testing.T, e *apptest.Env) *cast {
	t.Helper()
	g := apptest.Grant
	return &cast{&casetest.Cast{E: e,
		Complainant: e.Person("klager@test.rkc", "BZK", g("complainant", "BZK")),
		Secretary:   e.Person("secretaris@test.rkc", "BZK", g("secretary", "*")),
		Chair:       e.Person("voorzitter@test.rkc", "OCW", g("chair", "*")),
	}}
}
