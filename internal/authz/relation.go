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
var relationActions = map[Relation]map[string]bool{
	RelComplainant: set("case:read", "case:statement", "case:attachment", "case:withdraw", "case:supply-information"),
	RelAdviser:     set("case:read", "case:statement", "case:attachment", "case:withdraw", "case:supply-information"),
	RelRespondent:  set("case:read", "case:statement", "case:attachment"),
	RelPanel:       set("case:read", "case:attachment", "case:hearing", "case:conflict", "case:advice", "case:extend", "case:informal-resolution", "case:admissibility", "case:panel", "case:investigate", "case:close"),
	RelStaff: set("case:read", "case:register", "case:request-information", "case:admissibility", "case:panel",
		"case:investigate", "case:conflict", "case:extend", "case:attachment", "case:hearing", "case:informal-resolution", "case:close", "case:advice", "case:legal-hold"),
	RelAuthority: set("case:read", "case:decision"),
}

func set(actions ...string) map[string]bool {
	m := make(map[string]bool, len(actions))
	for _, a := range actions {
		m[a] = true
	}
	return m
}

// CaseAllowed is the full decision for one action on one case: some relation
// of the person to the case allows the action, and a role the person holds in
// that relation's domain allows it too. Cheap checks first: the relation table
// is a map lookup; casbin runs only for relations that pass it.
func (en *Enforcer) CaseAllowed(personID string, rels []CaseRelation, action string) (Relation, bool) {
	for _, r := range rels {
		if relationActions[r.Relation][action] && en.Allowed(personID, r.Domain, action) {
			return r.Relation, true
		}
	}
	return "", false
}

// RelationAllows reports whether the relation alone permits the action; the
// case service uses it to pick which parts of a case to show.
func RelationAllows(r Relation, action string) bool { return relationActions[r][action] }
