package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/i18n"
	"github.com/rkc-nl/rkc/internal/privacy"
)

// pageNames are the pages; New fails when one has no template.
var pageNames = []string{
	"home", "login", "dashboard", "error",
	"complaint_intro", "complaint_step", "complaint_review",
	"case", "my_data", "deadlines",
	"signal_new", "signal_receipt", "signal_follow",
	"signals", "signal",
	"audit", "admin_accounts", "report",
	"password", "two_factor",
	"grant_requests",                                              // admin.go
	"thread", "notes", "witnesses", "retaliation", "case_witness", // conversations.go
	"privacy_requests", "privacy_request", // privacy_requests.go
	"accessibility", // statement.go
	"sessions",      // account.go
	"admin_account", // admin.go
	"cases_list",    // caselist.go
}

type pageTemplate struct{ t *template.Template }

// parseTemplates parses every page with the shared layout and partials once.
func parseTemplates(files fs.FS) (map[string]*pageTemplate, error) {
	shared := []string{"templates/layout.html", "templates/partials.html", "templates/conversations_partials.html", "templates/work_partials.html"}
	out := map[string]*pageTemplate{}
	for _, name := range pageNames {
		path := "templates/" + name + ".html"
		if _, err := fs.Stat(files, path); err != nil {
			return nil, fmt.Errorf("web: template for page %q is missing: %w", name, err)
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, append(shared, path)...)
		if err != nil {
			return nil, fmt.Errorf("web: page %q: %w", name, err)
		}
		for _, part := range []string{"layout", "title", "content"} {
			if t.Lookup(part) == nil {
				return nil, fmt.Errorf("web: page %q defines no %q", name, part)
			}
		}
		out[name] = &pageTemplate{t: t}
	}
	return out, nil
}

