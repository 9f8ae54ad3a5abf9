package cases_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// access is who may read the case at some point of its life: the status
// GET /cases/{id} and GET /cases/{id}/events must answer.
type access map[*apptest.Person]int

func (c *cast) checkAccess(t *testing.T, id string, want access) {
	t.Helper()
	for p, status := range want {
		for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events"} {
			if r := c.E.Do(p, "GET", path, nil); r.Status != status {
				t.Errorf("%s GET %s: status %d, want %d: %s", p.Email, path, r.Status, status, r.Body)
			} else if status == 404 {
				casetest.Problem(t, r, 404, "not-found")
			}
		}
	}
}

// checkTimeline checks the state and that the staff's timeline ends with the
// given event kinds, the last move being to state.
func (c *cast) checkTimeline(t *testing.T, id, state string, lastKinds ...string) {
	t.Helper()
	if got := c.Row(t, id).State; got != state {
		t.Fatalf("state %s, want %s", got, state)
	}
	v, _ := c.Get(t, c.Secretary, id)
	if v.State != state {
		t.Fatalf("GET shows state %s, want %s", v.State, state)
	}
	evs := c.Events(t, c.Secretary, id)
	ks := casetest.Kinds(evs)
	if len(ks) < len(lastKinds) || !slices.Equal(ks[len(ks)-len(lastKinds):], lastKinds) {
		t.Fatalf("timeline %v, want it to end with %v", ks, lastKinds)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].ToState != "" {
			if evs[i].ToState != state {
				t.Fatalf("last move of the timeline is to %s, want %s", evs[i].ToState, state)
			}
			break
		}
	}
}

