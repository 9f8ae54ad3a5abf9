package authz

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	gosync "sync"
	"testing"

	"github.com/labstack/echo/v4"
)

// ministries are the sixteen domains of docs/design.md §1.
var ministries = []string{"AZ", "BZ", "BZK", "DEF", "EZ", "FIN", "IenW", "JenV", "KGG", "LVVN", "OCW", "SZW", "VWS", "VRO", "AenM", "RCN"}

func newTestEnforcer(t testing.TB) *Enforcer {
	t.Helper()
	en, err := NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func syncGrants(t testing.TB, en *Enforcer, person string, grants ...Grant) {
	t.Helper()
	if err := en.Sync(person, grants); err != nil {
		t.Fatalf("sync %s: %v", person, err)
	}
}

func g(role, domain string) Grant { return Grant{Role: role, Domain: domain} }

// A grant in '*' (the committee's own staff) holds in every ministry.
func TestGrantInAnyDomainMatchesEveryMinistry(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "sec", g(Secretary, AnyDomain))
	syncGrants(t, en, "chair", g(Chair, AnyDomain))
	for _, m := range append(slices.Clone(ministries), AnyDomain) {
		if !en.Allowed("sec", m, "case:register") {
			t.Errorf("secretary@* may not register in %s", m)
		}
		if !en.Allowed("chair", m, "case:admissibility") {
			t.Errorf("chair@* may not rule on admissibility in %s", m)
		}
		// The grant holds everywhere, but only for what the role may do.
		if en.Allowed("sec", m, "case:admissibility") {
			t.Errorf("secretary@* may rule on admissibility in %s", m)
		}
		if en.Allowed("chair", m, "case:decision") {
			t.Errorf("chair@* may record the authority's decision in %s", m)
		}
	}
}

// A grant in one ministry opens nothing in another, nor committee-wide.
func TestGrantInOneMinistryDoesNotOpenAnother(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "gezag-bzk", g(Authority, "BZK"))
	syncGrants(t, en, "klager-fin", g(Complainant, "FIN"))
	syncGrants(t, en, "staff", g(Secretary, AnyDomain)) // other grants in '*' must not leak into BZK's
	cases := []struct {
		person, domain, action string
		want                   bool
	}{
		{"gezag-bzk", "BZK", "case:decision", true},
		{"gezag-bzk", "BZK", "case:read", true},
		{"gezag-bzk", "FIN", "case:decision", false},
		{"gezag-bzk", "FIN", "case:read", false},
		{"gezag-bzk", AnyDomain, "case:decision", false},
		{"gezag-bzk", "BZK", "case:register", false},
		{"klager-fin", "FIN", "case:file", true},
		{"klager-fin", "BZK", "case:file", false},
		{"klager-fin", AnyDomain, "case:file", false},
		{"klager-fin", "FIN", "case:hearing", false},
		{"nobody", "FIN", "case:read", false},
	}
	for _, c := range cases {
		if got := en.Allowed(c.person, c.domain, c.action); got != c.want {
			t.Errorf("Allowed(%s, %s, %s) = %v, want %v", c.person, c.domain, c.action, got, c.want)
		}
	}
}

// The policy's domain column counts: a line for one ministry does not hold in
// another (the embedded policy uses '*' throughout, so this is checked on a
// policy of its own).
func TestPolicyDomainColumn(t *testing.T) {
	en, err := newEnforcer(modelText, "p, authority, BZK, case:special\np, authority, *, case:read\n")
	if err != nil {
		t.Fatal(err)
	}
	syncGrants(t, en, "a", g(Authority, "BZK"), g(Authority, "FIN"))
	if !en.Allowed("a", "BZK", "case:special") {
		t.Error("the BZK line does not hold in BZK")
	}
	if en.Allowed("a", "FIN", "case:special") {
		t.Error("the BZK line holds in FIN")
	}
	if !en.Allowed("a", "FIN", "case:read") {
		t.Error("the '*' line does not hold in FIN")
	}
	if got := en.Domains("a", "case:special"); !slices.Equal(got, []string{"BZK"}) {
		t.Errorf("Domains = %v, want [BZK]", got)
	}
}

