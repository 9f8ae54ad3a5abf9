package notify_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
	"github.com/rkc-nl/rkc/internal/testing/notifytest"
)

// watchStory is the cast of the watch tests with its clock on Tuesday 19
// January 2027, the day their cases are received, and the watch.
type watchStory struct {
	*notifytest.Cast
	watch *notify.Watch
}

func newWatchStory(t *testing.T) *watchStory {
	t.Helper()
	c := notifytest.NewCast(t)
	c.E.Clock.Set(notifytest.Amsterdam(time.January, 19))
	return &watchStory{Cast: c, watch: notify.NewWatch(c.E.App.DB, nil)}
}

// runOn runs the watch on a day of 2027 (in Amsterdam).
func (s *watchStory) runOn(t *testing.T, month time.Month, day int) *notify.WatchReport {
	t.Helper()
	rep, err := s.watch.Run(context.Background(), notifytest.Amsterdam(month, day))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestDeadlineWatchAcrossWeekendsAndHolidays runs the watch day by day with
// a controlled clock around Easter and King's Day 2027.
//
// Both cases were received on Tuesday 19 January 2027, so they are due on
// Tuesday 30 March (19 January + 70 days). Counting back ten working days
// from 30 March skips Easter Monday (29 March), Good Friday (26 March) and
// two weekends: the first day "due within 10 working days" is Friday 12
// March (a count that ignored the holidays would start on 16 March).
// Case 2 is then extended by four weeks, to Tuesday 27 April, King's Day,
// so it is due on Wednesday 28 April; its first due-soon day is Tuesday 13
// April, and that new deadline earns reminders of its own.
func TestDeadlineWatchAcrossWeekendsAndHolidays(t *testing.T) {
	t.Parallel()
	c := newWatchStory(t)
	e := c.E
	ctx := context.Background()
	// Both admitted at once, so that only the decision term is watched
	// here (TestNotHandledTermReminder covers the four weeks to rule).
	case1 := c.Registered(t, c.Complainant, sentinel)
	c.Step(t, c.Chair, case1, "admissibility", map[string]any{"admissible": true})
	case2 := c.Registered(t, c.Complainant2, sentinel)
	c.Step(t, c.Chair, case2, "admissibility", map[string]any{"admissible": true})
	// A closed case and a case not yet registered are not watched.
	closed := c.Registered(t, c.Complainant, sentinel)
	c.Step(t, c.Complainant, closed, "withdraw", map[string]any{})
	c.File(t, c.Complainant, casetest.TaggedComplaint(sentinel))
	// The second chair declared a conflict in case 1 and may not hear of it.
	e.Must(204, c.Chair2, "POST", "/api/v1/cases/"+case1+"/conflicts", map[string]any{"reason": "Oud-collega"})
	for _, id := range []string{case1, case2} {
		var due string
		e.App.DB.Raw(`SELECT to_char(due_on, 'YYYY-MM-DD') FROM cases WHERE id = ?`, id).Scan(&due)
		if due != "2027-03-30" {
			t.Fatalf("case due on %s, want 2027-03-30", due)
		}
	}

	// reminders lists the reminder messages of a case as "kind email".
	reminders := func(id string) []string {
		var out []string
		e.App.DB.Raw(`SELECT o.kind || ' ' || p.email FROM outbox o JOIN persons p ON p.id = o.recipient_id
			WHERE o.case_id = ? AND o.kind LIKE 'deadline_%' ORDER BY 1`, id).Scan(&out)
		return out
	}
	staff := func(kind string, people ...*apptest.Person) []string {
		var out []string
		for _, p := range people {
			out = append(out, kind+" "+p.Email)
		}
		return out
	}
	var want1, want2 []string
	step := func(month time.Month, day int, wantReminders int) {
		t.Helper()
		rep := c.runOn(t, month, day)
		if rep.Reminders != wantReminders {
			t.Errorf("%s: %d reminders, want %d (%+v)", rep.Today, rep.Reminders, wantReminders, rep)
		}
		slices.Sort(want1)
		slices.Sort(want2)
		if got := reminders(case1); !slices.Equal(got, want1) {
			t.Errorf("%s: case 1 reminders %v, want %v", rep.Today, got, want1)
		}
		if got := reminders(case2); !slices.Equal(got, want2) {
			t.Errorf("%s: case 2 reminders %v, want %v", rep.Today, got, want2)
		}
	}

	step(time.March, 1, 0)
	step(time.March, 11, 0) // Thursday: 11 working days left
	// Friday 12 March: 10 working days left, across Good Friday and Easter Monday.
	want1 = append(want1, staff(notify.KindDueSoon, c.Secretary, c.Chair)...)
	want2 = append(want2, staff(notify.KindDueSoon, c.Secretary, c.Chair, c.Chair2)...)
	step(time.March, 12, 2)
	step(time.March, 12, 0) // the same day again: nothing twice
	step(time.March, 13, 0) // Saturday
	step(time.March, 14, 0) // Sunday
	step(time.March, 15, 0)

	// The chair extends case 2 (to King's Day, shifted to 28 April).
	e.Clock.Set(notifytest.Amsterdam(time.March, 15))
	c.Step(t, c.Chair, case2, "extension", map[string]any{"reason": "Getuigen op vakantie"})
	var due2 string
	e.App.DB.Raw(`SELECT to_char(due_on, 'YYYY-MM-DD') FROM cases WHERE id = ?`, case2).Scan(&due2)
	if due2 != "2027-04-28" {
		t.Fatalf("extended case due on %s, want 2027-04-28", due2)
	}

	step(time.March, 26, 0) // Good Friday
	step(time.March, 29, 0) // Easter Monday
	step(time.March, 30, 0) // the due day itself is still in time
	want1 = append(want1, staff(notify.KindOverdue, c.Secretary, c.Chair)...)
	step(time.March, 31, 1) // case 1 overdue
	step(time.April, 1, 0)
	step(time.April, 12, 0) // case 2: 11 working days left (King's Day does not count)
	want2 = append(want2, staff(notify.KindDueSoon, c.Secretary, c.Chair, c.Chair2)...)
	step(time.April, 13, 1) // the new deadline's own reminder
	step(time.April, 14, 0)
	step(time.April, 27, 0) // King's Day
	step(time.April, 28, 0) // due day
	want2 = append(want2, staff(notify.KindOverdue, c.Secretary, c.Chair, c.Chair2)...)
	step(time.April, 29, 1)
	step(time.May, 3, 0)

	// Two watches at once (two instances without the advisory lock) still
	// remind once.
	c.Exec(t, `DELETE FROM deadline_reminders WHERE case_id = ? AND threshold = 'overdue'`, case2)
	c.Exec(t, `DELETE FROM outbox WHERE case_id = ? AND kind = 'deadline_overdue'`, case2)
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := notify.NewWatch(notifytest.OpenPool(t, e.Config.DatabaseURL), nil).Run(ctx, notifytest.Amsterdam(time.May, 4))
			errs <- err
		}()
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := reminders(case2); !slices.Equal(got, want2) {
		t.Errorf("after two concurrent watches: case 2 reminders %v, want %v", got, want2)
	}
}

