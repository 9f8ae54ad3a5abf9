package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestRefusedCaseAccessOnPagesIsLogged: refused access to a case on the
// pages goes on the access log as it does on the API (issue 13): a committee
// member outside the panel opening the case page (404) and the complainant
// posting a step their part does not allow (403) each leave an
// access-refused entry naming the case; the complainant's allowed read of
// the page leaves none.
func TestRefusedCaseAccessOnPagesIsLogged(t *testing.T) {
	env := apptest.New(t)
	cmp := env.Person("klager@pages.test", "BZK", grant(authz.Complainant, "BZK"))
	mem := env.Person("lid@pages.test", "JenV", grant(authz.Member, authz.AnyDomain))
	var filed struct{ ID string }
	env.Must(201, cmp, "POST", "/api/v1/cases", map[string]any{
		"category": "bullying", "description": "Mijn leidinggevende maakt mij belachelijk.", "contact": "06-12345678",
	}).Decode(t, &filed)
	caseID := uuid.MustParse(filed.ID)

	const csrf = "csrf-token-of-the-refusal-test-0123456789"
	page := func(p *apptest.Person, method, path string, form url.Values) int {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			form.Set("csrf", csrf)
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, env.Server.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: accounts.CookieName, Value: p.Token})
		req.AddCookie(&http.Cookie{Name: accounts.CSRFCookie, Value: csrf})
		return env.Send(nil, req).Status
	}
	refusals := func() []audit.Entry {
		t.Helper()
		res, err := audit.Search(t.Context(), env.App.DB, audit.Query{CaseID: &caseID, Kind: audit.KindAccess, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		return res.Items
	}

	if got := page(mem, "GET", "/cases/"+filed.ID, nil); got != http.StatusNotFound {
		t.Fatalf("a member outside the panel opening the case page: %d, want 404", got)
	}
	if got := page(cmp, "POST", "/cases/"+filed.ID+"/register", url.Values{"version": {"1"}}); got != http.StatusForbidden {
		t.Fatalf("the complainant registering their own case: %d, want 403", got)
	}
	got := refusals()
	if len(got) != 2 {
		t.Fatalf("refusals on the access log for the case: %d, want 2: %+v", len(got), got)
	}
	who := map[uuid.UUID]bool{}
	for _, e := range got {
		if e.Action != audit.ActionAccessRefused || e.PersonID == nil {
			t.Fatalf("refusal entry %+v", e)
		}
		who[*e.PersonID] = true
	}
	if !who[mem.ID] || !who[cmp.ID] {
		t.Fatalf("the refusals name %v, want the member and the complainant", who)
	}

	if got := page(cmp, "GET", "/cases/"+filed.ID, nil); got != http.StatusOK {
		t.Fatalf("the complainant's own case page: %d", got)
	}
	if n := len(refusals()); n != 2 {
		t.Fatalf("an allowed read of the page is logged as a refusal: %d entries", n)
	}
}
