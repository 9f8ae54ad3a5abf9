package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
)

// casesPerPage is the length of a page of the case list.
const casesPerPage = 25

// listStates are the states the list can be narrowed to, in the order of
// the procedure.
var listStates = []string{"submitted", "registered", "awaiting_information", "admissible", "inadmissible",
	"investigating", "advised", "decided", "withdrawn", "resolved_informally", "closed"}

type caseListData struct {
	List     section
	Total    int64
	Page     int
	Pages    int
	Query    template.URL // the filter as a query string, for the page links (encoded by url.Values)
	Filtered bool
	Staff    bool // the committee's own filters (ministry, category) are offered
}

// CaseList is every list of the dashboards in full: all the caller's
// cases, narrowed by state, deadline (due within 10 working days, overdue),
// and for the committee's staff by ministry and category, in the chosen
// order, a page at a time. The service decides which cases the caller sees.
func (w *Web) CaseList(c echo.Context) error {
	cl := callerOf(c)
	q := c.QueryParams()
	p := w.newPage(c, "list.title", nil)
	p.Form, p.Values = "filter", q
	f := cases.ListFilter{State: cases.State(q.Get("state")), Flag: q.Get("deadline"), Ministry: q.Get("ministry"),
		Category: q.Get("category"), Sort: q.Get("sort"), Page: 1, PerPage: casesPerPage}
	if v := q.Get("page"); v != "" {
		n, err := atoiPositive(v)
		if err != nil {
			p.Errors["page"] = p.T("err.page")
		}
		f.Page = n
	}
	d := caseListData{Staff: cl.HasRole(authz.Secretary) || cl.HasRole(authz.Chair), Page: f.Page,
		List: section{Key: "list.heading", Empty: "list.empty", Items: []cases.Summary{}}}
	keep := url.Values{}
	for _, k := range []string{"state", "deadline", "ministry", "category", "sort"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
			d.Filtered = d.Filtered || k != "sort"
		}
	}
	d.Query = template.URL(keep.Encode())
	if len(p.Errors) == 0 {
		pg, err := w.d.Cases.List(c.Request().Context(), cl, f)
		if err != nil {
			e := apperr.As(err)
			if e.Code != apperr.Invalid {
				return w.fail(c, err)
			}
			for k := range e.Fields {
				if k == "flag" {
					k = "deadline"
				}
				p.Errors[k] = p.T("err.filter")
			}
			if len(e.Fields) == 0 {
				p.FormError = p.T("err.filter")
			}
		} else {
			d.List.Items, d.Total = pg.Items, pg.Total
			d.Pages = int((pg.Total + casesPerPage - 1) / casesPerPage)
		}
	}
	p.Data = d
	if len(p.Errors) > 0 || p.FormError != "" {
		p.Status = http.StatusBadRequest
	}
	return w.render(c, "cases_list", p)
}