// TestNotHandledTermReminder: the staff are reminded a week before the four
// weeks within which the complainant must hear that the complaint will not
// be handled (Awb 9:8 lid 3) end, while admissibility is not yet ruled on;
// once per term.
//
// Received on Tuesday 19 January 2027, the four weeks end on Tuesday 16
// February; five working days before is Tuesday 9 February.
func TestNotHandledTermReminder(t *testing.T) {
	t.Parallel()
	c := newWatchStory(t)
	e := c.E
	pending := c.Registered(t, c.Complainant, sentinel)
	awaiting := c.Registered(t, c.Complainant2, sentinel)
	c.Step(t, c.Secretary, awaiting, "information-request", map[string]any{"what": "De datum"})
	ruled := c.Registered(t, c.Complainant, sentinel)
	c.Step(t, c.Chair, ruled, "admissibility", map[string]any{"admissible": true})

	reminded := func(id string) []string {
		var out []string
		e.App.DB.Raw(`SELECT p.email FROM outbox o JOIN persons p ON p.id = o.recipient_id
			WHERE o.case_id = ? AND o.kind = ? ORDER BY 1`, id, notify.KindNotHandledDueSoon).Scan(&out)
		return out
	}
	run := func(day int) *notify.WatchReport { return c.runOn(t, time.February, day) }
	if rep := run(8); rep.NotHandledSoon != 0 || len(reminded(pending)) != 0 {
		t.Fatalf("Monday 8 February, six working days ahead: %+v", rep)
	}
	rep := run(9)
	if rep.NotHandledSoon != 2 || rep.Reminders != 2 {
		t.Errorf("Tuesday 9 February: %+v, want two cases reminded", rep)
	}
	staff := []string{c.Chair.Email, c.Chair2.Email, c.Secretary.Email}
	slices.Sort(staff)
	for _, id := range []string{pending, awaiting} {
		if got := reminded(id); !slices.Equal(got, staff) {
			t.Errorf("case %s reminded %v, want the staff %v", id, got, staff)
		}
	}
	if got := reminded(ruled); len(got) != 0 {
		t.Errorf("the admitted case was reminded: %v", got)
	}
	var due string
	e.App.DB.Raw(`SELECT to_char(due_on, 'YYYY-MM-DD') FROM outbox WHERE case_id = ? AND kind = ? LIMIT 1`, pending, notify.KindNotHandledDueSoon).Scan(&due)
	if due != "2027-02-16" {
		t.Errorf("the reminder names %q, want 2027-02-16", due)
	}
	if rep := run(10); rep.Reminders != 0 {
		t.Errorf("reminded twice: %+v", rep)
	}
	if rep := run(17); rep.Reminders != 0 {
		t.Errorf("reminded again after the term: %+v", rep)
	}
}
