package cases_test

import (
	"context"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

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

	c.E.Must(204, c.Admin, "DELETE", "/api/v1/accounts/"+both.ID.String()+"/grants/complainant/BZK", nil)
	token, err := c.E.App.Accounts.OpenSession(context.Background(), both.ID)
	if err != nil {
		t.Fatal(err)
	}
	both.Token = token
	for _, q := range []string{"", "?perPage=1", "?state=submitted"} {
		after := listCases(t, c.E, both, q)
		if after.Total != 0 || len(after.Items) != 0 {
			t.Errorf("%q after the withdrawal: total %d, %d items; want 0 and 0", q, after.Total, len(after.Items))
		}
	}
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
