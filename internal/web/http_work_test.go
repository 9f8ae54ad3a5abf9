package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The accessibility statement is public, in both languages, and every page
// links to it from its footer.
func TestAccessibilityStatement(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := newClient(t, w.e)
	p := c.get("/toegankelijkheid")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /toegankelijkheid: %d", p.Status)
	}
	checkHeaders(t, "/toegankelijkheid", p)
	for _, want := range []string{"Nalevingsstatus", "Hoe wij de toegankelijkheid toetsen", "Bekende beperkingen", "4 december 2026",
		"Contact en feedback", `href="mailto:toegankelijkheid@rkc.localhost"`, "WCAG 2.1"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the statement lacks %q", want)
		}
	}
	p = c.get("/lang/en?next=/toegankelijkheid")
	for _, want := range []string{"Compliance status", "How we test accessibility", "Known limitations", "4 December 2026", "Contact and feedback"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the English statement lacks %q", want)
		}
	}
	c.get("/lang/nl?next=/")
	c.login(w.secretary.Email)
	for _, path := range []string{"/", "/login", "/signal", "/dashboard", "/cases", "/account/sessions", "/no-such-page"} {
		if p := c.get(path); !strings.Contains(p.Body, `<a href="/toegankelijkheid"`) {
			t.Errorf("%s (%d): no link to the accessibility statement", path, p.Status)
		}
	}
}

// The new steps refuse whoever may not take them, and change nothing then.
func TestNewStepsRefuseOthers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	kl := w.signedIn(t, w.complainant)
	ctx := context.Background()

	p := kl.post("/dashboard", "/admin/accounts/"+w.reporter.ID.String()+"/deactivate", url.Values{})
	if p.Status != http.StatusForbidden {
		t.Errorf("a complainant deactivating an account: %d", p.Status)
	}
	p = kl.post("/dashboard", "/admin/accounts/"+w.reporter.ID.String()+"/grants/withdraw", url.Values{"role": {"reporter"}, "domain": {"*"}})
	if p.Status != http.StatusForbidden {
		t.Errorf("a complainant withdrawing a grant: %d", p.Status)
	}
	if p := kl.get("/admin/accounts/" + w.reporter.ID.String()); p.Status != http.StatusForbidden {
		t.Errorf("a complainant opening an account: %d", p.Status)
	}
	var active bool
	w.e.App.DB.Raw(`SELECT active FROM persons WHERE id = ?`, w.reporter.ID).Scan(&active)
	g, _ := w.e.App.Accounts.Grants(ctx, w.reporter.ID)
	if !active || len(g) != 1 {
		t.Errorf("the refused steps changed the account: active %v, grants %v", active, g)
	}

	casePath := "/cases/" + w.submitted.ID.String()
	p = kl.post(casePath, casePath+"/legal-hold", url.Values{"hold": {"yes"}, "reason": {"Ik wil het bewaren."}})
	if p.Status != http.StatusForbidden {
		t.Errorf("a complainant setting a legal hold: %d", p.Status)
	}
	var held bool
	w.e.App.DB.Raw(`SELECT legal_hold FROM cases WHERE id = ?`, w.submitted.ID).Scan(&held)
	if held {
		t.Errorf("the complainant's refused legal hold was set")
	}

	// A party may not filter on what a witness's list leaves out.
	if p := kl.get("/cases?ministry=BZK"); p.Status != http.StatusBadRequest {
		t.Errorf("a complainant filtering on ministry: %d", p.Status)
	}

	// Another person's session cannot be ended; it stays.
	other, err := w.e.App.Accounts.Authenticate(ctx, w.secretary.Token)
	if err != nil || other.Session == nil {
		t.Fatalf("the secretary's session: %v", err)
	}
	p = kl.post("/account/sessions", "/account/sessions/"+other.Session.ID.String()+"/end", url.Values{})
	if p.Status != http.StatusNotFound {
		t.Errorf("ending another person's session: %d", p.Status)
	}
	if _, err := w.e.App.Accounts.Authenticate(ctx, w.secretary.Token); err != nil {
		t.Errorf("another person's session was ended: %v", err)
	}
	p = kl.post("/account/sessions", "/account/sessions/"+uuid.NewString()+"/end", url.Values{})
	if p.Status != http.StatusNotFound {
		t.Errorf("ending an unknown session: %d", p.Status)
	}

	// Without a session the pages send to the sign-in.
	w.checkSignInFirst(t, "/account/sessions")
}

// The case list refuses filters it does not know, beside the filter.
func TestCaseListRefusesBadFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sec := w.signedIn(t, w.secretary)
	for _, q := range []string{"state=bogus", "deadline=soonish", "category=rudeness", "sort=random", "page=0", "page=x"} {
		p := sec.get("/cases?" + q)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Er is iets niet goed ingevuld") {
			t.Errorf("/cases?%s: %d", q, p.Status)
		}
	}
	p := sec.get("/cases?state=submitted&sort=number")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Gevonden zaken: 1") || !strings.Contains(p.Body, w.submitted.Number) {
		t.Errorf("the submitted case is not listed: %d", p.Status)
	}
	if p := sec.get("/cases?state=closed"); !strings.Contains(p.Body, "Gevonden zaken: 0") {
		t.Errorf("a closed-state filter lists cases")
	}
}
