package audit

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/calendar"
)

// Query selects entries of the log. Every field is optional.
type Query struct {
	CaseID   *uuid.UUID
	PersonID *uuid.UUID // the actor
	Kind     string     // event kind, the part of the action before ':'
	From, To *time.Time // From inclusive, To exclusive (see PeriodBound)
	Page     int        // from 1
	PerPage  int
	Newest   bool // newest first
}

// Page is one page of log entries.
type Page struct {
	Items   []Entry `json:"items"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Total   int64   `json:"total"`
}

// PeriodBound reads one end of a search's period, as both the API and the
// privacy officer's page take it. A date (YYYY-MM-DD) is a day of the
// committee's time zone, and both ends include their day: from starts at
// the beginning of its day, to ends at the end of its day, so from and to
// the same date is that whole day. An RFC 3339 time is an instant, to
// excluding it.
func PeriodBound(v string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	day, err := time.ParseInLocation(time.DateOnly, v, calendar.Zone())
	if err != nil {
		return time.Time{}, err
	}
	if end {
		day = day.AddDate(0, 0, 1)
	}
	return day, nil
}

// Search reads one page of the log, with the case and person of sealed
// entries opened while their case exists. A search by case or person finds
// sealed entries through the case's key handle and the person's keyed tags.
func Search(ctx context.Context, db *gorm.DB, q Query) (Page, error) {
	db = db.WithContext(ctx)
	out := Page{Items: []Entry{}, Page: max(q.Page, 1), PerPage: q.PerPage}
	if out.PerPage <= 0 {
		out.PerPage = 50
	}
	sel := db.Model(&Entry{})
	if q.CaseID != nil {
		sel = sel.Where("(case_id = ? OR key_handle = (SELECT handle FROM log_case_keys WHERE case_id = ?))", *q.CaseID, *q.CaseID)
	}
	if q.PersonID != nil {
		var keys []CaseKey
		scope := db.Table("log_case_keys").Select("handle, key")
		if q.CaseID != nil {
			scope = scope.Where("case_id = ?", *q.CaseID)
		}
		if err := scope.Scan(&keys).Error; err != nil {
			return out, err
		}
		tags := make([][]byte, 0, len(keys))
		for _, k := range keys {
			tags = append(tags, personTag(k.Key, *q.PersonID))
		}
		if len(tags) > 0 {
			sel = sel.Where("(person_id = ? OR person_tag IN ?)", *q.PersonID, tags)
		} else {
			sel = sel.Where("person_id = ?", *q.PersonID)
		}
	}
	if q.Kind != "" {
		sel = sel.Where("action LIKE ?", q.Kind+":%")
	}
	if q.From != nil {
		sel = sel.Where("at >= ?", *q.From)
	}
	if q.To != nil {
		sel = sel.Where("at < ?", *q.To)
	}
	if err := sel.Count(&out.Total).Error; err != nil {
		return out, err
	}
	order := "id"
	if q.Newest {
		order = "id DESC"
	}
	if err := sel.Order(order).Offset((out.Page - 1) * out.PerPage).Limit(out.PerPage).Find(&out.Items).Error; err != nil {
		return out, err
	}
	return out, openAll(ctx, db, out.Items)
}