// TestLifecycle walks one complaint through every state of its life through
// the HTTP API, checking at each step the state, the timeline and who may
// read the case.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	// Filed on Friday 5 March 2027; the letter came by post on Monday 1 March.
	e.Clock.Set(time.Date(2027, 3, 5, 10, 0, 0, 0, time.UTC))

	body := casetest.Complaint()
	body["complainant_email"] = c.Complainant.Email
	body["consent"] = casetest.ConsentText
	id := c.File(t, c.Adviser, body)
	base := "/api/v1/cases/" + id

	evs := c.Events(t, c.Adviser, id)
	if len(evs) != 1 || evs[0].Kind != "filed" || evs[0].ActorRole != "adviser" {
		t.Fatalf("timeline after filing: %+v", evs)
	}
	// The complainant holds the case although the adviser filed it.
	v, raw := c.Get(t, c.Complainant, id)
	if v.State != "submitted" || v.Relation != "complainant" || !bytes.Contains(raw.Body, []byte(casetest.ConsentText)) {
		t.Fatalf("complainant's view after filing: %s", raw.Body)
	}
	c.checkAccess(t, id, access{c.Complainant: 200, c.Adviser: 200, c.Secretary: 200, c.Chair: 200,
		c.Member: 404, c.Member2: 404, c.Respondent: 404, c.Authority: 404, c.AuthorityFIN: 404, c.Complainant2: 404})

	// Registered with the date the letter came in; the acknowledgement goes out.
	c.Post(t, c.Secretary, id, "register", map[string]any{"received_on": "2027-03-01"}, "registered")
	c.checkTimeline(t, id, "registered", "registered", "acknowledgement_sent")
	v, _ = c.Get(t, c.Complainant, id)
	if v.ReceivedOn != "2027-03-01" || v.Deadline == nil || v.Deadline.DueOn != "2027-05-10" {
		// 1 March + 70 days = Monday 10 May 2027, a working day.
		t.Fatalf("after registration: received %s deadline %+v", v.ReceivedOn, v.Deadline)
	}

	// Information requested and supplied: back to registered.
	c.Post(t, c.Secretary, id, "information-request", map[string]any{"what": "Wanneer gebeurde het precies?", "term_days": 14}, "awaiting_information")
	c.checkTimeline(t, id, "awaiting_information", "awaiting_information")
	c.Post(t, c.Complainant, id, "information", map[string]any{"text": "Op 12 en 19 februari."}, "registered")
	c.checkTimeline(t, id, "registered", "registered")
	if n := c.Count(t, "information_requests", "case_id = ? AND answered_at IS NOT NULL", id); n != 1 {
		t.Fatalf("%d answered information requests, want 1", n)
	}

	// Admissible, then the panel: a member and the chair.
	c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": true}, "admissible")
	c.checkTimeline(t, id, "admissible", "admissible")
	c.checkAccess(t, id, access{c.Member: 404})
	e.Must(200, c.Chair, "POST", base+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})
	c.checkTimeline(t, id, "admissible", "panel_composed")
	c.checkAccess(t, id, access{c.Member: 200, c.Member2: 404, c.Respondent: 404})

	// The investigation informs the respondent, who now reads the complaint
	// without the complainant's contact details, consent and witnesses.
	c.Post(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
	c.checkTimeline(t, id, "investigating", "investigating", "respondent_informed")
	v, raw = c.Get(t, c.Respondent, id)
	if v.Relation != "respondent" {
		t.Fatalf("respondent's relation %q", v.Relation)
	}
	m := raw.Map(t)
	for _, field := range []string{"complainant_contact", "consent", "witnesses", "information_requests"} {
		if _, ok := m[field]; ok {
			t.Errorf("the respondent sees %s", field)
		}
	}
	for _, text := range []string{casetest.ContactText, casetest.ConsentText, casetest.WitnessText} {
		if bytes.Contains(raw.Body, []byte(text)) {
			t.Errorf("the respondent's view holds %q", text)
		}
	}
	if !bytes.Contains(raw.Body, []byte(casetest.DescriptText)) {
		t.Errorf("the respondent does not see the complaint itself")
	}
	if _, raw = c.Get(t, c.Complainant, id); !bytes.Contains(raw.Body, []byte(casetest.ContactText)) || !bytes.Contains(raw.Body, []byte(casetest.WitnessText)) {
		t.Errorf("the complainant no longer sees their own contact details and witnesses: %s", raw.Body)
	}
	c.checkAccess(t, id, access{c.Respondent: 200, c.Complainant: 200, c.Authority: 404, c.AuthorityFIN: 404, c.Member2: 404})

	// The respondent answers.
	e.Must(201, c.Respondent, "POST", base+"/statements", map[string]any{"body": "Ik herken mij niet in deze beschrijving."})
	c.checkTimeline(t, id, "investigating", "statement_added")
	var st struct {
		Statements []struct {
			Side string `json:"side"`
		} `json:"statements"`
	}
	e.Must(200, c.Complainant, "GET", base, nil).Decode(t, &st)
	if len(st.Statements) != 2 || st.Statements[1].Side != "respondent" {
		t.Fatalf("statements after the answer: %+v", st.Statements)
	}

	// Both sides heard: a hearing planned and its record kept.
	var h struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	e.Must(201, c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.PlannedAt(), "parties": "both", "location": "Den Haag"}).Decode(t, &h)
	c.checkTimeline(t, id, "investigating", "hearing_planned")
	e.Clock.Advance(48 * time.Hour)
	e.Must(200, c.Member, "PUT", base+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Klager en verweerder gehoord.", "held": true})
	c.checkTimeline(t, id, "investigating", "hearing_recorded")
	v, _ = c.Get(t, c.Respondent, id)
	if len(v.Hearings) != 1 || !v.Hearings[0].Held || v.Hearings[0].Minutes != "Klager en verweerder gehoord." || v.Hearings[0].Version != 2 {
		t.Fatalf("the respondent's view of the hearing: %+v", v.Hearings)
	}

	// The advice, with a judgement per element, goes to the authority of the
	// respondent's ministry (BZK), never to another ministry's.
	c.Post(t, c.Chair, id, "advice", casetest.AdviceBody(), "advised")
	c.checkTimeline(t, id, "advised", "advised")
	v, raw = c.Get(t, c.Authority, id)
	if v.Relation != "authority" || len(v.Elements) != 2 || v.Elements[0].Judgement != "founded" || v.Elements[1].Judgement != "unfounded" {
		t.Fatalf("the authority's view of the advice: %s", raw.Body)
	}
	for _, text := range []string{casetest.ContactText, casetest.ConsentText, casetest.WitnessText} {
		if bytes.Contains(raw.Body, []byte(text)) {
			t.Errorf("the authority's view holds %q", text)
		}
	}
	c.checkAccess(t, id, access{c.Authority: 200, c.AuthorityFIN: 404, c.Member2: 404, c.Complainant2: 404})

	// Departing from the advice needs reasons: without them nothing changes.
	before := c.Row(t, id)
	r := e.Do(c.Authority, "POST", base+"/decision", map[string]any{"follows_advice": false})
	if errs := casetest.Problem(t, r, 400, "validation"); errs["reasons"] == "" {
		t.Fatalf("no error on reasons: %s", r.Body)
	}
	if after := c.Row(t, id); after != before {
		t.Fatalf("a refused decision changed the case: %+v → %+v", before, after)
	}
	if n := c.Count(t, "decisions", "case_id = ?", id); n != 0 {
		t.Fatalf("a refused decision was stored")
	}
	casetest.Problem(t, e.Do(c.AuthorityFIN, "POST", base+"/decision", map[string]any{"follows_advice": true}), 404, "not-found")
	c.Post(t, c.Authority, id, "decision", map[string]any{"follows_advice": false, "reasons": "De maatregel is al genomen."}, "decided")
	c.checkTimeline(t, id, "decided", "decided")
	v, _ = c.Get(t, c.Complainant, id)
	if v.Decision == nil || v.Decision.FollowsAdvice || v.Decision.Reasons != "De maatregel is al genomen." {
		t.Fatalf("the complainant's view of the decision: %+v", v.Decision)
	}

	c.Post(t, c.Secretary, id, "close", nil, "closed")
	c.checkTimeline(t, id, "closed", "closed")
	if v, _ = c.Get(t, c.Complainant, id); v.Deadline != nil {
		t.Errorf("a closed case still shows a deadline: %+v", v.Deadline)
	}

	// The whole life, as the complainant's side sees it.
	want := []string{"filed", "registered", "acknowledgement_sent", "awaiting_information", "registered", "admissible",
		"panel_composed", "investigating", "respondent_informed", "statement_added", "hearing_planned", "hearing_recorded",
		"advised", "decided", "closed"}
	if got := casetest.Kinds(c.Events(t, c.Complainant, id)); !slices.Equal(got, want) {
		t.Fatalf("complainant's timeline\n got %v\nwant %v", got, want)
	}
	for _, ev := range c.Events(t, c.Secretary, id) {
		if ev.ActorRole == "" {
			t.Errorf("event %s has no actor role", ev.Kind)
		}
	}
	c.checkAccess(t, id, access{c.Complainant: 200, c.Adviser: 200, c.Respondent: 200, c.Member: 200, c.Authority: 200,
		c.AuthorityFIN: 404, c.Member2: 404, c.Complainant2: 404})
	// No personal data in the service's log (DPIA control 8).
	for _, text := range []string{casetest.DescriptText, casetest.ContactText, casetest.WitnessText, casetest.ConsentText, casetest.Element1Text, c.Complainant.Email, c.Respondent.Email} {
		if strings.Contains(e.Log.String(), text) {
			t.Errorf("the service logged %q", text)
		}
	}
	for _, p := range []*apptest.Person{c.Reporter, c.Admin, c.Privacy} {
		if r := e.Do(p, "GET", base, nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("%s reads a case: %d", p.Email, r.Status)
		} else if bytes.Contains(r.Body, []byte(casetest.DescriptText)) {
			t.Errorf("%s sees case content", p.Email)
		}
	}
}

