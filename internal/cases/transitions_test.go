package cases_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

var allStates = []string{"submitted", "registered", "awaiting_information", "admissible", "inadmissible",
	"investigating", "advised", "decided", "withdrawn", "resolved_informally", "closed"}

// caseStep is one step a person can take on a case, with the states it is
// legal in according to docs/design.md §2, written out here rather than taken from
// the code under test.
type caseStep struct {
	name  string
	who   func(*cast) *apptest.Person
	path  string
	body  func(*cast) any
	legal []string
	// typ is the problem type of the refusal in any other state.
	typ string
	// unknownBefore lists states in which the caller may not know the case
	// exists (the authority relates to a case only once it is advised), so
	// the refusal is 404.
	unknownIn []string
}

var caseSteps = []caseStep{
	{name: "register", who: func(c *cast) *apptest.Person { return c.Secretary }, path: "register",
		legal: []string{"submitted"}, typ: "illegal-transition"},
	{name: "information-request", who: func(c *cast) *apptest.Person { return c.Secretary }, path: "information-request",
		body:  func(*cast) any { return map[string]any{"what": "Data"} },
		legal: []string{"registered"}, typ: "illegal-transition"},
	{name: "information", who: func(c *cast) *apptest.Person { return c.Complainant }, path: "information",
		body:  func(*cast) any { return map[string]any{"text": "Hier is het"} },
		legal: []string{"awaiting_information"}, typ: "illegal-transition"},
	{name: "admissible", who: func(c *cast) *apptest.Person { return c.Chair }, path: "admissibility",
		body:  func(*cast) any { return map[string]any{"admissible": true} },
		legal: []string{"registered"}, typ: "illegal-transition"},
	{name: "inadmissible", who: func(c *cast) *apptest.Person { return c.Chair }, path: "admissibility",
		body: func(*cast) any {
			return map[string]any{"admissible": false, "ground": "incomplete", "reason": "Onvolledig"}
		},
		legal: []string{"registered", "awaiting_information"}, typ: "illegal-transition"},
	{name: "panel", who: func(c *cast) *apptest.Person { return c.Chair }, path: "panel",
		body:  func(c *cast) any { return map[string]any{"member_ids": []string{c.Member.ID.String()}} },
		legal: []string{"admissible", "investigating"}, typ: "illegal-transition"},
	{name: "investigation", who: func(c *cast) *apptest.Person { return c.Secretary }, path: "investigation",
		body:  func(c *cast) any { return map[string]any{"respondent_email": c.Respondent.Email} },
		legal: []string{"admissible"}, typ: "illegal-transition"},
	{name: "advice", who: func(c *cast) *apptest.Person { return c.Chair }, path: "advice",
		body:  func(*cast) any { return casetest.AdviceBody() },
		legal: []string{"investigating"}, typ: "illegal-transition"},
	{name: "decision", who: func(c *cast) *apptest.Person { return c.Authority }, path: "decision",
		body:  func(*cast) any { return map[string]any{"follows_advice": true} },
		legal: []string{"advised"}, typ: "illegal-transition",
		unknownIn: []string{"submitted", "registered", "awaiting_information", "admissible", "inadmissible",
			"investigating", "withdrawn", "resolved_informally"}},
	{name: "withdraw", who: func(c *cast) *apptest.Person { return c.Complainant }, path: "withdraw",
		legal: []string{"submitted", "registered", "awaiting_information", "admissible", "investigating"}, typ: "illegal-transition"},
	{name: "informal-resolution", who: func(c *cast) *apptest.Person { return c.Chair }, path: "informal-resolution",
		body: func(*cast) any {
			return map[string]any{"reason": "Bemiddeld", "complainant_consented": true, "respondent_consented": true}
		},
		legal: []string{"investigating"}, typ: "illegal-transition"},
	{name: "close", who: func(c *cast) *apptest.Person { return c.Secretary }, path: "close",
		legal: []string{"inadmissible", "decided", "withdrawn", "resolved_informally"}, typ: "illegal-transition"},
	// Steps that do not move the case but belong to some states only.
	{name: "hearing", who: func(c *cast) *apptest.Person { return c.Secretary }, path: "hearings",
		body:  func(c *cast) any { return map[string]any{"planned_at": c.PlannedAt(), "parties": "both"} },
		legal: []string{"investigating"}, typ: "case-not-investigating"},
	{name: "extension", who: func(c *cast) *apptest.Person { return c.Chair }, path: "extension",
		body:  func(*cast) any { return map[string]any{"reason": "Drukte"} },
		legal: []string{"registered", "awaiting_information", "admissible", "investigating"}, typ: "not-extendable"},
	{name: "statement", who: func(c *cast) *apptest.Person { return c.Complainant }, path: "statements",
		body:  func(*cast) any { return map[string]any{"body": "Aanvulling"} },
		legal: []string{"registered", "awaiting_information", "admissible", "investigating"}, typ: "case-not-open"},
}