// funcs are the template helpers that need no language; the language-bound
// ones are methods of page.
var funcs = template.FuncMap{
	"field": func(p *page, name, label string, value any, opts ...string) *field {
		f := &field{P: p, Name: name, ID: "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name), Label: label, Value: value}
		for _, o := range opts {
			k, v, _ := strings.Cut(o, ":")
			switch k {
			case "required":
				f.Required = true
			case "hint":
				f.Hint = v
			case "hintText":
				f.Hint, f.HintLiteral = v, true
			case "filter":
				f.Filter = true
			case "id":
				f.ID += "-" + v
			case "n":
				f.LabelArgs = append(f.LabelArgs, "n", v)
			case "type":
				f.Type = v
			case "rows":
				f.Rows, _ = strconv.Atoi(v)
			case "autocomplete":
				f.Autocomplete = v
			case "options":
				f.OptionsKey = v
			case "width":
				f.Width = v
			}
		}
		if f.Type == "" {
			f.Type = "text"
		}
		if f.Rows == 0 {
			f.Rows = 6
		}
		return f
	},
	"yes": func(b bool) string {
		if b {
			return "yes"
		}
		return ""
	},
	"choose": func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	},
	"has":   func(v string, list []string) bool { return slices.Contains(list, v) },
	"str":   func(v any) string { return fmt.Sprint(v) },
	"add":   func(a, b int) int { return a + b },
	"int64": func(v int) int64 { return int64(v) },
	"deref": func(v *int64) int64 {
		if v == nil {
			return 0
		}
		return *v
	},
	"list": func(v ...any) []any { return v },
	"pairs": func(v []any) []pair {
		out := make([]pair, 0, len(v)/2)
		for i := 0; i+1 < len(v); i += 2 {
			out = append(out, pair{Key: fmt.Sprint(v[i]), Value: v[i+1]})
		}
		return out
	},
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// field is one form control with its label, hint and error.
type field struct {
	P           *page
	Name, ID    string
	Label, Hint string // catalogue keys
	HintLiteral bool   // Hint is text, not a key
	LabelArgs   []any
	Value       any
	Required    bool
	// Filter marks a field of a search or filter form: every such field
	// may stay empty, so none is labelled "optional".
	Filter       bool
	Type         string
	Rows         int
	Autocomplete string
	OptionsKey   string // which option list (see page.Options)
	Width        string
}

// LabelText is the label in the page's language.
func (f *field) LabelText() string { return f.P.T(f.Label, f.LabelArgs...) }

// HintText is the hint in the page's language.
func (f *field) HintText() string {
	if f.HintLiteral {
		return f.Hint
	}
	return f.P.T(f.Hint)
}

// Error returns the field's error message, if any.
func (f *field) Error() string { return f.P.Errors[f.Name] }

// Val returns the submitted value of the field, or its given value.
func (f *field) Val() string {
	if f.P.Values != nil {
		if v, ok := f.P.Values[f.Name]; ok && len(v) > 0 {
			return v[0]
		}
	}
	if f.Value == nil {
		return ""
	}
	return fmt.Sprint(f.Value)
}

// Described lists the ids that describe the control: hint and error.
func (f *field) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error() != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Options returns the field's choices.
func (f *field) Options() []option { return f.P.Options(f.OptionsKey) }

type pair struct {
	Key   string
	Value any
}

type option struct {
	Value, Label string
}

type navItem struct {
	Href, Label string
	Current     bool
}

// page is what every template gets: the request's language, caller and
// token, the form state, and the page's own data.
type page struct {
	w         *Web
	Lang      string
	Path      string
	Title     string // catalogue key of the page title
	TitleArgs []any
	Caller    *accounts.Caller
	CSRF      string
	Nav       []navItem
	Flash     string // catalogue key of a confirmation
	Notice    string // catalogue key of a neutral notice
	// Form state: which form was posted, its values and errors per field;
	// FormError is a message for the whole form.
	Form      string
	Values    url.Values
	Errors    map[string]string
	FormError string
	IDSuffix  string // appended to field ids in the error summary (forms shown more than once)
	IdleUntil time.Time
	Status    int
	Data      any
}

func (w *Web) newPage(c echo.Context, title string, data any) *page {
	p := &page{w: w, Lang: langOf(c), Path: c.Request().URL.RequestURI(), Title: title, Caller: callerOf(c), Data: data,
		Errors: map[string]string{}, Status: http.StatusOK}
	p.CSRF, _ = c.Get(keyCSRF).(string)
	if t, ok := c.Get(keyIdle).(time.Time); ok {
		p.IdleUntil = t
	}
	if f := c.QueryParam("done"); f != "" && i18n.Has(i18n.Default, "flash."+f) {
		p.Flash = "flash." + f
	}
	p.Nav = w.nav(p)
	return p
}

// T translates key into the page's language; args are name/value pairs.
func (p *page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// TitleText is the full document title.
func (p *page) TitleText() string {
	return p.T(p.Title, p.TitleArgs...) + " – " + p.T("app.short")
}

// Other is the language the switch offers.
func (p *page) Other() string {
	if p.Lang == "en" {
		return "nl"
	}
	return "en"
}

// Date writes a date in the page's language: "3 maart 2026".
func (p *page) Date(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return i18n.Date(p.Lang, t.In(calendar.Zone()))
	case *time.Time:
		if t == nil {
			return ""
		}
		return p.Date(*t)
	case string: // YYYY-MM-DD, as the services give calendar dates
		d, err := time.Parse(time.DateOnly, t)
		if err != nil {
			return t
		}
		return i18n.Date(p.Lang, d)
	}
	return ""
}

// DateTime writes a moment in Dutch time: "3 maart 2026, 14:05".
func (p *page) DateTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	}
	if t.IsZero() {
		return ""
	}
	t = t.In(calendar.Zone())
	return i18n.Date(p.Lang, t) + ", " + t.Format("15:04")
}

// Now is the service's clock (a hearing is marked held only once its time
// has passed).
func (p *page) Now() time.Time { return p.w.d.Now() }

// Clock writes a time of day: "14:05".
func (p *page) Clock(t time.Time) string { return t.In(calendar.Zone()).Format("15:04") }