// TestWithdrawal: the complainant withdraws in any state before the advice,
// never after.
func TestWithdrawal(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	for _, state := range []string{"submitted", "registered", "awaiting_information", "admissible", "investigating"} {
		t.Run(state, func(t *testing.T) {
			id := c.CaseIn(t, state)
			c.Post(t, c.Complainant, id, "withdraw", map[string]any{"reason": "Ik wil verder"}, "withdrawn")
			evs := c.Events(t, c.Complainant, id)
			last := evs[len(evs)-1]
			if last.Kind != "withdrawn" || last.FromState != state || last.Reason != "Ik wil verder" {
				t.Fatalf("last event %+v", last)
			}
			c.Post(t, c.Secretary, id, "close", nil, "closed")
		})
	}
	t.Run("refused after advised", func(t *testing.T) {
		id := c.CaseIn(t, "advised")
		before := c.Row(t, id)
		casetest.Problem(t, c.E.Do(c.Complainant, "POST", "/api/v1/cases/"+id+"/withdraw", map[string]any{}), 409, "illegal-transition")
		if after := c.Row(t, id); after != before {
			t.Fatalf("changed: %+v → %+v", before, after)
		}
	})
	t.Run("only the complainant's side", func(t *testing.T) {
		id := c.CaseIn(t, "investigating")
		casetest.Problem(t, c.E.Do(c.Respondent, "POST", "/api/v1/cases/"+id+"/withdraw", map[string]any{}), 403, "forbidden")
		casetest.Problem(t, c.E.Do(c.Complainant2, "POST", "/api/v1/cases/"+id+"/withdraw", map[string]any{}), 404, "not-found")
		if got := c.Row(t, id).State; got != "investigating" {
			t.Fatalf("state %s", got)
		}
	})
}

