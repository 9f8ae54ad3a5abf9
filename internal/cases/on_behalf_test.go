package cases_test

import (
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// TestFilingOnBehalfRefused is the attack of issue 14: a confidential
// adviser files "on behalf of" the competent authority who will decide the
// case (or of anyone on the committee, the admin or the privacy officer),
// or of the very person the complaint is about. Each is refused with the
// reason and stores nothing.
func TestFilingOnBehalfRefused(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	before := c.Count(t, "cases", "")
	for _, p := range []*apptest.Person{c.Authority, c.Secretary, c.Member2, c.Admin, c.Privacy} {
		body := casetest.Complaint()
		body["complainant_email"], body["consent"] = p.Email, casetest.ConsentText
		errs := casetest.Problem(t, e.Do(c.Adviser, "POST", "/api/v1/cases", body), 400, "validation")
		if !strings.Contains(errs["complainant_email"], "files a complaint themselves") {
			t.Errorf("filing for %s: errors %v", p.Email, errs)
		}
	}
	// The person the complaint names as respondent.
	body := casetest.Complaint()
	body["respondent"] = map[string]any{"name": "  test AANGEKLAAGDE ", "ministry": "BZK"}
	body["complainant_email"], body["consent"] = c.Respondent.Email, casetest.ConsentText
	if errs := casetest.Problem(t, e.Do(c.Adviser, "POST", "/api/v1/cases", body), 400, "validation"); !strings.Contains(errs["complainant_email"], "respondent") {
		t.Errorf("filing for the respondent: errors %v", errs)
	}
	if n := c.Count(t, "cases", ""); n != before {
		t.Fatalf("%d cases stored by refused filings", n-before)
	}
	if n := c.Count(t, "role_grants", "person_id = ? AND role = 'complainant'", c.Authority.ID); n != 0 {
		t.Errorf("the authority was made complainant by a refused filing")
	}
}

// TestFiledOnBehalfTold: the complainant an adviser filed for is told in
// their own account, and by an e-mail that carries no content.
func TestFiledOnBehalfTold(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	body := casetest.Complaint()
	body["complainant_email"], body["consent"] = c.Complainant.Email, casetest.ConsentText
	id := c.File(t, c.Adviser, body)

	var notices struct {
		Items []struct {
			Kind       string
			CaseID     string `json:"case_id"`
			CaseNumber string `json:"case_number"`
		}
	}
	e.Must(200, c.Complainant, "GET", "/api/v1/me/notices", nil).Decode(t, &notices)
	if len(notices.Items) != 1 || notices.Items[0].Kind != "filed_on_behalf" || notices.Items[0].CaseID != id ||
		!strings.HasPrefix(notices.Items[0].CaseNumber, "RKC-") {
		t.Fatalf("the complainant's notices: %+v", notices.Items)
	}
	if n := c.Count(t, "outbox", "kind = 'filed_on_behalf' AND recipient_id = ? AND case_id = ?", c.Complainant.ID, id); n != 1 {
		t.Errorf("%d filed_on_behalf messages for the complainant, want 1", n)
	}
	// Filing for oneself tells nobody anything new.
	own := c.File(t, c.Complainant2, casetest.Complaint())
	if n := c.Count(t, "account_notices", "case_id = ?", own); n != 0 {
		t.Errorf("a complaint filed by the complainant themselves left %d notices", n)
	}
}