func TestAuthzPolicyRejectsMalformedLines(t *testing.T) {
	for _, bad := range []string{"p, chair, *\n", "g, chair, *, x\n", "p, chair, *, case:read, extra\n", "p, , *, case:read\n", "p, nobody, *, case:read\n", "p, chair, *, case:read\np, chair, *, case:read\n"} {
		if _, err := newEnforcer(modelText, bad); err == nil {
			t.Errorf("policy %q accepted", bad)
		}
	}
}

// Sync makes casbin hold exactly the grants given, and no one else's change.
func TestSyncReplacesGrants(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "p", g(Member, AnyDomain))
	syncGrants(t, en, "q", g(Member, AnyDomain))
	if !en.Allowed("p", "BZK", "case:hearing") {
		t.Fatal("member@* may not plan hearings")
	}
	syncGrants(t, en, "p", g(Complainant, "FIN"))
	if en.Allowed("p", "BZK", "case:hearing") {
		t.Error("the member grant survived the sync")
	}
	if !en.Allowed("p", "FIN", "case:file") {
		t.Error("the new complainant grant is missing")
	}
	if !en.Allowed("q", "BZK", "case:hearing") {
		t.Error("syncing p changed q's grants")
	}
	// The same grants in another order are no change.
	syncGrants(t, en, "p", g(Complainant, "FIN"), g(Adviser, "FIN"))
	syncGrants(t, en, "p", g(Adviser, "FIN"), g(Complainant, "FIN"))
	if !en.Allowed("p", "FIN", "case:file") || !en.Allowed("p", "FIN", "case:supply-information") {
		t.Error("grants lost on a re-sync in another order")
	}
	syncGrants(t, en, "p")
	for _, a := range en.Actions() {
		for _, d := range append(slices.Clone(ministries), AnyDomain) {
			if en.Allowed("p", d, a) {
				t.Errorf("after syncing no grants, p may %s in %s", a, d)
			}
		}
	}
	if got := en.Domains("p", "case:file"); len(got) != 0 {
		t.Errorf("after syncing no grants, Domains = %v", got)
	}
}

// Answers are remembered, but never across a change of grants, even when
// decisions and syncs run at the same time.
func TestSyncWhileDeciding(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "p", g(Member, AnyDomain))
	done := make(chan struct{})
	var wg gosync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
					en.Allowed("p", "BZK", "case:hearing")
					en.Domains("p", "case:file")
				}
			}
		}()
	}
	for i := range 200 {
		if i%2 == 0 {
			syncGrants(t, en, "p", g(Complainant, "BZK"))
		} else {
			syncGrants(t, en, "p", g(Member, AnyDomain))
		}
	}
	syncGrants(t, en, "p", g(Complainant, "BZK"))
	close(done)
	wg.Wait()
	if en.Allowed("p", "BZK", "case:hearing") {
		t.Error("a remembered answer outlived the grant")
	}
	if !en.Allowed("p", "BZK", "case:file") {
		t.Error("the current grant is not honoured")
	}
}

func TestDomains(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "p", g(Complainant, "BZK"), g(Complainant, "FIN"), g(Authority, "FIN"), g(Member, AnyDomain))
	cases := []struct {
		action string
		want   []string
	}{
		{"case:file", []string{"BZK", "FIN"}},
		{"case:decision", []string{"FIN"}},
		// member@* holds in BZK and FIN as well: every grant's domain is named.
		{"case:hearing", []string{AnyDomain, "BZK", "FIN"}},
		{"case:read", []string{AnyDomain, "BZK", "FIN"}},
		{"case:register", nil},
		{"no-such-action", nil},
	}
	for _, c := range cases {
		got := en.Domains("p", c.action)
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Domains(p, %s) = %v, want %v", c.action, got, want)
		}
	}
	if got := en.Domains("stranger", "case:read"); len(got) != 0 {
		t.Errorf("a person without grants has domains %v", got)
	}
}