// TestInadmissibility: the chair rules a complaint inadmissible on a ground
// of the fixed list, which the complainant is told.
func TestInadmissibility(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	t.Run("with a ground", func(t *testing.T) {
		id := c.CaseIn(t, "registered")
		c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": false, "ground": "before_court", "reason": "De zaak ligt bij de rechter."}, "inadmissible")
		v, _ := c.Get(t, c.Complainant, id)
		if v.Admissibility == nil || v.Admissibility.Admissible || v.Admissibility.Ground != "before_court" {
			t.Fatalf("the complainant is not told the ground: %+v", v.Admissibility)
		}
		c.Post(t, c.Secretary, id, "close", nil, "closed")
	})
	t.Run("unknown ground refused", func(t *testing.T) {
		id := c.CaseIn(t, "registered")
		before := c.Row(t, id)
		for _, body := range []map[string]any{
			{"admissible": false, "ground": "no_time", "reason": "x"},
			{"admissible": false, "reason": "x"},
			{"admissible": false, "ground": "incomplete"}, // reason is required
		} {
			r := c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/admissibility", body)
			errs := casetest.Problem(t, r, 400, "validation")
			if errs["ground"] == "" && errs["reason"] == "" {
				t.Fatalf("%v: errors %v", body, errs)
			}
		}
		if after := c.Row(t, id); after != before {
			t.Fatalf("changed: %+v → %+v", before, after)
		}
	})
	t.Run("from awaiting_information only as incomplete", func(t *testing.T) {
		id := c.CaseIn(t, "awaiting_information")
		before := c.Row(t, id)
		casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/admissibility",
			map[string]any{"admissible": false, "ground": "insufficient_interest", "reason": "x"}), 409, "illegal-transition")
		casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/admissibility",
			map[string]any{"admissible": true}), 409, "illegal-transition")
		if after := c.Row(t, id); after != before {
			t.Fatalf("changed: %+v → %+v", before, after)
		}
		c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": false, "ground": "incomplete", "reason": "Niet aangevuld binnen de termijn."}, "inadmissible")
	})
}

// TestInformalResolution: mediation ends the investigation only with both
// parties' consent.
func TestInformalResolution(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	before := c.Row(t, id)
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"reason": "Bemiddeld", "complainant_consented": true}, "respondent_consented"},
		{map[string]any{"reason": "Bemiddeld", "respondent_consented": true}, "complainant_consented"},
		{map[string]any{"complainant_consented": true, "respondent_consented": true}, "reason"},
	} {
		errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/informal-resolution", tc.body), 400, "validation")
		if errs[tc.field] == "" {
			t.Errorf("%v: no error on %s: %v", tc.body, tc.field, errs)
		}
	}
	if after := c.Row(t, id); after != before {
		t.Fatalf("changed: %+v → %+v", before, after)
	}
	casetest.StepResolve(c.Cast, t, id)
	c.checkTimeline(t, id, "resolved_informally", "resolved_informally")
	c.Post(t, c.Secretary, id, "close", nil, "closed")
}

