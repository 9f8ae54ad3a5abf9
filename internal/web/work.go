package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/signals"
)

// listPerPage bounds the one read of the caller's cases the dashboard's
// party lists come from; dashShown is how many cases each dashboard list
// shows before it links to the full list (/cases, caselist.go).
const (
	listPerPage = 100
	dashShown   = 10
)

// section is one list of cases on a work page.
type section struct {
	Key   string // catalogue key of the heading
	Empty string // catalogue key of the text when empty
	Items []cases.Summary
	Total int64        // how many cases the list holds in all
	More  template.URL // query of the full list on /cases when it holds more than Items
}

type dashboardData struct {
	Sections []section
	HasDraft bool
	// Requests counts the privacy officer's open data-subject requests.
	Requests *privacy.RequestCounts
}

func (w *Web) list(c echo.Context, f cases.ListFilter) ([]cases.Summary, error) {
	f.PerPage = listPerPage
	pg, err := w.d.Cases.List(c.Request().Context(), callerOf(c), f)
	if err != nil {
		return nil, err
	}
	return pg.Items, nil
}

// shortList is the first cases of a list with the filter of the full one.
func (w *Web) shortList(c echo.Context, key string, f cases.ListFilter, query template.URL) (section, error) {
	f.PerPage = dashShown
	pg, err := w.d.Cases.List(c.Request().Context(), callerOf(c), f)
	if err != nil {
		return section{}, err
	}
	s := section{Key: key, Empty: "dash.none", Items: pg.Items, Total: pg.Total}
	if pg.Total > int64(len(pg.Items)) {
		s.More = query
	}
	return s, nil
}

// partyList is a section of the caller's own cases in one relation.
func partyList(key, empty string, items []cases.Summary) section {
	s := section{Key: key, Empty: empty, Items: items, Total: int64(len(items))}
	if len(items) > dashShown {
		s.Items, s.More = items[:dashShown], "sort=filed_desc"
	}
	return s
}

