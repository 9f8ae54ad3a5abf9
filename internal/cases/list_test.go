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

	type page struct {
		Items []casetest.CaseView `json:"items"`
		Total int                 `json:"total"`
	}
	var before page
	c.E.Must(200, both, "GET", "/api/v1/cases", nil).Decode(t, &before)
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
		var after page
		c.E.Must(200, both, "GET", "/api/v1/cases"+q, nil).Decode(t, &after)
		if after.Total != 0 || len(after.Items) != 0 {
			t.Errorf("%q after the withdrawal: total %d, %d items; want 0 and 0", q, after.Total, len(after.Items))
		}
	}
}