// What each role may attempt at all, by docs/design.md §1 and §7. Written out here,
// not read from policy.csv, so that a change of the policy is a change of
// this table too.
func TestAuthzRolePermissions(t *testing.T) {
	may := map[string][]string{
		Complainant: {"case:file", "case:list", "case:read", "case:supply-information", "case:statement", "case:attachment", "case:withdraw", "export:self",
			"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"},
		Adviser: {"case:file", "case:list", "case:read", "case:supply-information", "case:statement", "case:attachment", "case:withdraw", "export:self",
			"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"},
		Respondent: {"case:list", "case:read", "case:statement", "case:attachment", "export:self",
			"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"},
		Witness: {"case:list", "case:read", "export:self", "case:thread", "case:message", "case:witness:read",
			"case:retaliation:report", "case:retaliation:read"},
		Secretary: {"case:list", "case:read", "case:register", "case:request-information", "case:investigate", "case:attachment",
			"case:hearing", "case:close", "signal:list", "signal:answer", "signal:abuse", "person:lookup", "export:self", "outbox:read", "report:read",
			"case:thread", "case:message", "case:note:read", "case:note:write", "case:witness", "case:witness:read"},
		Member: {"case:list", "case:read", "case:conflict", "case:attachment", "case:hearing", "export:self",
			"case:thread", "case:message", "case:note:read", "case:note:write", "case:witness:read"},
		Chair: {"case:list", "case:read", "case:admissibility", "case:panel", "case:investigate", "case:conflict", "case:extend",
			"case:attachment", "case:hearing", "case:advice", "case:informal-resolution", "case:close", "case:legal-hold",
			"signal:list", "signal:answer", "signal:abuse", "person:lookup", "export:self", "report:read", "report:write",
			"case:thread", "case:message", "case:note:read", "case:note:write", "case:witness:read", "case:retaliation:read", "case:retaliation:handle",
			"grant:decide"},
		Authority:      {"case:list", "case:read", "case:decision", "export:self"},
		Reporter:       {"export:self", "report:read"},
		Admin:          {"export:self", "account:manage", "grant:decide"},
		PrivacyOfficer: {"audit:read", "audit:verify", "export:person", "export:self", "dsr:manage"}, // no case action: content only through an export under a request
	}
	en := newTestEnforcer(t)
	actions := en.Actions()
	for _, role := range Roles {
		syncGrants(t, en, role, g(role, "VWS"))
		for _, a := range actions {
			want := slices.Contains(may[role], a)
			if got := en.Allowed(role, "VWS", a); got != want {
				t.Errorf("%s may %s: %v, want %v", role, a, got, want)
			}
		}
		for _, a := range may[role] {
			if !slices.Contains(actions, a) {
				t.Errorf("the policy does not name %s (for %s)", a, role)
			}
		}
	}
}

// Every action a relation allows is one some role may attempt, and every
// case action on one case is allowed by some relation: the two layers name
// the same actions.
func TestAuthzRelationsAndPolicyAgree(t *testing.T) {
	en := newTestEnforcer(t)
	actions := en.Actions()
	byRelation := map[string]bool{}
	for rel, acts := range relationActions {
		for a := range acts {
			byRelation[a] = true
			if !slices.Contains(actions, a) {
				t.Errorf("relation %s allows %s, which no role may attempt", rel, a)
			}
		}
	}
	notOnOneCase := map[string]bool{"case:file": true, "case:list": true}
	for _, a := range actions {
		if len(a) > 5 && a[:5] == "case:" && !notOnOneCase[a] && !byRelation[a] {
			t.Errorf("no relation allows %s", a)
		}
	}
}

