package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL, if this package's tests started
// it. The browser tests of these pages are in e2e/web.
func TestMain(m *testing.M) {
	os.Exit(dbtest.Main(m))
}

// client is a browser without JavaScript: cookies, forms, and redirects
// followed, so that a page says where the browser ended up.
type client struct {
	*accountstest.WebClient
	t *testing.T
}

func newClient(t *testing.T, e *apptest.Env) *client {
	c := accountstest.NewWebClient(t, e)
	c.Client.CheckRedirect = nil
	return &client{c, t}
}

type page struct {
	Status int
	Header http.Header
	Body   string
	URL    string
}

func (c *client) do(req *http.Request) *page {
	st, h, body := c.Do(req)
	return &page{Status: st, Header: h, Body: body, URL: c.LastPath}
}

func (c *client) get(path string) *page {
	st, h, body := c.Get(path)
	return &page{Status: st, Header: h, Body: body, URL: c.LastPath}
}

// post sends a form as the page at from would, with its CSRF token.
func (c *client) post(from, path string, form url.Values) *page {
	st, h, body := c.PostFrom(from, path, form)
	return &page{Status: st, Header: h, Body: body, URL: c.LastPath}
}

// postRaw sends a form as it is (no CSRF token added).
func (c *client) postRaw(path string, form url.Values) *page {
	req, _ := http.NewRequest(http.MethodPost, c.Base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) login(email string) {
	c.t.Helper()
	p := c.post("/login", "/login", url.Values{"email": {email}, "password": {apptest.Password}})
	if p.URL != "/dashboard" {
		c.t.Fatalf("login as %s ended at %s (%d): %s", email, p.URL, p.Status, p.Body)
	}
}

// world is a small cast with one case in every early state.
type world struct {
	e                                         *apptest.Env
	complainant, secretary, chair, member, fg *apptest.Person
	authority, admin, reporter, adviser       *apptest.Person
	submitted                                 *cases.Filed
}

func newWorld(t *testing.T) *world {
	e := apptest.New(t)
	w := &world{e: e,
		complainant: e.Person("klager@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK")),
		secretary:   e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain)),
		chair:       e.Person("voorzitter@test.rkc", "OCW", apptest.Grant(authz.Chair, authz.AnyDomain)),
		member:      e.Person("lid@test.rkc", "JenV", apptest.Grant(authz.Member, authz.AnyDomain)),
		authority:   e.Person("gezag@test.rkc", "BZK", apptest.Grant(authz.Authority, "BZK")),
		fg:          e.Person("fg@test.rkc", "BZK", apptest.Grant(authz.PrivacyOfficer, authz.AnyDomain)),
		admin:       e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain)),
		reporter:    e.Person("rapportage@test.rkc", "BZK", apptest.Grant(authz.Reporter, authz.AnyDomain)),
		adviser:     e.Person("vertrouwenspersoon@test.rkc", "BZK", apptest.Grant(authz.Adviser, "BZK")),
	}
	var err error
	w.submitted, err = e.App.Cases.File(context.Background(), e.Caller(w.complainant), cases.Complaint{Category: "bullying", Description: "Mijn leidinggevende schreeuwt."})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// signedIn is a browser signed in as who.
func (w *world) signedIn(t *testing.T, who *apptest.Person) *client {
	c := newClient(t, w.e)
	c.login(who.Email)
	return c
}

// checkSignInFirst fails unless path, opened without a session, leads to
// the sign-in page.
func (w *world) checkSignInFirst(t *testing.T, path string) {
	t.Helper()
	if p := newClient(t, w.e).get(path); p.URL != "/login" {
		t.Errorf("%s without signing in ended at %s", path, p.URL)
	}
}

func checkHeaders(t *testing.T, path string, p *page) {
	t.Helper()
	h := p.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows inline code: %q", path, csp)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", path, name, got, want)
		}
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
}

