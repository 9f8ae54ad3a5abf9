package cases_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// What a caller is shown of their cases is what they may do: the list and
// its total, and the steps a case offers.

// The total of the case list counts the cases the pages show. A complainant
// who lost the complainant role (keeping a respondent role elsewhere) still
// relates to their own case in SQL, but casbin no longer lets that relation
// read it: it is neither on the page nor in the total.
func TestListTotalCountsWhatIsShown(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	g := apptest.Grant
	both := c.E.Person("klager-verweerder@test.rkc", "BZK", g("complainant", "BZK"), g("respondent", "FIN"))
	c.File(t, both, casetest.Complaint())
	c.File(t, both, casetest.Complaint())

	before := listCases(t, c.E, both, "")
	if before.Total != 2 || len(before.Items) != 2 {
		t.Fatalf("before the withdrawal: total %d, %d items; want 2 and 2", before.Total, len(before.Items))
	}

	c.withdrawGrant(t, both, "complainant", "BZK")
	for _, q := range []string{"", "?perPage=1", "?state=submitted"} {
		after := listCases(t, c.E, both, q)
		if after.Total != 0 || len(after.Items) != 0 {
			t.Errorf("%q after the withdrawal: total %d, %d items; want 0 and 0", q, after.Total, len(after.Items))
		}
	}
}

// TestOfferedStepsAreTheStepsAllowed: the steps a case view offers (the
// forms its page shows) are decided as taking a step decides. A
// complainant whose complainant role moved to another ministry still reads
// their case, through a respondent role they hold in its ministry, but that
// role does not let them withdraw it there: the withdrawal is not offered,
// as taking it is refused. The complainant who kept their role is offered
// it and may take it.
func TestOfferedStepsAreTheStepsAllowed(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	g := apptest.Grant
	moved := c.E.Person("verhuisd@test.rkc", "BZK", g("complainant", "BZK"), g("complainant", "FIN"), g("respondent", "BZK"))
	movedCase := c.File(t, moved, casetest.Complaint())
	c.withdrawGrant(t, moved, "complainant", "BZK")
	ownCase := c.File(t, c.Complainant, casetest.Complaint())

	for _, tc := range []struct {
		who  *apptest.Person
		id   string
		want bool
	}{{moved, movedCase, false}, {c.Complainant, ownCase, true}} {
		var view struct {
			Steps []string `json:"steps"`
		}
		c.E.Must(200, tc.who, "GET", "/api/v1/cases/"+tc.id, nil).Decode(t, &view)
		offered := slices.Contains(view.Steps, "withdraw")
		taken := c.E.Do(tc.who, "POST", "/api/v1/cases/"+tc.id+"/withdraw", map[string]any{}).Status
		if offered != tc.want || (taken == 200) != tc.want {
			t.Errorf("%s: withdrawal offered %v (steps %v), taking it answered %d; want offered and allowed both %v",
				tc.who.Email, offered, view.Steps, taken, tc.want)
		}
	}
}

// withdrawGrant has the admin withdraw p's role in domain, and signs p in
// anew (withdrawing a role ends the person's sessions).
func (c *cast) withdrawGrant(t *testing.T, p *apptest.Person, role, domain string) {
	t.Helper()
	c.E.Must(204, c.Admin, "DELETE", "/api/v1/accounts/"+p.ID.String()+"/grants/"+role+"/"+domain, nil)
	token, err := c.E.App.Accounts.OpenSession(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Token = token
}

// casePage is one page of the case list as the tests read it.
type casePage struct {
	Items []struct {
		casetest.CaseView
		Category string `json:"category"`
		ClosesOn string `json:"closes_on"`
	} `json:"items"`
	Total int `json:"total"`
}

// listCases reads the case list as p; query is what follows the path
// ("?flag=closing", or "").
func listCases(t *testing.T, e *apptest.Env, p *apptest.Person, query string) casePage {
	t.Helper()
	var page casePage
	e.Must(200, p, "GET", "/api/v1/cases"+query, nil).Decode(t, &page)
	return page
}