// TestIllegalTransitions tries, in every state, every step that is not
// legal there: each is refused with 409 and its problem type, and the case
// keeps its state and version.
func TestIllegalTransitions(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	for _, state := range allStates {
		t.Run(state, func(t *testing.T) {
			id := c.CaseIn(t, state)
			for _, s := range caseSteps {
				if slices.Contains(s.legal, state) {
					continue
				}
				before := c.Row(t, id)
				var body any = map[string]any{}
				if s.body != nil {
					body = s.body(c)
				}
				r := c.E.Do(s.who(c), "POST", "/api/v1/cases/"+id+"/"+s.path, body)
				if slices.Contains(s.unknownIn, state) {
					casetest.Problem(t, r, 404, "not-found")
				} else {
					casetest.Problem(t, r, 409, s.typ)
				}
				if after := c.Row(t, id); after != before {
					t.Errorf("%s in %s changed the case: %+v → %+v", s.name, state, before, after)
				}
			}
			// Evidence is added while the case is being handled, and not after.
			before := c.Row(t, id)
			r := c.Upload(t, c.Complainant, id, "bewijs.pdf", "application/pdf", casetest.PDF)
			switch state {
			case "submitted", "registered", "awaiting_information", "admissible", "investigating":
				if r.Status != 201 {
					t.Errorf("attachment in %s: %d %s", state, r.Status, r.Body)
				}
			default:
				casetest.Problem(t, r, 409, "case-not-open")
				if after := c.Row(t, id); after != before {
					t.Errorf("a refused attachment changed the case: %+v → %+v", before, after)
				}
			}
		})
	}
}

// TestLegalSteps checks that every state of the design is reachable and
// that the legal steps in the table above succeed from every state they name.
func TestLegalSteps(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	for _, s := range caseSteps {
		for _, state := range s.legal {
			t.Run(s.name+"/"+state, func(t *testing.T) {
				id := c.CaseIn(t, state)
				switch s.name {
				case "advice":
					c.HearHeld(t, id)
				case "investigation":
					c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String()}})
				}
				var body any = map[string]any{}
				if s.body != nil {
					body = s.body(c)
				}
				before := c.Row(t, id)
				r := c.E.Do(s.who(c), "POST", "/api/v1/cases/"+id+"/"+s.path, body)
				if r.Status != 200 && r.Status != 201 {
					t.Fatalf("%s in %s: %d %s", s.name, state, r.Status, r.Body)
				}
				if after := c.Row(t, id); after.Version <= before.Version {
					t.Errorf("%s did not bump the version: %+v → %+v", s.name, before, after)
				}
			})
		}
	}
}