func only(items []cases.Summary, rels ...authz.Relation) []cases.Summary {
	out := []cases.Summary{}
	for _, s := range items {
		for _, r := range rels {
			if s.Relation == string(r) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Dashboard is each role's work list: the first cases of each list, with a
// link to the whole list, which can be narrowed, ordered and paged.
func (w *Web) Dashboard(c echo.Context) error {
	cl := callerOf(c)
	d := dashboardData{}
	var all []cases.Summary
	if w.allowed(cl, "case:list") {
		var err error
		if all, err = w.list(c, cases.ListFilter{}); err != nil {
			return w.fail(c, err)
		}
	}
	var failed error
	byState := func(key string, st cases.State) {
		s, err := w.shortList(c, key, cases.ListFilter{State: st}, template.URL("state="+url.QueryEscape(string(st))))
		if err != nil {
			failed = err
		}
		d.Sections = append(d.Sections, s)
	}
	if cl.HasRole(authz.Complainant) || cl.HasRole(authz.Adviser) {
		if dr, _ := w.drafts.Get(c.Request().Context(), cl.ID); dr != nil {
			d.HasDraft = true
		}
		d.Sections = append(d.Sections, partyList("dash.mine", "dash.mine.empty", only(all, authz.RelComplainant, authz.RelAdviser)))
	}
	if cl.HasRole(authz.Respondent) {
		d.Sections = append(d.Sections, partyList("dash.respondent", "dash.none", only(all, authz.RelRespondent)))
	}
	if cl.HasRole(authz.Secretary) {
		byState("dash.intake", cases.Submitted)
		byState("dash.awaiting", cases.AwaitingInformation)
		byState("dash.hearings", cases.Investigating)
	}
	if cl.HasRole(authz.Chair) {
		byState("dash.admissibility", cases.Registered)
		if !cl.HasRole(authz.Secretary) {
			// The chair rules on these too, once the information is in.
			byState("dash.awaiting", cases.AwaitingInformation)
		}
		byState("dash.panel", cases.Admissible)
	}
	if failed != nil {
		return w.fail(c, failed)
	}
	if cl.HasRole(authz.Member) || cl.HasRole(authz.Chair) {
		d.Sections = append(d.Sections, partyList("dash.assigned", "dash.none", only(all, authz.RelPanel)))
	}
	if cl.HasRole(authz.Authority) {
		waiting, decided := []cases.Summary{}, []cases.Summary{}
		for _, s := range only(all, authz.RelAuthority) {
			if s.State == cases.Advised {
				waiting = append(waiting, s)
			} else {
				decided = append(decided, s)
			}
		}
		d.Sections = append(d.Sections, partyList("dash.advices", "dash.advices.empty", waiting), partyList("dash.decided", "dash.none", decided))
	}
	if w.allowed(cl, "dsr:manage") && w.d.Privacy != nil {
		counts, err := w.d.Privacy.OpenCounts(c.Request().Context())
		if err != nil {
			return w.fail(c, err)
		}
		d.Requests = &counts
	}
	return w.render(c, "dashboard", w.newPage(c, "dash.title", d))
}

type deadlineData struct{ Sections []section }

// Deadlines is the secretary's board: overdue, due soon, extended, and the
// finished cases waiting to be closed. Each list shows its first cases and
// links to the whole list.
func (w *Web) Deadlines(c echo.Context) error {
	overdue, err := w.shortList(c, "deadlines.overdue", cases.ListFilter{Flag: "overdue", Sort: "due_asc"}, "deadline=overdue&sort=due_asc")
	if err != nil {
		return w.fail(c, err)
	}
	soon, err := w.shortList(c, "deadlines.soon", cases.ListFilter{Flag: "due_soon", Sort: "due_asc"}, "deadline=due_soon&sort=due_asc")
	if err != nil {
		return w.fail(c, err)
	}
	// Finished cases wait here until the scheduled job closes them.
	closing, err := w.shortList(c, "deadlines.closing", cases.ListFilter{Flag: "closing"}, "deadline=closing")
	if err != nil {
		return w.fail(c, err)
	}
	extended := []cases.Summary{}
	for page := 1; page <= 20; page++ {
		pg, err := w.d.Cases.List(c.Request().Context(), callerOf(c), cases.ListFilter{Page: page, PerPage: listPerPage})
		if err != nil {
			return w.fail(c, err)
		}
		for _, s := range pg.Items {
			if s.Deadline != nil && s.Deadline.Extended {
				extended = append(extended, s)
			}
		}
		if int64(page*listPerPage) >= pg.Total {
			break
		}
	}
	d := deadlineData{Sections: []section{overdue, soon,
		{Key: "deadlines.extended", Empty: "dash.none", Items: extended, Total: int64(len(extended))}, closing}}
	return w.render(c, "deadlines", w.newPage(c, "deadlines.title", d))
}

// MyData offers the person's own data for download (GDPR art. 15 and 20).
func (w *Web) MyData(c echo.Context) error {
	var d myDataData
	if w.d.Privacy != nil {
		var err error
		if d.Notices, err = w.d.Privacy.Notices(c.Request().Context(), callerOf(c).ID); err != nil {
			return w.fail(c, err)
		}
	}
	return w.render(c, "my_data", w.newPage(c, "mydata.title", d))
}

// myDataData: what others did with the person's data (a complaint filed for
// them, an export under a data-subject request).
type myDataData struct{ Notices []privacy.Notice }

// MyDataExport serves GET /my-data/export.:format.
func (w *Web) MyDataExport(c echo.Context) error {
	if w.d.Privacy == nil {
		return w.fail(c, apperr.New(apperr.Unavailable, "unavailable", ""))
	}
	format := c.Param("format")
	if format != "json" && format != "pdf" {
		return w.fail(c, apperr.NotFoundError("Page"))
	}
	cl := callerOf(c)
	exp, err := w.d.Privacy.Build(c.Request().Context(), cl, cl.ID)
	if err != nil {
		return w.fail(c, err)
	}
	return w.download(c, cl.ID, format, exp, "rkc-mijn-gegevens")
}

// download sends a data-subject export as the API does (logged, signed,
// with its inclusion proof: privacy.Handlers.File), under name, never
// rendered in the site's origin.
func (w *Web) download(c echo.Context, subject uuid.UUID, format string, exp *privacy.Export, name string) error {
	if w.d.Exports == nil {
		return w.fail(c, apperr.New(apperr.Unavailable, "unavailable", ""))
	}
	doc, mime, err := w.d.Exports.File(c.Request().Context(), callerOf(c), subject, format, exp)
	if err != nil {
		return w.fail(c, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	return c.Blob(http.StatusOK, mime, doc)
}

// The committee's side of signals.

// Signals serves GET /committee/signals.
func (w *Web) Signals(c echo.Context) error {
	return showList(w, c, "signals", "signals.title", w.d.Signals.Signals)
}

type signalData struct{ S *signals.SignalView }

// Signal serves GET /committee/signals/:sid.
func (w *Web) Signal(c echo.Context) error {
	id, err := uuid.Parse(c.Param("sid"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Signal"))
	}
	v, err := w.d.Signals.Signal(c.Request().Context(), callerOf(c), id)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "signal", w.newPage(c, "signals.one.title", signalData{S: v}))
}

// AnswerSignal serves POST /committee/signals/:sid/answer.
func (w *Web) AnswerSignal(c echo.Context) error {
	id, err := uuid.Parse(c.Param("sid"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Signal"))
	}
	body := strings.TrimSpace(c.FormValue("body"))
	if body != "" {
		err = w.d.Signals.AnswerSignal(c.Request().Context(), callerOf(c), id, signals.MessageInput{Body: body})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/committee/signals/"+id.String()+"?done=signal_answer")
		}
	}
	v, gerr := w.d.Signals.Signal(c.Request().Context(), callerOf(c), id)
	if gerr != nil {
		return w.fail(c, gerr)
	}
	p := w.newPage(c, "signals.one.title", signalData{S: v})
	p.Form = "answer"
	if body == "" {
		p.Errors["body"] = p.T("err.body")
	} else if !formErrors(p.Lang, err, p) {
		return w.fail(c, err)
	}
	return w.refused(c, "signal", p)
}

// The privacy officer's access log.

type auditData struct {
	Items   []audit.Entry
	Total   int64
	Page    int
	Pages   int
	Query   template.URL // the search as a query string, for the page links (encoded by url.Values)
	Verify  *audit.Result
	Checked bool
}

const auditPerPage = 50

// AuditPage serves GET /audit.
func (w *Web) AuditPage(c echo.Context) error {
	p := w.newPage(c, "audit.title", nil)
	d, err := w.auditSearch(c, p)
	if err != nil {
		return w.fail(c, err)
	}
	p.Data = d
	if len(p.Errors) > 0 {
		p.Status = http.StatusUnprocessableEntity
	}
	return w.render(c, "audit", p)
}

// auditSearch reads one page of the log by case, person and period; the
// search is itself logged.
func (w *Web) auditSearch(c echo.Context, p *page) (auditData, error) {
	d := auditData{Page: 1, Items: []audit.Entry{}}
	p.Form, p.Values = "search", c.QueryParams()
	var q audit.Query
	if v := strings.TrimSpace(c.QueryParam("case_id")); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			p.Errors["case_id"] = p.T("err.uuid")
		}
		q.CaseID = &id
	}
	if v := strings.TrimSpace(c.QueryParam("person_id")); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			p.Errors["person_id"] = p.T("err.uuid")
		}
		q.PersonID = &id
	}
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := strings.TrimSpace(c.QueryParam(f.name)); v != "" {
			t, err := audit.PeriodBound(v, f.dst == &q.To)
			if err != nil {
				p.Errors[f.name] = p.T("err.date")
			}
			*f.dst = &t
		}
	}
	if n, err := atoiPositive(c.QueryParam("page")); err == nil {
		d.Page = n
	}
	if len(p.Errors) > 0 {
		return d, nil
	}
	vals := c.QueryParams()
	vals.Del("page")
	d.Query = template.URL(vals.Encode())
	q.Page, q.PerPage, q.Newest = d.Page, auditPerPage, true
	res, err := w.d.Audit.Find(c.Request().Context(), readerOf(c), q)
	if err != nil {
		return d, err
	}
	d.Items, d.Total = res.Items, res.Total
	d.Pages = int((d.Total + auditPerPage - 1) / auditPerPage)
	return d, nil
}

