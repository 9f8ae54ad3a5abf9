package cases_test

import (
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestFilingOnBehalfRefused is the attack of issue 14: a confidential
// adviser files "on behalf of" the competent authority who will decide the
// case (or of anyone on the committee, the admin or the privacy officer),
// or of the very person the complaint is about. Each is refused with the
// reason and stores nothing.
func TestFilingOnBehalfRefused(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.e
	before := c.count(t, "cases", "")
	for _, p := range []*apptest.Person{c.authority, c.secretary, c.member2, c.admin, c.privacy} {
		body := complaint()
		body["complainant_email"], body["consent"] = p.Email, consentText
		errs := problem(t, e.Do(c.adviser, "POST", "/api/v1/cases", body), 400, "validation")
		if !strings.Contains(errs["complainant_email"], "files a complaint themselves") {
			t.Errorf("filing for %s: errors %v", p.Email, errs)
		}
	}
	// The person the complaint names as respondent.
	body := complaint()
	body["respondent"] = map[string]any{"name": "  test AANGEKLAAGDE ", "ministry": "BZK"}
	body["complainant_email"], body["consent"] = c.respondent.Email, consentText
	if errs := problem(t, e.Do(c.adviser, "POST", "/api/v1/cases", body), 400, "validation"); !strings.Contains(errs["complainant_email"], "respondent") {
		t.Errorf("filing for the respondent: errors %v", errs)
	}
	if n := c.count(t, "cases", ""); n != before {
		t.Fatalf("%d cases stored by refused filings", n-before)
	}
	if n := c.count(t, "role_grants", "person_id = ? AND role = 'complainant'", c.authority.ID); n != 0 {
		t.Errorf("the authority was made complainant by a refused filing")
	}
}

// TestFiledOnBehalfTold: the complainant an adviser filed for is told in
// their own account, and by an e-mail that carries no content.
func TestFiledOnBehalfTold(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.e
	body := complaint()
	body["complainant_email"], body["consent"] = c.complainant.Email, consentText
	id := c.file(t, c.adviser, body)

	var notices struct {
		Items []struct {
			Kind       string
			CaseID     string `json:"case_id"`
			CaseNumber string `json:"case_number"`
		}
	}
	e.Must(200, c.complainant, "GET", "/api/v1/me/notices", nil).Decode(t, &notices)
	if len(notices.Items) != 1 || notices.Items[0].Kind != "filed_on_behalf" || notices.Items[0].CaseID != id ||
		!strings.HasPrefix(notices.Items[0].CaseNumber, "RKC-") {
		t.Fatalf("the complainant's notices: %+v", notices.Items)
	}
	if n := c.count(t, "outbox", "kind = 'filed_on_behalf' AND recipient_id = ? AND case_id = ?", c.complainant.ID, id); n != 1 {
		t.Errorf("%d filed_on_behalf messages for the complainant, want 1", n)
	}
	// Filing for oneself tells nobody anything new.
	own := c.file(t, c.complainant2, complaint())
	if n := c.count(t, "account_notices", "case_id = ?", own); n != 0 {
		t.Errorf("a complaint filed by the complainant themselves left %d notices", n)
	}
}
