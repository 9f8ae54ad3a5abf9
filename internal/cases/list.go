package cases

import (
	"context"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/calendar"
)

// ListFilter narrows the list of cases.
type ListFilter struct {
	State     State  // empty: all
	DueBefore string // YYYY-MM-DD: open cases due on or before this date
	Flag      string // "due_soon", "overdue" or "closing" (finished, waiting to be closed)
	// Ministry and Category narrow the committee's lists (secretary, chair):
	// the complainant's ministry, the kind of behaviour.
	Ministry string
	Category string
	Sort     string // one of Sorts; empty: "filed_desc"
	Page     int    // from 1
	PerPage  int    // 1..100
}

// Page is one page of cases.
type Page struct {
	Items   []Summary `json:"items"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
	Total   int64     `json:"total"`
}

// List returns the cases the caller relates to, newest first. Callable by
// every case role; a role without relations gets an empty list.
func (s *Service) List(ctx context.Context, caller *accounts.Caller, f ListFilter) (*Page, error) {
	bad := map[string]string{}
	if f.State != "" {
		if _, ok := edges[f.State]; !ok && f.State != Closed {
			bad["state"] = "is not a known state"
		}
	}
	var dueBefore *time.Time
	if f.DueBefore != "" {
		d, err := time.Parse(time.DateOnly, f.DueBefore)
		if err != nil {
			bad["dueBefore"] = "must be a date YYYY-MM-DD"
		}
		dueBefore = &d
	}
	if f.Flag != "" && f.Flag != "due_soon" && f.Flag != "overdue" && f.Flag != "closing" {
		bad["flag"] = "must be due_soon, overdue or closing"
	}
	if (f.Ministry != "" || f.Category != "") && !caller.HasRole(authz.Secretary) && !caller.HasRole(authz.Chair) {
		// A witness's list leaves out the ministry and category; filtering
		// on them would tell them anyway.
		if f.Ministry != "" {
			bad["ministry"] = "is a filter for the committee's staff"
		}
		if f.Category != "" {
			bad["category"] = "is a filter for the committee's staff"
		}
	}
	if f.Category != "" && !validCategory(f.Category) {
		bad["category"] = "is not a known category"
	}
	candidatesSQL, ok := listCandidatesSQL[f.Sort]
	if !ok {
		bad["sort"] = "must be one of filed_desc, filed_asc, due_asc, number"
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PerPage == 0 {
		f.PerPage = 25
	}
	if f.Page < 1 || f.Page > 100000 {
		bad["page"] = "must be 1 or more"
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		bad["perPage"] = "must be from 1 to 100"
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	// A filter left empty is a null parameter: it does not narrow.
	orNull := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	var flag, today, horizon any = orNull(f.Flag), nil, nil
	if f.Flag == "overdue" || f.Flag == "due_soon" {
		d := DateOf(s.now())
		today, horizon = d, s.dueSoonHorizon(d)
	}
	staff, doms := callerScope(caller)
	// The relation in SQL is not the whole decision: casbin still has to
	// let the relation read (a role withdrawn since keeps the relation but
	// opens nothing). So the cases are filtered first and the total counts
	// what the pages show.
	var cands []relRow
	if err := s.db.WithContext(ctx).Raw(candidatesSQL, caller.ID, staff, doms, orNull(string(f.State)), orNull(f.Ministry), orNull(f.Category),
		dueBefore, flag, today, horizon).Scan(&cands).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	var shown []uuid.UUID
	for i := range cands {
		if _, ok := s.enf.CaseAllowed(caller.ID.String(), cands[i].relations(), "case:read"); ok {
			shown = append(shown, cands[i].ID)
		}
	}
	out := &Page{Items: []Summary{}, Page: f.Page, PerPage: f.PerPage, Total: int64(len(shown))}
	from := min((f.Page-1)*f.PerPage, len(shown))
	ids := shown[from:min(from+f.PerPage, len(shown))]
	if len(ids) == 0 {
		return out, nil
	}
	var rows []relRow
	if err := s.db.WithContext(ctx).Raw(listPageSQL, caller.ID, staff, doms, ids).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	// The page in the list's order.
	pos := make(map[uuid.UUID]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	sort.Slice(rows, func(i, j int) bool { return pos[rows[i].ID] < pos[rows[j].ID] })
	for i := range rows {
		r := &rows[i]
		rel := primary(authz.EffectiveRelations(r.relations()))
		sum := s.summary(r, rel)
		if rel == authz.RelWitness {
			sum = witnessSummary(sum)
		}
		out.Items = append(out.Items, sum)
	}
	return out, nil
}

// Sorts are the orders a list can take; the case id breaks ties, so that
// pages never overlap or skip a case.
var Sorts = []string{"filed_desc", "filed_asc", "due_asc", "number"}

var sortOrders = map[string]string{
	"":           "x.filed_at DESC, x.id",
	"filed_desc": "x.filed_at DESC, x.id",
	"filed_asc":  "x.filed_at ASC, x.id",
	"due_asc":    "x.due_on ASC NULLS LAST, x.filed_at, x.id",
	"number":     "x.number ASC, x.id",
}

func validCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}

// dueSoonHorizon is the last date that lies within the due-soon span of
// today: the day before the working day that would be one too many.
func (s *Service) dueSoonHorizon(today time.Time) time.Time {
	d, n := today, 0
	for {
		next := d.AddDate(0, 0, 1)
		if !s.cal.IsNonWorkingDay(next) {
			if n++; n > calendar.DueSoonWorkingDays {
				return d
			}
		}
		d = next
	}
}