// Every page, and above all every page with case data, carries the security
// headers, for every role that may see it.
func TestPagesSendSecurityHeaders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	caseURL := "/cases/" + w.submitted.ID.String()
	pages := []struct {
		who   *apptest.Person
		paths []string
	}{
		{nil, []string{"/", "/login", "/signal", "/signal/follow", "/no/such/page"}},
		{w.complainant, []string{"/dashboard", caseURL, "/complaint", "/complaint/step/what", "/complaint/step/evidence", "/complaint/review", "/my-data"}},
		{w.secretary, []string{"/dashboard", caseURL, "/deadlines", "/committee/signals"}},
		{w.chair, []string{"/dashboard", caseURL, "/deadlines"}},
		{w.member, []string{"/dashboard"}},
		{w.authority, []string{"/dashboard"}},
		{w.fg, []string{"/dashboard", "/audit"}},
		{w.admin, []string{"/dashboard", "/admin/accounts"}},
		{w.reporter, []string{"/dashboard", "/reports"}},
	}
	for _, pg := range pages {
		c := newClient(t, w.e)
		if pg.who != nil {
			c.login(pg.who.Email)
		}
		for _, path := range pg.paths {
			p := c.get(path)
			want := http.StatusOK
			if path == "/no/such/page" {
				want = http.StatusNotFound
			}
			if p.Status != want {
				t.Errorf("GET %s: status %d, want %d: %.300s", path, p.Status, want, p.Body)
			}
			checkHeaders(t, path, p)
			if path == caseURL && !strings.Contains(p.Body, w.submitted.Number) {
				t.Errorf("the case page does not show the case number")
			}
		}
	}
}

// A form post without the CSRF token, or with a wrong one, is refused and
// changes nothing.
func TestFormPostWithoutCSRFRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.signedIn(t, w.complainant)
	path := "/cases/" + w.submitted.ID.String() + "/withdraw"
	for name, form := range map[string]url.Values{
		"no token":    {"confirm": {"yes"}},
		"wrong token": {"confirm": {"yes"}, "csrf": {strings.Repeat("x", 43)}},
	} {
		p := c.postRaw(path, form)
		if p.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, p.Status)
		}
		checkHeaders(t, path, p)
	}
	// Signing in needs the token too.
	anon := newClient(t, w.e)
	anon.get("/login")
	if p := anon.postRaw("/login", url.Values{"email": {w.complainant.Email}, "password": {apptest.Password}}); p.Status != http.StatusForbidden {
		t.Errorf("login without token: status %d, want 403", p.Status)
	}
	r := w.e.Must(http.StatusOK, w.complainant, http.MethodGet, "/api/v1/cases/"+w.submitted.ID.String(), nil).Map(t)
	if r["state"] != "submitted" {
		t.Fatalf("the refused post changed the case: %v", r["state"])
	}
	// With the token the same post works.
	if p := c.post("/cases/"+w.submitted.ID.String(), path, url.Values{"confirm": {"yes"}}); p.Status != http.StatusOK || !strings.Contains(p.URL, w.submitted.ID.String()) {
		t.Fatalf("withdraw with token: %d %s", p.Status, p.URL)
	}
}

// Unknown pages get the kind HTML page; unknown API paths keep problem+json.
func TestNotFoundPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := newClient(t, w.e)
	p := c.get("/nergens")
	if p.Status != 404 || !strings.Contains(p.Body, "Pagina niet gevonden") {
		t.Errorf("/nergens: %d %.200s", p.Status, p.Body)
	}
	p = c.get("/api/v1/nergens")
	if p.Status != 404 || !strings.Contains(p.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("/api/v1/nergens: %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	// A case the caller may not see answers like a missing one.
	other := w.e.Person("ander@test.rkc", "FIN", apptest.Grant(authz.Complainant, "FIN"))
	c2 := w.signedIn(t, other)
	if p := c2.get("/cases/" + w.submitted.ID.String()); p.Status != 404 {
		t.Errorf("another complainant's case: %d", p.Status)
	}
	if p := c2.get("/cases/not-a-uuid"); p.Status != 404 {
		t.Errorf("malformed case id: %d", p.Status)
	}
}

// A session unused for longer than the idle timeout is ended.
func TestIdleSessionEnds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.signedIn(t, w.complainant)
	if p := c.get("/dashboard"); p.URL != "/dashboard" || !strings.Contains(p.Body, "automatisch afgemeld") {
		t.Fatalf("dashboard: %s %.200s", p.URL, p.Body)
	}
	// The warning's "stay signed in" counts as activity and tells the new end.
	if p := c.get("/session/ping"); p.Status != http.StatusNoContent || p.Header.Get("X-Idle-Until") == "" {
		t.Fatalf("ping: %d %v", p.Status, p.Header)
	}
	if err := w.e.App.DB.Exec(`UPDATE sessions SET last_seen_at = now() - interval '21 minutes'`).Error; err != nil {
		t.Fatal(err)
	}
	p := c.get("/dashboard")
	if p.URL != "/login" || !strings.Contains(p.Body, "een tijd niets hebt gedaan") {
		t.Fatalf("after idling: %s %.300s", p.URL, p.Body)
	}
}