// TestCaseDeadlines: registration fixes the terms from the date of receipt,
// shifted past weekends and holidays; the chair extends once; the list
// flags cases due soon and overdue as the clock moves.
func TestCaseDeadlines(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	e.Clock.Set(at(2027, 3, 31)) // the complaints are entered on Wednesday 31 March 2027

	// Dates worked out by hand. Easter 2027 is 28 March: Ascension Day 6 May,
	// Whit Monday 17 May; King's Day Tuesday 27 April; 7 May 2027 is a day
	// designated by Royal Decree.
	tests := []struct {
		name         string
		receivedOn   string
		dueOn        string
		notHandledOn string
	}{
		// 24 Feb + 70 = Wed 5 May (Liberation Day) → Ascension → decree day → weekend → Mon 10 May.
		{"A", "2027-02-24", "2027-05-10", "2027-03-24"},
		// 12 Mar + 70 = Fri 21 May; + 28 = Fri 9 April.
		{"B", "2027-03-12", "2027-05-21", "2027-04-09"},
		// 30 Mar + 70 = Tue 8 June; + 28 = Tue 27 April (King's Day) → Wed 28 April.
		{"C", "2027-03-30", "2027-06-08", "2027-04-28"},
		// 8 Mar + 70 = Mon 17 May (Whit Monday) → Tue 18 May.
		{"D", "2027-03-08", "2027-05-18", "2027-04-05"},
	}
	ids := map[string]string{}
	for _, tc := range tests {
		id := c.File(t, c.Complainant, casetest.Complaint())
		ids[tc.name] = id
		c.Post(t, c.Secretary, id, "register", map[string]any{"received_on": tc.receivedOn}, "registered")
		v, _ := c.Get(t, c.Complainant, id)
		if v.Deadline == nil || v.ReceivedOn != tc.receivedOn || v.Deadline.DueOn != tc.dueOn || v.Deadline.NotHandledDueOn != tc.notHandledOn {
			t.Errorf("%s received %s: got received %s deadline %+v, want due %s, not handled by %s",
				tc.name, tc.receivedOn, v.ReceivedOn, v.Deadline, tc.dueOn, tc.notHandledOn)
		}
	}
	v, _ := c.Get(t, c.Secretary, ids["A"])
	if d := v.Deadline; d.DaysLeft != 40 || d.Overdue || d.DueSoon || d.Extended {
		// 31 March → 10 May is 40 days.
		t.Errorf("A on 31 March: %+v", d)
	}

	// The chair extends C once by four weeks; a second time is refused.
	c.Post(t, c.Chair, ids["C"], "extension", map[string]any{"reason": "Getuigen pas in juni beschikbaar."}, "registered")
	v, _ = c.Get(t, c.Complainant, ids["C"])
	if v.Deadline == nil || v.Deadline.DueOn != "2027-07-06" || !v.Deadline.Extended {
		// 30 Mar + 98 = Tue 6 July.
		t.Errorf("C after the extension: %+v", v.Deadline)
	}
	evs := c.Events(t, c.Complainant, ids["C"])
	if last := evs[len(evs)-1]; last.Kind != "extended" || last.Reason != "Getuigen pas in juni beschikbaar." {
		t.Errorf("the complainant is not told of the extension: %+v", last)
	}
	before := c.Row(t, ids["C"])
	casetest.Problem(t, e.Do(c.Chair, "POST", "/api/v1/cases/"+ids["C"]+"/extension", map[string]any{"reason": "Nog eens"}), 409, "already-extended")
	if after := c.Row(t, ids["C"]); after != before {
		t.Errorf("a refused extension changed the case: %+v → %+v", before, after)
	}
	if v, _ = c.Get(t, c.Secretary, ids["C"]); v.Deadline.DueOn != "2027-07-06" {
		t.Errorf("a refused extension moved the due date to %s", v.Deadline.DueOn)
	}

	list := func(query string) []string {
		t.Helper()
		page := listCases(t, e, c.Secretary, "?"+query)
		var names []string
		for _, it := range page.Items {
			for name, id := range ids {
				if id == it.ID {
					names = append(names, name)
				}
			}
		}
		if page.Total != len(page.Items) {
			t.Errorf("%s: total %d but %d items", query, page.Total, len(page.Items))
		}
		slices.Sort(names)
		return names
	}
	for _, tc := range []struct {
		today time.Time
		query string
		want  []string
	}{
		{at(2027, 3, 31), "flag=overdue", nil},
		{at(2027, 3, 31), "flag=due_soon", nil},
		// 26 April → 10 May holds six working days (27 April and 5–7 May are holidays); D is eleven away.
		{at(2027, 4, 26), "flag=due_soon", []string{"A"}},
		{at(2027, 4, 26), "flag=overdue", nil},
		// On its due day a case is still in time.
		{at(2027, 5, 10), "flag=overdue", nil},
		{at(2027, 5, 11), "flag=overdue", []string{"A"}},
		// 11 May → 21 May: seven working days (Whit Monday 17 May); D on the 18th; C is extended.
		{at(2027, 5, 11), "flag=due_soon", []string{"B", "D"}},
		{at(2027, 5, 11), "dueBefore=2027-05-18", []string{"A", "D"}},
		{at(2027, 7, 7), "flag=overdue", []string{"A", "B", "C", "D"}},
	} {
		e.Clock.Set(tc.today)
		if got := list(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("on %s, %s: %v, want %v", tc.today.Format(time.DateOnly), tc.query, got, tc.want)
		}
	}
	e.Clock.Set(at(2027, 5, 11))
	v, _ = c.Get(t, c.Secretary, ids["B"])
	if d := v.Deadline; d.DaysLeft != 10 || d.WorkingDaysLeft != 7 || !d.DueSoon || d.Overdue {
		t.Errorf("B on 11 May: %+v", d)
	}
	v, _ = c.Get(t, c.Secretary, ids["A"])
	if d := v.Deadline; d.DaysLeft != -1 || !d.Overdue || d.DueSoon {
		t.Errorf("A on 11 May: %+v", d)
	}
	// A case that is no longer open is never flagged.
	c.Post(t, c.Complainant, ids["A"], "withdraw", nil, "withdrawn")
	if got := list("flag=overdue"); len(got) != 0 {
		t.Errorf("overdue after the withdrawal: %v", got)
	}
}

