package cases_test

import (
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

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
