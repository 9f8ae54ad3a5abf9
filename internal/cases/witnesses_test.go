package cases_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// TestWitnesses: the secretary adds witnesses, invites one to a hearing and
// records their statement; the witness sees only their own part.
func TestWitnesses(t *testing.T) {
	t.Parallel()
	c := casetest.NewConv(t)
	id := c.CaseIn(t, "investigating")
	base := "/api/v1/cases/" + id

	// Refused: a party, a member of the panel, someone without an account,
	// the same person twice; a role that may not.
	for _, p := range []*apptest.Person{c.Complainant, c.Respondent, c.Member} {
		casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee", "email": p.Email}), 400, "validation")
	}
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee", "email": "niemand@test.rkc"}), 400, "validation")
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "de buurman"}), 400, "validation")
	for _, p := range []*apptest.Person{c.Chair, c.Member, c.Complainant, c.Respondent} {
		if r := c.E.Do(p, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee"}); r.Status != 403 {
			t.Errorf("%s adds a witness: %d, want 403", p.Email, r.Status)
		}
	}
	w1 := c.AddWitness(t, id, "Jansen", c.Witness)
	if got := casetest.Recipients(c.Sent("witness_added")); !slices.Equal(got, casetest.IDs(c.Witness)) {
		t.Errorf("witness_added told %v", got)
	}
	w2 := c.AddWitness(t, id, "Pietersen", c.Witness2)
	w3 := c.AddWitness(t, id, "De Boer", nil) // reached by telephone
	if !w1.HasAccount || w3.HasAccount || w3.Contact != "06-De Boer" {
		t.Errorf("witnesses %+v %+v", w1, w3)
	}
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/witnesses", map[string]any{"name": "Jansen", "proposed_by": "committee", "email": c.Witness.Email}), 400, "validation")
	// A member of the committee who witnessed the behaviour cannot sit on
	// the panel.
	lid3 := c.E.Person("lid3@test.rkc", "AZ", apptest.Grant("member", "*"))
	c.AddWitness(t, id, "Lid drie", lid3)
	errs := casetest.Problem(t, c.E.Do(c.Chair, "POST", base+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), lid3.ID.String()}}), 409, "conflict-of-interest")
	if errs[lid3.ID.String()] != "is a witness in the case" {
		t.Errorf("panel refused with %v", errs)
	}

	// A hearing of the witness, and their statement.
	var h struct {
		ID        string `json:"id"`
		Version   int    `json:"version"`
		WitnessID string `json:"witness_id"`
	}
	c.E.Must(201, c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.PlannedAt(), "parties": "witness",
		"witness_id": w1.ID, "location": "Den Haag, zaal 3"}).Decode(t, &h)
	if h.WitnessID != w1.ID {
		t.Errorf("the hearing names witness %q", h.WitnessID)
	}
	if got := casetest.Recipients(c.Sent("hearing_planned")); !slices.Equal(got, casetest.IDs(c.Witness)) {
		t.Errorf("the witness hearing was told to %v", got)
	}
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.PlannedAt(), "parties": "both", "witness_id": w1.ID}), 400, "validation")
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.PlannedAt(), "parties": "witness", "witness_id": uuid.NewString()}), 400, "validation")
	c.E.Must(200, c.Member, "PUT", base+"/hearings/"+h.ID, map[string]any{"version": 1, "minutes": "Getuige Jansen gehoord."})
	const statement = "Ik zag op 3 maart dat de leidinggevende klager uitlachte in het overleg."
	var st casetest.WitnessOut
	c.E.Must(200, c.Secretary, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 1, "statement": statement}).Decode(t, &st)
	if st.Version != 2 || st.Statement != statement {
		t.Errorf("recorded statement %+v", st)
	}
	casetest.Problem(t, c.E.Do(c.Secretary, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 1, "statement": "Oud"}), 409, "stale-version")
	casetest.Problem(t, c.E.Do(c.Secretary, "PUT", base+"/witnesses/"+uuid.NewString()+"/statement", map[string]any{"version": 1, "statement": "x"}), 404, "not-found")
	c.E.Must(200, c.Secretary, "PUT", base+"/witnesses/"+w2.ID+"/statement", map[string]any{"version": 1, "statement": "Ik was er niet bij."})
	if r := c.E.Do(c.Member, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 2, "statement": "x"}); r.Status != 403 {
		t.Errorf("a member records a statement: %d, want 403", r.Status)
	}

	// The committee reads every witness; a witness only themself.
	var all struct{ Items []casetest.WitnessOut }
	c.E.Must(200, c.Member, "GET", base+"/witnesses", nil).Decode(t, &all)
	if len(all.Items) != 4 {
		t.Errorf("the panel sees %d witnesses", len(all.Items))
	}
	var mine struct{ Items []casetest.WitnessOut }
	c.E.Must(200, c.Witness, "GET", base+"/witnesses", nil).Decode(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != w1.ID || mine.Items[0].Statement != statement {
		t.Errorf("the witness sees %+v", mine.Items)
	}
	for p, want := range map[*apptest.Person]int{c.Complainant: 403, c.Respondent: 403, c.Member2: 404, c.Authority: 403} {
		if r := c.E.Do(p, "GET", base+"/witnesses", nil); r.Status != want {
			t.Errorf("%s lists the witnesses: %d, want %d", p.Email, r.Status, want)
		}
	}

	// The case as the witness sees it: their hearing and statement, nothing
	// of the complaint, nothing of the other witness.
	r := c.E.Must(200, c.Witness, "GET", base, nil)
	var v struct {
		Relation    string `json:"relation"`
		Category    string `json:"category"`
		Description string `json:"description"`
		Elements    []any  `json:"elements"`
		Hearings    []struct {
			ID       string `json:"id"`
			Minutes  string `json:"minutes"`
			Location string `json:"location"`
		} `json:"hearings"`
		Witness *casetest.WitnessOut `json:"witness"`
	}
	r.Decode(t, &v)
	if v.Relation != "witness" || v.Category != "" || v.Description != "" || len(v.Elements) != 0 {
		t.Errorf("the witness reads the case as %s", r.Body)
	}
	if len(v.Hearings) != 1 || v.Hearings[0].ID != h.ID || v.Hearings[0].Location != "Den Haag, zaal 3" || v.Hearings[0].Minutes == "" {
		t.Errorf("the witness sees hearings %+v", v.Hearings)
	}
	if v.Witness == nil || v.Witness.Statement != statement {
		t.Errorf("the witness does not see their statement: %+v", v.Witness)
	}
	for _, s := range []string{casetest.DescriptText, casetest.ContactText, casetest.WitnessText, casetest.Element1Text, "Ik was er niet bij", "Pietersen", "Beide partijen"} {
		if bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("the witness's view holds %q", s)
		}
	}
	r2 := c.E.Must(200, c.Witness2, "GET", base, nil)
	if bytes.Contains(r2.Body, []byte(statement)) || bytes.Contains(r2.Body, []byte(h.ID)) {
		t.Errorf("the second witness sees the first's statement or hearing")
	}
	// The case is in each witness's list, without what it is about.
	list := listCases(t, c.E, c.Witness, "")
	if len(list.Items) != 1 || list.Items[0].ID != id || list.Items[0].Category != "" {
		t.Errorf("the witness's list: %+v", list.Items)
	}
	// The parties do not see the witness hearing or who the witnesses are.
	for _, p := range []*apptest.Person{c.Complainant, c.Respondent} {
		r := c.E.Must(200, p, "GET", base, nil)
		if bytes.Contains(r.Body, []byte(h.ID)) || bytes.Contains(r.Body, []byte("Jansen gehoord")) || bytes.Contains(r.Body, []byte(statement)) {
			t.Errorf("%s sees the witness hearing or statement", p.Email)
		}
		for _, e := range c.Events(t, p, id) {
			if strings.HasPrefix(e.Kind, "witness_") {
				t.Errorf("%s sees %s on the timeline", p.Email, e.Kind)
			}
		}
	}
	// Sealed and bound to their row.
	for _, s := range []string{"Jansen", statement} {
		if n := c.Count(t, "witnesses", "position(convert_to(?, 'UTF8') in name_enc) > 0 OR position(convert_to(?, 'UTF8') in coalesce(statement_enc, '')) > 0", s, s); n != 0 {
			t.Errorf("%q is stored in the clear", s)
		}
	}
	// The witness's own export: their record and statement, nothing else.
	exp := c.E.Must(200, c.Witness, "GET", "/api/v1/me/export", nil)
	if !bytes.Contains(exp.Body, []byte(statement)) || bytes.Contains(exp.Body, []byte(casetest.DescriptText)) || bytes.Contains(exp.Body, []byte("Pietersen")) {
		t.Errorf("the witness's export: %s", exp.Body)
	}
	// After the advice, no more witness work.
	casetest.StepAdvise(c.Cast, t, id)
	casetest.Problem(t, c.E.Do(c.Secretary, "POST", base+"/witnesses", map[string]any{"name": "Laat", "proposed_by": "committee"}), 409, "case-not-open")
}