// TestConflictOfInterest: a member or chair who works at the complainant's
// or the respondent's ministry, who is a party, or who declared a conflict
// is refused with the reason per member, and nobody is assigned.
func TestConflictOfInterest(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	// A committee member who is also a complainant in a case of their own.
	member3 := e.Person("lid3@test.rkc", "SZW", apptest.Grant("member", "*"), apptest.Grant("complainant", "SZW"))

	caseA := c.CaseIn(t, "admissible") // complainant BZK, respondent BZK
	finBody := casetest.Complaint()
	finBody["respondent"] = map[string]any{"name": "B. Bakker", "ministry": "BZK"}
	caseB := c.File(t, c.Complainant2, finBody) // complainant FIN, respondent BZK
	casetest.StepRegister(c.Cast, t, caseB)
	casetest.StepAdmit(c.Cast, t, caseB)
	caseC := c.File(t, member3, casetest.Complaint()) // complainant SZW (member3 themself)
	casetest.StepRegister(c.Cast, t, caseC)
	casetest.StepAdmit(c.Cast, t, caseC)

	// The member declares a conflict in case A after being assigned: they
	// leave the panel and lose sight of the case.
	e.Must(200, c.Chair, "POST", "/api/v1/cases/"+caseA+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String()}})
	e.Must(204, c.Member, "POST", "/api/v1/cases/"+caseA+"/conflicts", map[string]any{"reason": "Oud-collega van klager"})
	casetest.Problem(t, e.Do(c.Member, "GET", "/api/v1/cases/"+caseA, nil), 404, "not-found")
	if v, _ := c.Get(t, c.Secretary, caseA); len(v.Panel) != 0 {
		t.Fatalf("the member stayed on the panel: %+v", v.Panel)
	}

	tests := []struct {
		name    string
		caseID  string
		members []*apptest.Person
		reasons map[*apptest.Person]string // who is refused, and a word of the reason
	}{
		{"complainant's ministry", caseA, []*apptest.Person{c.Member2}, map[*apptest.Person]string{c.Member2: "complainant's ministry"}},
		{"respondent's ministry", caseB, []*apptest.Person{c.Member2, c.Member}, map[*apptest.Person]string{c.Member2: "respondent's ministry"}},
		{"a party", caseC, []*apptest.Person{member3, c.Chair}, map[*apptest.Person]string{member3: "party"}},
		{"declared a conflict", caseA, []*apptest.Person{c.Member, c.Chair}, map[*apptest.Person]string{c.Member: "declared a conflict"}},
		{"not on the committee", caseA, []*apptest.Person{c.Adviser}, map[*apptest.Person]string{c.Adviser: "not a member"}},
		{"several at once", caseA, []*apptest.Person{c.Chair, c.Member2, c.Member}, map[*apptest.Person]string{
			c.Member2: "complainant's ministry", c.Member: "declared a conflict"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := c.Row(t, tc.caseID)
			panelBefore := c.Count(t, "panel_members", "case_id = ?", tc.caseID)
			ids := []string{}
			for _, m := range tc.members {
				ids = append(ids, m.ID.String())
			}
			r := e.Do(c.Chair, "POST", "/api/v1/cases/"+tc.caseID+"/panel", map[string]any{"member_ids": ids})
			errs := casetest.Problem(t, r, 409, "conflict-of-interest")
			if len(errs) != len(tc.reasons) {
				t.Errorf("reasons %v, want one for each of %d members", errs, len(tc.reasons))
			}
			for p, word := range tc.reasons {
				if !strings.Contains(errs[p.ID.String()], word) {
					t.Errorf("reason for %s is %q, want it to say %q", p.Email, errs[p.ID.String()], word)
				}
			}
			if after := c.Row(t, tc.caseID); after != before {
				t.Errorf("a refused panel changed the case: %+v → %+v", before, after)
			}
			if n := c.Count(t, "panel_members", "case_id = ?", tc.caseID); n != panelBefore {
				t.Errorf("panel members %d → %d", panelBefore, n)
			}
		})
	}

	// A panel without conflicts is assigned.
	e.Must(200, c.Chair, "POST", "/api/v1/cases/"+caseB+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})

	// admitted files body for the second complainant and takes it to an
	// admitted case with a panel of members.
	admitted := func(t *testing.T, body map[string]any, members ...*apptest.Person) string {
		t.Helper()
		id := c.File(t, c.Complainant2, body)
		casetest.StepRegister(c.Cast, t, id)
		casetest.StepAdmit(c.Cast, t, id)
		e.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": casetest.IDs(members...)})
		return id
	}
	// refusedInvestigation starts the investigation of id with respondent,
	// which must be refused as a conflict of interest and change nothing; it
	// returns the reasons per member.
	refusedInvestigation := func(t *testing.T, id, respondent string) map[string]string {
		t.Helper()
		before := c.Row(t, id)
		r := e.Do(c.Secretary, "POST", "/api/v1/cases/"+id+"/investigation", map[string]any{"respondent_email": respondent})
		errs := casetest.Problem(t, r, 409, "conflict-of-interest")
		if after := c.Row(t, id); after != before {
			t.Errorf("changed: %+v → %+v", before, after)
		}
		return errs
	}
	t.Run("respondent's ministry learnt at the investigation", func(t *testing.T) {
		// The complainant did not name the respondent's ministry, so a BZK
		// member could sit; once the respondent turns out to work at BZK, the
		// investigation must not start with that panel.
		body := casetest.Complaint()
		body["respondent"] = map[string]any{"name": "C. Visser"}
		id := admitted(t, body, c.Member2, c.Chair)
		errs := refusedInvestigation(t, id, c.Respondent.Email)
		if !strings.Contains(errs[c.Member2.ID.String()], "respondent's ministry") || len(errs) != 1 {
			t.Errorf("reasons %v", errs)
		}
		casetest.Problem(t, e.Do(c.Respondent, "GET", "/api/v1/cases/"+id, nil), 404, "not-found")
		// With a panel free of conflicts it starts.
		e.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String()}})
		c.Post(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
	})
	t.Run("a panel member named as respondent", func(t *testing.T) {
		id := admitted(t, casetest.Complaint(), c.Member, c.Chair)
		errs := refusedInvestigation(t, id, c.Member.Email)
		if !strings.Contains(errs[c.Member.ID.String()], "party") {
			t.Errorf("reasons %v", errs)
		}
	})
}