func regexpFind(pattern, s string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestSensitiveStepsNeedRecentSignIn: a chair who signed in longer ago than
// the re-authentication window cannot adopt an advice from the pages until
// they sign in again; nothing changes meanwhile.
func TestSensitiveStepsNeedRecentSignIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.signedIn(t, w.chair)
	if err := w.e.App.DB.Exec(`UPDATE sessions SET authenticated_at = now() - interval '2 hours' WHERE person_id = ?`, w.chair.ID).Error; err != nil {
		t.Fatal(err)
	}
	casePath := "/cases/" + w.submitted.ID.String()
	p := c.post(casePath, casePath+"/advice", url.Values{"findings": {"Bevindingen."}, "judgement-1": {"founded"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Meld u eerst opnieuw aan") {
		t.Fatalf("advice with an old sign-in: %d %.400s", p.Status, p.Body)
	}
	var events int64
	w.e.App.DB.Table("case_events").Where("case_id = ? AND kind = 'advised'", w.submitted.ID).Count(&events)
	if events != 0 {
		t.Fatal("the advice went through without a recent sign-in")
	}
	// Signing in again is the re-authentication: the same step then reaches
	// the case rules (which refuse it here only because the case is not
	// under investigation).
	c.login(w.chair.Email)
	p = c.post(casePath, casePath+"/advice", url.Values{"findings": {"Bevindingen."}, "judgement-1": {"founded"}})
	if strings.Contains(p.Body, "Meld u eerst opnieuw aan") {
		t.Fatalf("still asked to sign in again after signing in: %d", p.Status)
	}
}

// TestAdminManagesMinistries: the admin adds a ministry, switches it off and
// sees the retention terms; a bad code is refused beside its field.
func TestAdminManagesMinistries(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.signedIn(t, w.admin)
	p := c.post("/admin/accounts", "/admin/ministries", url.Values{"code": {"RWS"}, "name": {"Rijkswaterstaat"}})
	if p.URL != "/admin/accounts" || !strings.Contains(p.Body, "Rijkswaterstaat") || !strings.Contains(p.Body, "5 jaar na afsluiting") {
		t.Fatalf("after adding: %s %d %.300s", p.URL, p.Status, p.Body)
	}
	c.post("/admin/accounts", "/admin/ministries", url.Values{"code": {"RWS"}, "name": {"Rijkswaterstaat"}, "active": {"no"}})
	var active bool
	w.e.App.DB.Raw(`SELECT active FROM ministries WHERE code = 'RWS'`).Scan(&active)
	if active {
		t.Fatal("the ministry is still active after switching it off")
	}
	p = c.post("/admin/accounts", "/admin/ministries", url.Values{"code": {"R W S!"}, "name": {""}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad code: %d", p.Status)
	}
	var n int64
	w.e.App.DB.Table("ministries").Where("code = 'R W S!'").Count(&n)
	if n != 0 {
		t.Fatal("a bad code was stored")
	}
}

// TestSignalFormFlood: the web form shares the API's limit on anonymous
// signals: from one address the sixth report within the hour is refused
// with 429 and a plain message, and the committee's list holds five.
func TestSignalFormFlood(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant("secretary", "*"))
	c := newClient(t, e)
	for i := range 8 {
		p := c.post("/signal", "/signal", url.Values{"category": {"bullying"}, "message": {"Melding " + strconv.Itoa(i)}})
		want := http.StatusOK
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if p.Status != want {
			t.Fatalf("report %d: %d, want %d", i+1, p.Status, want)
		}
		if i >= 5 && !strings.Contains(p.Body, "Probeer het over een uur opnieuw") {
			t.Fatalf("report %d refused without the message: %s", i+1, p.Body)
		}
	}
	var list struct{ Items []any }
	e.Must(200, sec, "GET", "/api/v1/signals", nil).Decode(t, &list)
	if len(list.Items) != 5 {
		t.Fatalf("the committee sees %d signals, want 5", len(list.Items))
	}
}

// The case page reads the case file, its timeline included, once: one
// case:read line on the access log for the file, besides the line of the
// thread list it links to, not a second line for the timeline.
func TestCasePageReadsTheFileOnce(t *testing.T) {
	w := newWorld(t)
	sec := w.signedIn(t, w.secretary)
	var before int64
	w.e.App.DB.Raw(`SELECT coalesce(max(id), 0) FROM access_log`).Scan(&before)
	p := sec.get("/cases/" + w.submitted.ID.String())
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Klacht ingediend") {
		t.Fatalf("the case page with its timeline: %d", p.Status)
	}
	var actions []string
	w.e.App.DB.Raw(`SELECT action FROM access_log WHERE id > ? ORDER BY id`, before).Scan(&actions)
	if want := []string{"case:read", "case:thread:list"}; !slices.Equal(actions, want) {
		t.Errorf("one view of the case page logged %v, want %v", actions, want)
	}
}
