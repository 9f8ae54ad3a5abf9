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
	order, ok := sortOrders[f.Sort]
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
	args := relationArgs(caller)
	where := relationWhere
	if f.State != "" {
		where += ` AND c.state = @state`
		args["state"] = string(f.State)
	}
	if f.Ministry != "" {
		where += ` AND c.ministry = @ministry`
		args["ministry"] = f.Ministry
	}
	if f.Category != "" {
		where += ` AND c.category = @category`
		args["category"] = f.Category
	}
	openStates := `c.state IN ('registered','awaiting_information','admissible','investigating','advised')`
	if dueBefore != nil {
		where += ` AND ` + openStates + ` AND c.due_on <= @due_before`
		args["due_before"] = *dueBefore
	}
	today := DateOf(s.now())
	switch f.Flag {
	case "overdue":
		where += ` AND ` + openStates + ` AND c.due_on < @today`
		args["today"] = today
	case "due_soon":
		// The horizon is exact, so that the count and the pages agree with
		// the flag each case shows.
		where += ` AND ` + openStates + ` AND c.due_on >= @today AND c.due_on <= @horizon`
		args["today"] = today
		args["horizon"] = s.dueSoonHorizon(today)
	case "closing":
		// Finished cases waiting for the scheduled job to close them.
		where += ` AND c.state IN ('decided','inadmissible','withdrawn','resolved_informally')`
	}
	// The relation in SQL is not the whole decision: casbin still has to
	// let the relation read (a role withdrawn since keeps the relation but
	// opens nothing). So the cases are filtered first and the total counts
	// what the pages show.
	var cands []relRow
	if err := s.db.WithContext(ctx).Raw(`SELECT c.id, c.ministry, c.respondent_ministry, `+relationSQL+`
		FROM cases c WHERE `+where+` ORDER BY `+order, args).Scan(&cands).Error; err != nil {
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
	args["ids"] = ids
	var rows []relRow
	if err := s.db.WithContext(ctx).Raw(`SELECT c.id, c.number, c.state, c.category, c.ministry, c.respondent_ministry, c.filed_at, c.received_on,
		c.due_on, c.not_handled_due_on, c.extended, c.finished_at, c.version, c.complainant_id, c.adviser_id, c.respondent_id, `+relationSQL+`
		FROM cases c WHERE c.id IN @ids`, args).Scan(&rows).Error; err != nil {
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
	"":           "c.filed_at DESC, c.id",
	"filed_desc": "c.filed_at DESC, c.id",
	"filed_asc":  "c.filed_at ASC, c.id",
	"due_asc":    "c.due_on ASC NULLS LAST, c.filed_at, c.id",
	"number":     "c.number ASC, c.id",
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