// TestStaleVersion: a step with an old version is refused, never applied
// over someone else's change.
func TestStaleVersion(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	id := c.CaseIn(t, "registered") // version 2
	base := "/api/v1/cases/" + id

	ifMatch := func(version string, body any) *apptest.Response {
		req, err := http.NewRequest("POST", e.Server.URL+base+"/admissibility", bytes.NewReader(casetest.MustJSON(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", version)
		return e.Send(c.Chair, req)
	}
	before := c.Row(t, id)
	if before.Version != 2 {
		t.Fatalf("version %d after registration, want 2", before.Version)
	}
	casetest.Problem(t, ifMatch(`"1"`, map[string]any{"admissible": true}), 409, "stale-version")
	casetest.Problem(t, e.Do(c.Chair, "POST", base+"/admissibility", map[string]any{"admissible": true, "version": 1}), 409, "stale-version")
	errs := casetest.Problem(t, ifMatch(`"2"`, map[string]any{"admissible": true, "version": 1}), 400, "validation")
	if errs["version"] == "" {
		t.Errorf("errors %v", errs)
	}
	casetest.Problem(t, ifMatch(`"abc"`, map[string]any{"admissible": true}), 400, "validation")
	if after := c.Row(t, id); after != before {
		t.Fatalf("a stale step changed the case: %+v → %+v", before, after)
	}
	// The ETag of a read is what If-Match takes.
	_, r := c.Get(t, c.Chair, id)
	if r.Header.Get("ETag") != `"2"` {
		t.Fatalf("ETag %q", r.Header.Get("ETag"))
	}
	if r := ifMatch(r.Header.Get("ETag"), map[string]any{"admissible": true}); r.Status != 200 {
		t.Fatalf("current version refused: %d %s", r.Status, r.Body)
	}

	t.Run("concurrent hearing records", func(t *testing.T) {
		id := c.CaseIn(t, "investigating")
		var h struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		}
		e.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/hearings", map[string]any{"planned_at": c.HeldAt(), "parties": "both", "minutes": "Eerste verslag."}).Decode(t, &h)
		path := e.Server.URL + "/api/v1/cases/" + id + "/hearings/" + h.ID
		minutes := []string{"Verslag van de secretaris.", "Verslag van het lid."}
		authors := []*apptest.Person{c.Secretary, c.Member}
		statuses := make([]int, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("PUT", path, bytes.NewReader(casetest.MustJSON(map[string]any{"version": h.Version, "minutes": minutes[i], "held": true})))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+authors[i].Token)
				<-start
				res, err := e.Server.Client().Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(statuses)
		if statuses[0] != 200 || statuses[1] != 409 {
			t.Fatalf("statuses %v, want one 200 and one 409", statuses)
		}
		v, _ := c.Get(t, c.Secretary, id)
		if len(v.Hearings) != 1 || v.Hearings[0].Version != 2 || !slices.Contains(minutes, v.Hearings[0].Minutes) {
			t.Fatalf("hearing after the race: %+v", v.Hearings)
		}
		// The loser retries with the stale version: still refused, the
		// winner's record stays.
		winner := v.Hearings[0].Minutes
		loser := minutes[0]
		if winner == loser {
			loser = minutes[1]
		}
		casetest.Problem(t, e.Do(c.Member, "PUT", "/api/v1/cases/"+id+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": loser, "held": true}), 409, "stale-version")
		if v, _ := c.Get(t, c.Secretary, id); v.Hearings[0].Minutes != winner {
			t.Fatalf("the winner's record was overwritten: %q", v.Hearings[0].Minutes)
		}
		// One for the hearing recorded after the fact, one for the winner's
		// correction; none for the loser.
		if n := c.Count(t, "case_events", "case_id = ? AND kind = 'hearing_recorded'", id); n != 2 {
			t.Fatalf("%d hearing_recorded events, want 2", n)
		}
	})
}

// TestStaleVersionWithoutBodyVersion: a step whose body names no version
// (a statement, evidence, a hearing plan, a legal hold, a conflict) is still
// refused when If-Match names an older version of the case, and changes
// nothing; with the current version it goes through.
func TestStaleVersionWithoutBodyVersion(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	id := c.CaseIn(t, "investigating")
	base := e.Server.URL + "/api/v1/cases/" + id
	send := func(p *apptest.Person, path, ifMatch, contentType string, body []byte) *apptest.Response {
		req, err := http.NewRequest("POST", base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("If-Match", ifMatch)
		return e.Send(p, req)
	}
	var file bytes.Buffer
	w := multipart.NewWriter(&file)
	part, _ := w.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename="bewijs.pdf"`},
		"Content-Type": {"application/pdf"}})
	part.Write(casetest.PDF)
	w.Close()
	steps := []struct {
		name, path, contentType string
		who                     *apptest.Person
		body                    []byte
		want                    int
	}{
		{"statement", "/statements", "application/json", c.Complainant, casetest.MustJSON(map[string]any{"body": "Aanvulling"}), 201},
		{"evidence", "/attachments", w.FormDataContentType(), c.Complainant, file.Bytes(), 201},
		{"hearing plan", "/hearings", "application/json", c.Secretary, casetest.MustJSON(map[string]any{"planned_at": c.PlannedAt(), "parties": "both"}), 201},
		{"legal hold", "/legal-hold", "application/json", c.Chair, casetest.MustJSON(map[string]any{"hold": true, "reason": "Beroep"}), 200},
		{"conflict", "/conflicts", "application/json", c.Member, casetest.MustJSON(map[string]any{"reason": "Ik ken de klager."}), 204},
	}
	for _, s := range steps {
		before := c.Row(t, id)
		stale := strconv.Quote(strconv.Itoa(before.Version - 1))
		casetest.Problem(t, send(s.who, s.path, stale, s.contentType, s.body), 409, "stale-version")
		if after := c.Row(t, id); after != before {
			t.Fatalf("%s with a stale If-Match changed the case: %+v → %+v", s.name, before, after)
		}
		if r := send(s.who, s.path, strconv.Quote(strconv.Itoa(before.Version)), s.contentType, s.body); r.Status != s.want {
			t.Fatalf("%s with the current If-Match: %d %s, want %d", s.name, r.Status, r.Body, s.want)
		}
	}
}