// TestAdviceNeedsBothSidesHeard: the advice waits until the complainant and
// the respondent have both been heard (Awb 9:10), together or apart.
func TestAdviceNeedsBothSidesHeard(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "investigating")
	hold := func(parties string) {
		t.Helper()
		var h struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		}
		c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/hearings", map[string]any{"planned_at": c.HeldAt(), "parties": parties, "minutes": "Gehoord."}).Decode(t, &h)
		c.E.Must(200, c.Member, "PUT", "/api/v1/cases/"+id+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Gehoord: " + parties, "held": true})
	}
	refused := func() {
		t.Helper()
		before := c.Row(t, id)
		casetest.Problem(t, c.E.Do(c.Chair, "POST", "/api/v1/cases/"+id+"/advice", casetest.AdviceBody()), 409, "not-heard")
		if after := c.Row(t, id); after != before {
			t.Fatalf("changed: %+v → %+v", before, after)
		}
		if n := c.Count(t, "advices", "case_id = ?", id); n != 0 {
			t.Fatal("a refused advice was stored")
		}
	}
	refused()
	hold("complainant")
	refused()
	hold("witness")
	refused()
	hold("respondent")
	c.Post(t, c.Chair, id, "advice", casetest.AdviceBody(), "advised")
	// Each side sees the record of its own hearing only; the authority all.
	v, _ := c.Get(t, c.Respondent, id)
	if len(v.Hearings) != 1 || v.Hearings[0].Minutes != "Gehoord: respondent" {
		t.Errorf("the respondent sees hearings %+v", v.Hearings)
	}
	if v, _ = c.Get(t, c.Authority, id); len(v.Hearings) != 3 {
		t.Errorf("the authority sees %d hearings, want 3", len(v.Hearings))
	}
}
