package cases

import (
	"strings"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
)

// caseRelations is the one definition of who may touch a case: each
// relation of person @me to case c with its condition. A respondent relates
// only once informed (Awb 9:9), the authority only once advised, a witness
// once the secretary linked their account; staff (the committee's
// secretaries and chairs, @staff) relate to every case in which they are
// not a party or witness and declared no conflict: a role alone never opens
// a case. Load, list and its count, the data-subject export and the staff
// lookup are all assembled from it, below, into the templates of sql/.
var caseRelations = []struct{ column, cond string }{
	{"is_complainant", `c.complainant_id = @me`},
	{"is_adviser", `c.adviser_id = @me`},
	{"is_respondent", `(c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL)`},
	{"is_panel", `EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me)`},
	{"is_staff", staffCondition},
	{"is_authority", `(c.advised_at IS NOT NULL AND coalesce(c.respondent_ministry, c.ministry) = ANY(@authdoms::text[]))`},
	{"is_witness", `EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me)`},
}

// staffCondition is the staff relation: @staff holds a committee-wide
// secretary or chair role.
const staffCondition = `(@staff AND c.complainant_id <> @me AND c.adviser_id IS DISTINCT FROM @me AND c.respondent_id IS DISTINCT FROM @me
	AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = c.id AND k.person_id = @me)
	AND NOT EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me))`

// callerScope is what the relation condition needs of the caller besides
// their id: whether they are committee staff (@staff) and the ministries
// they are the competent authority of (@authdoms).
func callerScope(caller *accounts.Caller) (staff bool, doms []string) {
	staff = caller.Has(authz.Secretary, authz.AnyDomain) || caller.Has(authz.Chair, authz.AnyDomain)
	doms = []string{}
	for _, g := range caller.Grants {
		if g.Role == authz.Authority {
			doms = append(doms, g.Domain)
		}
	}
	return staff, doms
}

// relationColumns selects each relation as a column of relRow, and related
// keeps the rows of an inner query (x) with any relation; args names the
// statement's parameters for @me, @staff and @authdoms.
func relationColumns(args *strings.Replacer) string {
	cols := make([]string, len(caseRelations))
	for i, r := range caseRelations {
		cols[i] = "coalesce(" + args.Replace(r.cond) + ", false) AS " + r.column
	}
	return strings.Join(cols, ",\n  ")
}

func related() string {
	conds := make([]string, len(caseRelations))
	for i, r := range caseRelations {
		conds[i] = "x." + r.column
	}
	return strings.Join(conds, " OR ")
}

// fill fills in a template's /*markers*/.
func fill(template string, markers ...string) string {
	return strings.NewReplacer(markers...).Replace(template)
}

var (
	// loadSQL[forUpdate]: $1 the case, $2 the caller, $3 staff, $4 authority domains.
	loadArgs = strings.NewReplacer("@me", "$2", "@staff", "$3", "@authdoms", "$4")
	loadSQL  = [2]string{
		loadStatement(stmt("_load_case"), loadArgs, "", "", ""),
		loadStatement(stmt("_load_case"), loadArgs, "", "", `FOR UPDATE OF c`),
	}

	listArgs = strings.NewReplacer("@me", "$1", "@staff", "$2", "@authdoms", "$3")
	// listCandidatesSQL by sort order; listPageSQL; see the templates.
	listCandidatesSQL = func() map[string]string {
		q := map[string]string{}
		for sort, order := range sortOrders {
			q[sort] = fill(stmt("_list_candidates"), "/*relations*/", relationColumns(listArgs), "/*related*/", related(), "/*order*/", order)
		}
		return q
	}()
	listPageSQL     = fill(stmt("_list_page"), "/*relations*/", relationColumns(listArgs))
	subjectCasesSQL = fill(stmt("_subject_cases"), "/*relations*/", relationColumns(listArgs), "/*related*/", related())
	staffOfSQL      = fill(stmt("_staff_of"), "/*staff*/", strings.NewReplacer("@me", "p.id", "@staff", "true").Replace(staffCondition))
)

// loadStatement fills the load's template (_load_case.sql): args names @me,
// @staff and @authdoms; columns and join add to the log key's.
func loadStatement(template string, args *strings.Replacer, columns, join, lock string) string {
	var cols []string
	for _, f := range (&CaseRecord{}).fields() {
		cols = append(cols, "c."+f.column)
	}
	return fill(template, "/*columns*/", strings.Join(cols, ", "), "/*relations*/", relationColumns(args),
		"/*log key columns*/", audit.CaseKeyColumns+columns, "/*log key join*/", join+audit.CaseKeyJoin,
		"/*lock*/", lock, "/*related*/", related())
}

// assembled are the statements built from the templates, for Check.
func assembled() map[string]string {
	out := map[string]string{"staff_of": staffOfSQL, "list_page": listPageSQL, "subject_cases": subjectCasesSQL}
	for sort, q := range listCandidatesSQL {
		out["list_candidates "+sort] = q
	}
	for lock := range loadSQL {
		out["load_case"+[]string{"", " for update"}[lock]] = loadSQL[lock]
	}
	out["parts all"] = partsSQL(allParts)
	out["load_case with the session"] = prefetchCheckSQL
	return out
}

// relations lists the caller's relations with the domain that backs each.
func (r *relRow) relations() []authz.CaseRelation {
	respDom := r.Ministry
	if r.RespondentMinistry != nil {
		respDom = *r.RespondentMinistry
	}
	var out []authz.CaseRelation
	add := func(ok bool, rel authz.Relation, dom string) {
		if ok {
			out = append(out, authz.CaseRelation{Relation: rel, Domain: dom})
		}
	}
	add(r.IsPanel, authz.RelPanel, r.Ministry)
	add(r.IsStaff, authz.RelStaff, r.Ministry)
	add(r.IsComplainant, authz.RelComplainant, r.Ministry)
	add(r.IsAdviser, authz.RelAdviser, r.Ministry)
	add(r.IsRespondent, authz.RelRespondent, respDom)
	add(r.IsAuthority, authz.RelAuthority, respDom)
	add(r.IsWitness, authz.RelWitness, r.Ministry)
	return out
}