// CaseAllowed needs a relation that allows the action and a role, in the
// relation's domain, that allows it too.
func TestCaseAllowed(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "lid", g(Member, AnyDomain))
	syncGrants(t, en, "lid-klager", g(Member, AnyDomain), g(Complainant, "BZK"))
	syncGrants(t, en, "voorzitter-klager", g(Chair, AnyDomain), g(Complainant, "BZK"))
	syncGrants(t, en, "secretaris", g(Secretary, AnyDomain))
	syncGrants(t, en, "secretaris-verweerder", g(Secretary, AnyDomain), g(Respondent, "FIN"))
	syncGrants(t, en, "klager", g(Complainant, "BZK"))
	syncGrants(t, en, "klager-fin", g(Complainant, "FIN"))
	syncGrants(t, en, "verweerder", g(Respondent, "FIN"))
	syncGrants(t, en, "gezag-fin", g(Authority, "FIN"))
	syncGrants(t, en, "gezag-bzk", g(Authority, "BZK"))
	syncGrants(t, en, "gezag-klager", g(Authority, "FIN"), g(Complainant, "FIN"))
	syncGrants(t, en, "lid-verweerder", g(Member, AnyDomain), g(Respondent, "FIN"))
	syncGrants(t, en, "fg", g(PrivacyOfficer, AnyDomain))

	rel := func(r Relation, dom string) CaseRelation { return CaseRelation{Relation: r, Domain: dom} }
	cases := []struct {
		name   string
		person string
		rels   []CaseRelation
		action string
		want   Relation // "" for refused
	}{
		{"panel member plans a hearing", "lid", []CaseRelation{rel(RelPanel, "BZK")}, "case:hearing", RelPanel},
		{"panel member reads", "lid", []CaseRelation{rel(RelPanel, "BZK")}, "case:read", RelPanel},
		{"panel member may not sign the advice", "lid", []CaseRelation{rel(RelPanel, "BZK")}, "case:advice", ""},
		{"panel member may not decide", "lid", []CaseRelation{rel(RelPanel, "BZK")}, "case:decision", ""},
		{"member without relation: a role alone opens nothing", "lid", nil, "case:read", ""},
		{"member who complains reads their own case", "lid-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:read", RelComplainant},
		{"member who complains adds a statement", "lid-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:statement", RelComplainant},
		{"member who complains cannot plan hearings in their own case", "lid-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:hearing", ""},
		{"member who complains cannot declare conflicts in their own case", "lid-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:conflict", ""},
		{"chair who complains cannot rule on admissibility", "voorzitter-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:admissibility", ""},
		{"chair who complains cannot compose the panel", "voorzitter-klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:panel", ""},
		{"secretary registers as staff", "secretaris", []CaseRelation{rel(RelStaff, "BZK")}, "case:register", RelStaff},
		{"secretary cannot sign the advice", "secretaris", []CaseRelation{rel(RelStaff, "BZK")}, "case:advice", ""},
		{"secretary who is respondent answers", "secretaris-verweerder", []CaseRelation{rel(RelRespondent, "FIN")}, "case:statement", RelRespondent},
		{"secretary who is respondent cannot plan hearings", "secretaris-verweerder", []CaseRelation{rel(RelRespondent, "FIN")}, "case:hearing", ""},
		{"complainant withdraws", "klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:withdraw", RelComplainant},
		{"complainant cannot register", "klager", []CaseRelation{rel(RelComplainant, "BZK")}, "case:register", ""},
		{"the grant must back the relation's domain", "klager-fin", []CaseRelation{rel(RelComplainant, "BZK")}, "case:read", ""},
		{"respondent answers", "verweerder", []CaseRelation{rel(RelRespondent, "FIN")}, "case:statement", RelRespondent},
		{"respondent cannot withdraw", "verweerder", []CaseRelation{rel(RelRespondent, "FIN")}, "case:withdraw", ""},
		{"authority of the respondent's ministry decides", "gezag-fin", []CaseRelation{rel(RelAuthority, "FIN")}, "case:decision", RelAuthority},
		{"authority reads the report", "gezag-fin", []CaseRelation{rel(RelAuthority, "FIN")}, "case:read", RelAuthority},
		{"authority gets no evidence files", "gezag-fin", []CaseRelation{rel(RelAuthority, "FIN")}, "case:attachment", ""},
		{"authority of another ministry", "gezag-bzk", []CaseRelation{rel(RelAuthority, "FIN")}, "case:decision", ""},
		{"authority who is the complainant reads", "gezag-klager", []CaseRelation{rel(RelComplainant, "FIN"), rel(RelAuthority, "FIN")}, "case:read", RelComplainant},
		{"authority who is the complainant cannot decide their own complaint", "gezag-klager", []CaseRelation{rel(RelComplainant, "FIN"), rel(RelAuthority, "FIN")}, "case:decision", ""},
		{"panel member named respondent answers", "lid-verweerder", []CaseRelation{rel(RelPanel, "BZK"), rel(RelRespondent, "FIN")}, "case:statement", RelRespondent},
		{"panel member named respondent cannot plan hearings", "lid-verweerder", []CaseRelation{rel(RelPanel, "BZK"), rel(RelRespondent, "FIN")}, "case:hearing", ""},
		{"panel member named respondent reads as a party", "lid-verweerder", []CaseRelation{rel(RelPanel, "BZK"), rel(RelRespondent, "FIN")}, "case:read", RelRespondent},
		{"privacy officer never opens a case", "fg", []CaseRelation{rel(RelStaff, "BZK")}, "case:read", ""},
		{"unknown relation", "secretaris", []CaseRelation{rel("friend", "BZK")}, "case:read", ""},
	}
	for _, c := range cases {
		got, ok := en.CaseAllowed(c.person, c.rels, c.action)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s: CaseAllowed = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestAuthzEffectiveRelations(t *testing.T) {
	rel := func(r Relation) CaseRelation { return CaseRelation{Relation: r, Domain: "BZK"} }
	cases := []struct {
		in, want []Relation
	}{
		{nil, nil},
		{[]Relation{RelPanel}, []Relation{RelPanel}},
		{[]Relation{RelPanel, RelStaff}, []Relation{RelPanel, RelStaff}},
		{[]Relation{RelPanel, RelRespondent}, []Relation{RelRespondent}},
		{[]Relation{RelStaff, RelComplainant, RelAuthority}, []Relation{RelComplainant}},
		{[]Relation{RelComplainant, RelAdviser}, []Relation{RelComplainant, RelAdviser}},
		{[]Relation{RelAuthority}, []Relation{RelAuthority}},
	}
	for _, c := range cases {
		var in []CaseRelation
		for _, r := range c.in {
			in = append(in, rel(r))
		}
		var got []Relation
		for _, r := range EffectiveRelations(in) {
			got = append(got, r.Relation)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("EffectiveRelations(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// Require answers 401 without a caller, 403 for a caller whose grants allow
// the action in no domain, and passes the others on.
func TestAuthzRequire(t *testing.T) {
	en := newTestEnforcer(t)
	syncGrants(t, en, "sec", g(Secretary, AnyDomain))
	syncGrants(t, en, "gezag", g(Authority, "FIN"))
	syncGrants(t, en, "rep", g(Reporter, AnyDomain))
	e := echo.New()
	callerOf := func(c echo.Context) (string, bool) {
		id := c.Request().Header.Get("X-Test-Caller")
		return id, id != ""
	}
	denied := func(c echo.Context) error {
		if _, ok := callerOf(c); !ok {
			return c.NoContent(http.StatusUnauthorized)
		}
		return c.NoContent(http.StatusForbidden)
	}
	ok := func(c echo.Context) error { return c.NoContent(http.StatusOK) }
	e.GET("/register", ok, en.Require("case:register", callerOf, denied))
	e.GET("/decision", ok, en.Require("case:decision", callerOf, denied))
	cases := []struct {
		caller, path string
		want         int
	}{
		{"", "/register", 401},
		{"sec", "/register", 200},
		{"gezag", "/register", 403},
		{"rep", "/register", 403},
		{"gezag", "/decision", 200},
		{"sec", "/decision", 403},
		{"stranger", "/decision", 403},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		if c.caller != "" {
			req.Header.Set("X-Test-Caller", c.caller)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%q %s: %d, want %d", c.caller, c.path, rec.Code, c.want)
		}
	}
}

// benchCase is what the case query delivers about one case: its parties, its
// panel and how far it got, from which the caller's relations follow.
type benchCase struct {
	ministry, respMinistry      string
	complainant, adviser, resp  string
	respondentInformed, advised bool
	panel                       []string
	conflicts                   []string
}

// benchPerson is what the case service knows of the caller from their grants.
type benchPerson struct {
	id       string
	staff    bool     // secretary or chair in '*'
	authDoms []string // ministries where they are the authority
}

// relationsOf computes the caller's relations to a case exactly as
// caseRelations (internal/cases/relation.go) and relRow.relations do.
func relationsOf(c *benchCase, p *benchPerson, buf []CaseRelation) []CaseRelation {
	out := buf[:0]
	respDom := c.ministry
	if c.respMinistry != "" {
		respDom = c.respMinistry
	}
	party := p.id == c.complainant || p.id == c.adviser || p.id == c.resp
	if slices.Contains(c.panel, p.id) {
		out = append(out, CaseRelation{RelPanel, c.ministry})
	}
	if p.staff && !party && !slices.Contains(c.conflicts, p.id) {
		out = append(out, CaseRelation{RelStaff, c.ministry})
	}
	if p.id == c.complainant {
		out = append(out, CaseRelation{RelComplainant, c.ministry})
	}
	if c.adviser != "" && p.id == c.adviser {
		out = append(out, CaseRelation{RelAdviser, c.ministry})
	}
	if c.respondentInformed && p.id == c.resp {
		out = append(out, CaseRelation{RelRespondent, respDom})
	}
	if c.advised && slices.Contains(p.authDoms, respDom) {
		out = append(out, CaseRelation{RelAuthority, respDom})
	}
	return out
}

type benchRequest struct {
	person *benchPerson
	caseID string
	action string
}

// benchWorld loads an enforcer with all ministries and roles, a few thousand
// persons' grants and a thousand cases with their panels, and returns a mix
// of requests: parties, panel members, staff and authorities acting on their
// cases (allowed and refused), and strangers.
func benchWorld(b *testing.B) (*Enforcer, map[string]*benchCase, []benchRequest) {
	en := newTestEnforcer(b)
	rng := rand.New(rand.NewPCG(1, 2))
	persons := map[string]*benchPerson{}
	add := func(id string, grants ...Grant) *benchPerson {
		p := &benchPerson{id: id}
		for _, gr := range grants {
			if (gr.Role == Secretary || gr.Role == Chair) && gr.Domain == AnyDomain {
				p.staff = true
			}
			if gr.Role == Authority {
				p.authDoms = append(p.authDoms, gr.Domain)
			}
		}
		if err := en.Sync(id, grants); err != nil {
			b.Fatal(err)
		}
		persons[id] = p
		return p
	}
	var secretaries, chairs, members, complainants, advisers, respondents, authorities []*benchPerson
	for i := range 12 {
		secretaries = append(secretaries, add(fmt.Sprintf("sec-%d", i), g(Secretary, AnyDomain)))
	}
	for i := range 4 {
		chairs = append(chairs, add(fmt.Sprintf("chair-%d", i), g(Chair, AnyDomain)))
	}
	for i := range 60 {
		// Some members are complainants elsewhere (docs/design.md §1).
		gr := []Grant{g(Member, AnyDomain)}
		if i%10 == 0 {
			gr = append(gr, g(Complainant, ministries[i%len(ministries)]))
		}
		members = append(members, add(fmt.Sprintf("member-%d", i), gr...))
	}
	for i := range 3 {
		add(fmt.Sprintf("reporter-%d", i), g(Reporter, AnyDomain))
		add(fmt.Sprintf("admin-%d", i), g(Admin, AnyDomain))
		add(fmt.Sprintf("fg-%d", i), g(PrivacyOfficer, AnyDomain))
	}
	for _, m := range ministries {
		for i := range 3 {
			authorities = append(authorities, add(fmt.Sprintf("authority-%s-%d", m, i), g(Authority, m)))
			advisers = append(advisers, add(fmt.Sprintf("adviser-%s-%d", m, i), g(Adviser, m)))
		}
	}
	for i := range 4000 {
		m := ministries[i%len(ministries)]
		complainants = append(complainants, add(fmt.Sprintf("complainant-%d", i), g(Complainant, m)))
	}
	for i := range 1500 {
		m := ministries[(i*7)%len(ministries)]
		respondents = append(respondents, add(fmt.Sprintf("respondent-%d", i), g(Respondent, m)))
	}
	pick := func(list []*benchPerson) *benchPerson { return list[rng.IntN(len(list))] }

	cases := map[string]*benchCase{}
	var ids []string
	for i := range 1000 {
		comp := complainants[i]
		m := ministries[i%len(ministries)]
		c := &benchCase{ministry: m, respMinistry: ministries[(i*7)%len(ministries)], complainant: comp.id,
			resp: respondents[i].id, respondentInformed: i%3 != 0, advised: i%4 == 0}
		if i%5 == 0 {
			c.adviser = advisers[rng.IntN(len(advisers))].id
		}
		for len(c.panel) < 3 {
			if mem := pick(members).id; !slices.Contains(c.panel, mem) {
				c.panel = append(c.panel, mem)
			}
		}
		if i%50 == 0 {
			c.conflicts = []string{chairs[0].id}
		}
		id := fmt.Sprintf("case-%04d", i)
		cases[id] = c
		ids = append(ids, id)
	}

	caseActions := []string{}
	for _, a := range en.Actions() {
		if len(a) > 5 && a[:5] == "case:" && a != "case:file" && a != "case:list" {
			caseActions = append(caseActions, a)
		}
	}
	var reqs []benchRequest
	for range 8192 {
		id := ids[rng.IntN(len(ids))]
		c := cases[id]
		var p *benchPerson
		switch rng.IntN(8) {
		case 0:
			p = persons[c.complainant]
		case 1:
			p = persons[c.resp]
		case 2, 3:
			p = persons[c.panel[rng.IntN(len(c.panel))]]
		case 4:
			p = pick(secretaries)
		case 5:
			p = pick(chairs)
		case 6:
			p = pick(authorities)
		default:
			p = pick(complainants) // almost always a stranger to the case
		}
		reqs = append(reqs, benchRequest{person: p, caseID: id, action: caseActions[rng.IntN(len(caseActions))]})
	}
	return en, cases, reqs
}

// BenchmarkCaseDecision measures one authorisation decision on one case, as
// the case service makes it on every request: the caller's relations to it
// (as the case query delivers them, here from a map keyed by case id), then
// the relation table and the role layer, in the steady state where casbin's
// answers for the caller are remembered (a first pass over the requests
// fills them in). BenchmarkCasbinUncached measures the first decision.
func BenchmarkCaseDecision(b *testing.B) {
	en, cases, reqs := benchWorld(b)
	allowed := 0
	for _, r := range reqs {
		if _, ok := en.CaseAllowed(r.person.id, relationsOf(cases[r.caseID], r.person, nil), r.action); ok {
			allowed++
		}
	}
	b.Logf("%d requests, %d allowed", len(reqs), allowed)
	buf := make([]CaseRelation, 0, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := &reqs[i%len(reqs)]
		en.CaseAllowed(r.person.id, relationsOf(cases[r.caseID], r.person, buf), r.action)
	}
}

// BenchmarkCasbinUncached is the same decision with every answer computed
// by casbin, as for the first request of a person after start or after their
// grants changed: the cost the remembered answers save.
func BenchmarkCasbinUncached(b *testing.B) {
	en, cases, reqs := benchWorld(b)
	buf := make([]CaseRelation, 0, 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := &reqs[i%len(reqs)]
		for _, rel := range EffectiveRelations(relationsOf(cases[r.caseID], r.person, buf)) {
			if relationActions[rel.Relation][r.action] {
				if ok, _ := en.enforce(r.person.id, rel.Domain, r.action); ok {
					break
				}
			}
		}
	}
}

// BenchmarkRouteDecision measures the route layer: may the caller attempt
// the action in any domain (Require's check).
func BenchmarkRouteDecision(b *testing.B) {
	en, _, reqs := benchWorld(b)
	for _, r := range reqs {
		en.AllowedSomewhere(r.person.id, r.action)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := &reqs[i%len(reqs)]
		en.AllowedSomewhere(r.person.id, r.action)
	}
}