// Number writes a whole number with the language's digit grouping.
func (p *page) Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "."
	if p.Lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Size writes a file size: "1,5 MB" in Dutch, "1.5 MB" in English.
func (p *page) Size(n int64) string {
	unit, v := "B", float64(n)
	for _, u := range []string{"kB", "MB", "GB"} {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if unit == "B" {
		s = strconv.FormatInt(n, 10)
	}
	if p.Lang == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + unit
}

// Cat is the label of a category, "" for none.
func (p *page) Cat(s string) string { return p.label("category.", s) }

// Ground is the label of a discrimination ground, "" for none.
func (p *page) Ground(s string) string { return p.label("ground.", s) }

// Label translates prefix+value where the catalogue has it, else shows the
// value itself (a new state or event the catalogue does not know yet).
func (p *page) Label(prefix string, value any) string { return p.label(prefix, fmt.Sprint(value)) }

func (p *page) label(prefix, s string) string {
	if s == "" {
		return ""
	}
	if i18n.Has(i18n.Default, prefix+s) {
		return p.T(prefix + s)
	}
	return s
}

// Has reports whether the caller holds role in some domain.
func (p *page) Has(role string) bool { return p.Caller != nil && p.Caller.HasRole(role) }

// Can reports whether the caller's roles allow action somewhere.
func (p *page) Can(action string) bool { return p.w.allowed(p.Caller, action) }

// Options returns the choices of a select or radio group, labelled in the
// page's language.
func (p *page) Options(which string) []option {
	list := func(prefix string, values []string) []option {
		out := make([]option, len(values))
		for i, v := range values {
			out[i] = option{Value: v, Label: p.T(prefix + v)}
		}
		return out
	}
	switch which {
	case "category":
		return list("category.", categories)
	case "ground":
		return append([]option{{Value: "", Label: p.T("form.choose")}}, list("ground.", grounds)...)
	case "inadmissible":
		return append([]option{{Value: "", Label: p.T("form.choose")}}, list("inadmissible.", inadmissibleGrounds)...)
	case "judgement":
		return list("judgement.", judgements)
	case "behalf":
		return []option{{Value: "self", Label: p.T("complaint.behalf.self")}, {Value: "other", Label: p.T("complaint.behalf.other")}}
	case "admissible":
		return []option{{Value: "yes", Label: p.T("action.admissibility.yes")}, {Value: "no", Label: p.T("action.admissibility.no")}}
	case "follows":
		return []option{{Value: "yes", Label: p.T("action.decision.follows")}, {Value: "no", Label: p.T("action.decision.departs")}}
	case "yesno":
		return []option{{Value: "yes", Label: p.T("form.yes")}, {Value: "no", Label: p.T("form.no")}}
	case "legal_basis":
		return list("dsr.basis.", []string{privacy.BasisAccess, privacy.BasisPortability})
	case "dsr_outcome":
		return list("dsr.outcome.", privacy.Outcomes)
	case "parties":
		return list("parties.", []string{"both", "complainant", "respondent", "witness"})
	case "consent_form":
		return append([]option{{Value: "", Label: p.T("form.choose")}}, list("consent_form.", cases.ConsentForms)...)
	case "not_heard_side":
		return append([]option{{Value: "", Label: p.T("form.choose")}}, list("side.", []string{"complainant", "respondent"})...)
	case "not_heard_ground":
		return append([]option{{Value: "", Label: p.T("form.choose")}}, list("not_heard.", cases.NotHeardGrounds["complainant"])...)
	case "ministry", "ministry-optional":
		out := []option{}
		if which == "ministry-optional" {
			out = append(out, option{Value: "", Label: p.T("form.unknown")})
		}
		for _, m := range p.w.ministries() {
			out = append(out, option{Value: m.Code, Label: m.Code + " – " + m.Name})
		}
		return out
	case "role":
		return list("role.", authz.Roles)
	case "list-state": // the case list's filters (caselist.go)
		return append([]option{{Value: "", Label: p.T("list.all")}}, list("state.", listStates)...)
	case "list-deadline":
		return []option{{Value: "", Label: p.T("list.all")}, {Value: "due_soon", Label: p.T("list.deadline.due_soon")}, {Value: "overdue", Label: p.T("list.deadline.overdue")},
			{Value: "closing", Label: p.T("list.deadline.closing")}}
	case "list-category":
		return append([]option{{Value: "", Label: p.T("list.all")}}, list("category.", categories)...)
	case "list-ministry":
		out := []option{{Value: "", Label: p.T("list.all")}}
		for _, m := range p.w.ministries() {
			out = append(out, option{Value: m.Code, Label: m.Code + " – " + m.Name})
		}
		return out
	case "list-sort":
		return list("list.sort.", cases.Sorts)
	case "domain":
		out := []option{{Value: authz.AnyDomain, Label: p.T("admin.domain.any")}}
		for _, m := range p.w.ministries() {
			out = append(out, option{Value: m.Code, Label: m.Code})
		}
		return out
	}
	return nil
}

// ErrorList is the error summary above a form, in field order.
func (p *page) ErrorList() []fieldError {
	var out []fieldError
	for name, msg := range p.Errors {
		out = append(out, fieldError{ID: "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name) + p.IDSuffix, Message: msg})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type fieldError struct{ ID, Message string }

// For returns the page as form name sees it: the posted form's values and
// errors, or none for every other form on the page.
func (p *page) For(name string) *page {
	if p.Form == name {
		return p
	}
	cp := *p
	cp.Errors, cp.Values, cp.FormError = map[string]string{}, nil, ""
	return &cp
}

// IsForm reports whether the posted form was name (its errors show there).
func (p *page) IsForm(name string) bool { return p.Form == name }

// render writes the page with its status.
func (w *Web) render(c echo.Context, name string, p *page) error {
	pt, ok := w.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", p); err != nil {
		w.d.Log.Error("rendering page failed", "page", name, "error", err.Error())
		return c.HTML(http.StatusInternalServerError, "<!doctype html><title>RKC</title><p>Er ging iets mis. Something went wrong.</p>")
	}
	return c.HTMLBlob(p.Status, buf.Bytes())
}

// refused shows page tmpl again with the refusal of its form on it (422).
func (w *Web) refused(c echo.Context, tmpl string, p *page) error {
	p.Status = http.StatusUnprocessableEntity
	return w.render(c, tmpl, p)
}

// nav is the main navigation for the caller's roles.
func (w *Web) nav(p *page) []navItem {
	var items []navItem
	add := func(href, key string) {
		cur := p.Path == href || (href != "/" && strings.HasPrefix(p.Path, href+"/")) || strings.HasPrefix(p.Path, href+"?")
		items = append(items, navItem{Href: href, Label: key, Current: cur})
	}
	if p.Caller == nil {
		add("/", "nav.home")
		add("/signal", "nav.signal")
		add("/signal/follow", "nav.signal_follow")
		return items
	}
	add("/dashboard", "nav.dashboard")
	if p.Has(authz.Complainant) || p.Has(authz.Adviser) {
		add("/complaint", "nav.complaint")
	}
	if p.Can("case:list") {
		add("/cases", "nav.cases")
	}
	if p.Has(authz.Secretary) || p.Has(authz.Chair) {
		add("/deadlines", "nav.deadlines")
	}
	if p.Can("signal:list") {
		add("/committee/signals", "nav.signals")
	}
	if p.Can("report:read") {
		add("/reports", "nav.report")
	}
	if p.Can("dsr:manage") {
		add("/privacy/requests", "nav.dsr")
	}
	if p.Can("audit:read") {
		add("/audit", "nav.audit")
	}
	if p.Has(authz.Admin) {
		add("/admin/accounts", "nav.admin")
	}
	add("/my-data", "nav.my_data")
	add("/account/sessions", "nav.sessions")
	return items
}