// AuditVerify serves POST /audit/verify.
func (w *Web) AuditVerify(c echo.Context) error {
	res, err := w.d.Audit.Check(c.Request().Context(), readerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	p := w.newPage(c, "audit.title", nil)
	d, err := w.auditSearch(c, p)
	if err != nil {
		return w.fail(c, err)
	}
	d.Verify, d.Checked = &res, true
	p.Data = d
	return w.render(c, "audit", p)
}

// readerOf is the privacy officer reading the log.
func readerOf(c echo.Context) audit.Reader {
	cl := callerOf(c)
	return audit.Reader{ID: cl.ID, Client: cl.Client}
}

// Admin: accounts and grants. Kept simple; no case content here.

type adminData struct {
	Accounts   []accounts.AccountView
	Unused     bool // the review of accounts not used for UnusedDays
	UnusedDays int
	Ministries []accounts.Ministry
	Retention  Retention
	// Requests are the open role requests the admin asked for or may decide.
	Requests int
}

// adminData reads the accounts from the account service: all of them, or
// with ?unused=1 the active ones not used for the configured period, the
// longest unused first.
func (w *Web) adminData(c echo.Context) (adminData, error) {
	unused := c.QueryParam("unused") == "1" || c.FormValue("from") == "unused"
	rows, err := w.d.Accounts.Accounts(c.Request().Context(), unused)
	if err != nil {
		return adminData{}, err
	}
	ms, err := w.d.Accounts.Ministries(c.Request().Context())
	if err != nil {
		return adminData{}, err
	}
	reqs, err := w.d.Accounts.GrantRequests(c.Request().Context(), callerOf(c))
	if err != nil {
		return adminData{}, err
	}
	return adminData{Accounts: rows, Unused: unused, UnusedDays: int(w.d.Accounts.Options().UnusedAfter.Hours() / 24),
		Ministries: ms, Retention: w.d.Retention, Requests: len(reqs)}, nil
}

// AdminMinistry adds, renames or (de)activates a ministry.
func (w *Web) AdminMinistry(c echo.Context) error {
	m := accounts.Ministry{Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name")),
		Active: c.FormValue("active") != "no"}
	if err := w.d.Accounts.SaveMinistry(c.Request().Context(), m); err != nil {
		return w.adminError(c, "ministry", err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/accounts?done=ministry_saved")
}

// AdminAccounts serves GET /admin/accounts.
func (w *Web) AdminAccounts(c echo.Context) error {
	d, err := w.adminData(c)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "admin_accounts", w.newPage(c, "admin.title", d))
}

// AdminCreate invites a person: an account without a password, whose
// holder chooses their own password and second factor through the link
// (issue 14: never one an admin chose). A role that needs confirmation
// becomes a request.
func (w *Web) AdminCreate(c echo.Context) error {
	cl := callerOf(c)
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	in := accounts.Invitation{Email: v("email"), Name: v("name"), Ministry: v("ministry"), Language: langOf(c)}
	if r := v("role"); r != "" {
		in.Roles = []authz.Grant{{Role: r, Domain: v("domain")}}
	}
	if err := w.d.Accounts.Invite(c.Request().Context(), cl, in); err != nil {
		return w.adminError(c, "create", err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/accounts?done=invited")
}

func (w *Web) adminError(c echo.Context, form string, err error) error {
	d, derr := w.adminData(c)
	if derr != nil {
		return w.fail(c, derr)
	}
	p := w.newPage(c, "admin.title", d)
	p.Form, p.Values = form, formValues(c)
	if !formErrors(p.Lang, err, p) {
		return w.fail(c, err)
	}
	delete(p.Values, "password")
	return w.refused(c, "admin_accounts", p)
}

func atoiPositive(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, apperr.New(apperr.Invalid, "bad-request", "")
	}
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e6 {
			return 0, apperr.New(apperr.Invalid, "bad-request", "")
		}
		n = n*10 + int(r-'0')
	}
	if n < 1 {
		return 0, apperr.New(apperr.Invalid, "bad-request", "")
	}
	return n, nil
}
