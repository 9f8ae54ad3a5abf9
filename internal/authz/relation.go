package authz

// Relation is how a person stands to one case. Relations are data (who filed,
// who was named, who was assigned), loaded with the case in the same SQL query
// that scopes it to the caller.
type Relation string

// The relations to a case.
const (
	RelComplainant Relation = "complainant" // filed it for themselves, or it was filed for them
	RelAdviser     Relation = "adviser"     // the vertrouwenspersoon who filed on their behalf
	RelRespondent  Relation = "respondent"  // the person complained about, once informed
	RelPanel       Relation = "panel"       // assigned member or chair of the panel
	RelStaff       Relation = "staff"       // committee secretary or chair, not a party, no conflict
	RelAuthority   Relation = "authority"   // competent authority of the respondent's ministry, once advised
	RelWitness     Relation = "witness"     // a witness the secretary linked to the case by their account
)

// CaseRelation is one relation with the domain in which it is held: the
// ministry whose grant backs it.
type CaseRelation struct {
	Relation Relation
	Domain   string
}

// relationActions is the second layer: what each relation to a case allows at
// all. An action needs both a role that allows it (casbin) and a relation that
// allows it, so a panel member who is also a complainant elsewhere cannot
// plan hearings in their own case.
//
// Conversations (issue 10): each party and witness talks with the committee
// in a thread of their own (case:thread, case:message; which thread is the
// service's check); the panel's notes are the committee's working papers
// (case:note:*); only the secretary adds witnesses and records their
// statements (case:witness), which the committee and the witness read
// (case:witness:read); a party or witness reports retaliation
// (case:retaliation:report) and reads their own reports, which the chair
// reads and handles (case:retaliation:read, case:retaliation:handle; the
// role layer keeps these from the secretary and members). The authority has
// no part in any of them.
var relationActions = map[Relation]map[string]bool{
	RelComplainant: set("case:read", "case:statement", "case:attachment", "case:withdraw", "case:supply-information",
		"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"),
	RelAdviser: set("case:read", "case:statement", "case:attachment", "case:withdraw", "case:supply-information",
		"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"),
	RelRespondent: set("case:read", "case:statement", "case:attachment",
		"case:thread", "case:message", "case:retaliation:report", "case:retaliation:read"),
	RelWitness: set("case:read", "case:thread", "case:message", "case:witness:read", "case:retaliation:report", "case:retaliation:read"),
	RelPanel: set("case:read", "case:attachment", "case:hearing", "case:conflict", "case:advice", "case:extend", "case:informal-resolution", "case:admissibility", "case:panel", "case:investigate", "case:close",
		"case:thread", "case:message", "case:note:read", "case:note:write", "case:witness:read", "case:retaliation:read", "case:retaliation:handle"),
	RelStaff: set("case:read", "case:register", "case:request-information", "case:admissibility", "case:panel",
		"case:investigate", "case:conflict", "case:extend", "case:attachment", "case:hearing", "case:informal-resolution", "case:close", "case:advice", "case:legal-hold",
		"case:thread", "case:message", "case:note:read", "case:note:write", "case:witness", "case:witness:read", "case:retaliation:read", "case:retaliation:handle"),
	RelAuthority: set("case:read", "case:decision"),
}

func set(actions ...string) map[string]bool {
	m := make(map[string]bool, len(actions))
	for _, a := range actions {
		m[a] = true
	}
	return m
}

// Party reports whether the relation makes the person a party to the case:
// the complainant, their adviser, or the respondent; and a witness, who
// gives evidence in it and so, like a party, never handles it.
func (r Relation) Party() bool {
	return r == RelComplainant || r == RelAdviser || r == RelRespondent || r == RelWitness
}

// EffectiveRelations returns the relations in which the person may act on
// the case. A party acts only as a party: their committee relations (panel,
// staff) and the authority relation are void, whatever roles they hold, for
// nobody handles, judges or decides a case they are a party to (docs/design.md §1,
// conflict of interest). The case query already leaves out staff who are
// parties; this covers too the panel member who is named respondent after
// the panel was composed, and the authority who complains about someone in
// their own ministry. The input is not modified.
func EffectiveRelations(rels []CaseRelation) []CaseRelation {
	if !anyParty(rels) {
		return rels
	}
	out := make([]CaseRelation, 0, len(rels))
	for _, r := range rels {
		if r.Relation.Party() {
			out = append(out, r)
		}
	}
	return out
}

func anyParty(rels []CaseRelation) bool {
	for _, r := range rels {
		if r.Relation.Party() {
			return true
		}
	}
	return false
}

// CaseAllowed is the full decision for one action on one case: some
// effective relation of the person to the case (see EffectiveRelations)
// allows the action, and a role the person holds in that relation's domain
// allows it too. It returns the relation that allowed it. Cheap checks
// first: the relation table is a map lookup; casbin runs only for relations
// that pass it.
func (en *Enforcer) CaseAllowed(personID string, rels []CaseRelation, action string) (Relation, bool) {
	party := anyParty(rels)
	for _, r := range rels {
		if party && !r.Relation.Party() {
			continue
		}
		if relationActions[r.Relation][action] && en.Allowed(personID, r.Domain, action) {
			return r.Relation, true
		}
	}
	return "", false
}
