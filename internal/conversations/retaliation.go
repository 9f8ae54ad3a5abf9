package conversations

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// A retaliation report (melding van benadeling): a complainant (or their
// adviser for them), a respondent or a witness reports, within their case,
// that they were disadvantaged because of it. The report goes to the chair,
// who moves it along its own states, records why, and may recommend
// measures to the competent authority. It is counted in the annual report
// of the year it was filed, through an anonymous statistical record.

// Retaliation states.
const (
	RetaliationReceived = "received"
	RetaliationReview   = "under_review"
	RetaliationReferred = "referred_to_authority"
	RetaliationClosed   = "closed"
)

// retaliationEdges are the only moves a report can make.
var retaliationEdges = map[string][]string{
	RetaliationReceived: {RetaliationReview, RetaliationClosed},
	RetaliationReview:   {RetaliationReferred, RetaliationClosed},
	RetaliationReferred: {RetaliationClosed},
}

// RetaliationNext lists the states a report in state can move to, for a
// face that offers the moves (the chair's page).
func RetaliationNext(state string) []string { return slices.Clone(retaliationEdges[state]) }

type retaliationRow struct {
	ID                uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID            uuid.UUID `gorm:"type:uuid"`
	ReporterID        uuid.UUID `gorm:"type:uuid"`
	Side              string
	WitnessID         *uuid.UUID `gorm:"type:uuid"`
	State             string
	Version           int
	DescriptionEnc    []byte
	RecommendationEnc []byte
	AuthorityMinistry *string
	StatsIDEnc        []byte
	FiledAt           time.Time
	UpdatedAt         time.Time
}

func (retaliationRow) TableName() string { return "retaliation_reports" }

type retaliationEventRow struct {
	ID        int64     `gorm:"primaryKey"`
	ReportID  uuid.UUID `gorm:"type:uuid"`
	At        time.Time
	ActorID   *uuid.UUID `gorm:"type:uuid"`
	ActorRole string
	FromState *string
	ToState   string
	ReasonEnc []byte
}

func (retaliationEventRow) TableName() string { return "retaliation_events" }

// retaliationStatsRow is the anonymous statistical record of a report.
type retaliationStatsRow struct {
	ID       uuid.UUID `gorm:"type:uuid;primaryKey"`
	Ministry string
	Side     string
	FiledOn  time.Time
	State    string
	Referred bool
}

func (retaliationStatsRow) TableName() string { return "retaliation_stats" }

// RetaliationInput is a report of retaliation.
type RetaliationInput struct {
	Description string `json:"description"`
}

// RetaliationStep moves a report to another state.
type RetaliationStep struct {
	Version int    `json:"version"`
	To      string `json:"to"` // under_review, referred_to_authority or closed
	Reason  string `json:"reason,omitempty"`
	// Recommendation to the competent authority: required when referring,
	// possible when closing.
	Recommendation string `json:"recommendation,omitempty"`
	// AuthorityMinistry is whose authority the report is referred to;
	// default the respondent's ministry.
	AuthorityMinistry string `json:"authority_ministry,omitempty"`
}

// RetaliationView is a report as its reporter or the chair sees it.
type RetaliationView struct {
	ID                uuid.UUID              `json:"id"`
	Side              string                 `json:"side"`
	Reporter          string                 `json:"reporter,omitempty"` // for the chair
	State             string                 `json:"state"`
	Version           int                    `json:"version"`
	Description       string                 `json:"description"`
	Recommendation    string                 `json:"recommendation,omitempty"`
	AuthorityMinistry string                 `json:"authority_ministry,omitempty"`
	FiledAt           time.Time              `json:"filed_at"`
	UpdatedAt         time.Time              `json:"updated_at"`
	History           []RetaliationEventView `json:"history,omitempty"`
}

// RetaliationEventView is one change of a report's state.
type RetaliationEventView struct {
	At        time.Time `json:"at"`
	ActorRole string    `json:"actor_role"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state"`
	Reason    string    `json:"reason,omitempty"`
}

var errRetaliationNotFound = apperr.NotFoundError("Retaliation report")

// ReportRetaliation records a report of retaliation by the caller, in any
// state of the case, and tells the committee's chairs (content-free).
// Callable by the complainant, their adviser, the informed respondent and a
// witness with an account.
func (s *Service) ReportRetaliation(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in RetaliationInput) (*RetaliationView, error) {
	if err := cases.RequireText("description", in.Description, cases.MaxText); err != nil {
		return nil, err
	}
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:retaliation:report", Write: true}, func(w *cases.Work) (*RetaliationView, error) {
		side := w.Party()
		if side == "" {
			return nil, apperr.New(apperr.Forbidden, "forbidden", "Your part in this case does not allow this step.")
		}
		tx, now := w.Tx, w.Now()
		rep := retaliationRow{ID: uuid.New(), CaseID: w.CaseID(), ReporterID: caller.ID, Side: side, State: RetaliationReceived, Version: 1,
			FiledAt: now, UpdatedAt: now}
		if side == "witness" {
			ws, err := w.Witnesses(&caller.ID)
			if err != nil {
				return nil, err
			}
			if len(ws) == 0 {
				return nil, apperr.NotFoundError("Case")
			}
			rep.WitnessID = &ws[0].ID
		}
		statsID := uuid.New()
		rep.DescriptionEnc = w.SealString(cases.Field("retaliation.description", rep.ID), in.Description)
		rep.StatsIDEnc = w.Seal(cases.Field("retaliation.stats_id", rep.ID), statsID[:])
		if err := tx.Create(&rep).Error; err != nil {
			return nil, err
		}
		if err := tx.Create(&retaliationStatsRow{ID: statsID, Ministry: w.Ministry(), Side: side, FiledOn: cases.DateOf(now), State: RetaliationReceived}).Error; err != nil {
			return nil, err
		}
		if err := tx.Create(&retaliationEventRow{ReportID: rep.ID, At: now, ActorID: &caller.ID, ActorRole: string(w.Rel), ToState: RetaliationReceived}).Error; err != nil {
			return nil, err
		}
		out := &RetaliationView{ID: rep.ID, Side: side, State: rep.State, Version: 1, Description: in.Description, FiledAt: now, UpdatedAt: now,
			History: []RetaliationEventView{{At: now, ActorRole: string(w.Rel), ToState: RetaliationReceived}}}
		chairs, err := w.Chairs()
		if err != nil {
			return nil, err
		}
		return out, w.Notify("retaliation_reported", chairs...)
	})
}

// scopeRetaliation keeps the reports the caller may read: every report for
// the chair, else those of the caller's own side (a witness: their own).
func scopeRetaliation(w *cases.Work) *gorm.DB {
	q := w.Tx.Where("case_id = ?", w.CaseID())
	switch {
	case w.Committee():
	case w.Party() == "witness":
		q = q.Where("side = 'witness' AND witness_id IN (SELECT id FROM witnesses WHERE case_id = ? AND person_id = ?)", w.CaseID(), w.Caller.ID)
	default:
		q = q.Where("side = ?", w.Party())
	}
	return q
}

// RetaliationReports lists the retaliation reports of a case the caller may
// read, oldest first, each with its history: all for the chair, the caller's own side's for a
// party, their own for a witness. Callable by the chair and the reporters;
// the read is logged.
func (s *Service) RetaliationReports(ctx context.Context, caller *accounts.Caller, id uuid.UUID) ([]RetaliationView, error) {
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:retaliation:read"}, func(w *cases.Work) ([]RetaliationView, error) {
		var rows []retaliationRow
		if err := scopeRetaliation(w).Order("seq").Find(&rows).Error; err != nil {
			return nil, err
		}
		return openRetaliation(w, rows)
	})
}

// RetaliationReport returns one report with its history. Callable as
// RetaliationReports; a report the caller may not read is not found.
func (s *Service) RetaliationReport(ctx context.Context, caller *accounts.Caller, id, rid uuid.UUID) (*RetaliationView, error) {
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:retaliation:read"}, func(w *cases.Work) (*RetaliationView, error) {
		var rows []retaliationRow
		if err := scopeRetaliation(w).Where("id = ?", rid).Find(&rows).Error; err != nil {
			return nil, err
		}
		return openReport(w, rows)
	})
}

// openReport opens the one report rows holds with its history; not found
// when rows is empty.
func openReport(w *cases.Work, rows []retaliationRow) (*RetaliationView, error) {
	if len(rows) == 0 {
		return nil, errRetaliationNotFound
	}
	vs, err := openRetaliation(w, rows)
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// openRetaliation opens reports with their history; the chair also sees
// who reported.
func openRetaliation(w *cases.Work, rows []retaliationRow) ([]RetaliationView, error) {
	tx, o := w.Tx, w.Opener()
	out := []RetaliationView{}
	for _, rep := range rows {
		v := RetaliationView{ID: rep.ID, Side: rep.Side, State: rep.State, Version: rep.Version, FiledAt: rep.FiledAt, UpdatedAt: rep.UpdatedAt,
			Description:    o.Open(cases.Field("retaliation.description", rep.ID), rep.DescriptionEnc),
			Recommendation: o.Open(cases.Field("retaliation.recommendation", rep.ID), rep.RecommendationEnc)}
		if rep.AuthorityMinistry != nil {
			v.AuthorityMinistry = *rep.AuthorityMinistry
		}
		if w.Committee() {
			tx.Raw(`SELECT name FROM persons WHERE id = ?`, rep.ReporterID).Scan(&v.Reporter)
		}
		var evs []retaliationEventRow
		if err := tx.Where("report_id = ?", rep.ID).Order("id").Find(&evs).Error; err != nil {
			return nil, err
		}
		for _, e := range evs {
			ev := RetaliationEventView{At: e.At, ActorRole: e.ActorRole, ToState: e.ToState,
				Reason: o.Open(cases.Field("retaliation_event.reason", e.ID), e.ReasonEnc)}
			if e.FromState != nil {
				ev.FromState = *e.FromState
			}
			v.History = append(v.History, ev)
		}
		out = append(out, v)
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// MoveRetaliation moves a report along its states — received →
// under_review → referred_to_authority → closed, or closed from received or
// under review — recording who, when and why. Referring needs a
// recommendation to the authority; closing may carry one. The report's
// version must match (optimistic concurrency). The reporter is told
// (content-free). Callable by the chair.
func (s *Service) MoveRetaliation(ctx context.Context, caller *accounts.Caller, id, rid uuid.UUID, in RetaliationStep) (*RetaliationView, error) {
	bad := map[string]string{}
	if in.Version < 1 {
		bad["version"] = "is required: the version of the report you handled"
	}
	if !slices.Contains([]string{RetaliationReview, RetaliationReferred, RetaliationClosed}, in.To) {
		bad["to"] = "must be under_review, referred_to_authority or closed"
	}
	cases.CheckText(bad, "reason", in.Reason, false, cases.MaxText)
	cases.CheckText(bad, "recommendation", in.Recommendation, in.To == RetaliationReferred, cases.MaxText)
	if in.Recommendation != "" && in.To == RetaliationReview {
		bad["recommendation"] = "is given when the report is referred or closed"
	}
	if in.AuthorityMinistry != "" && in.To != RetaliationReferred {
		bad["authority_ministry"] = "is given when the report is referred"
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:retaliation:handle", Write: true}, func(w *cases.Work) (*RetaliationView, error) {
		tx := w.Tx
		var rep retaliationRow
		if err := caseRow(w, &rep, rid, errRetaliationNotFound); err != nil {
			return nil, err
		}
		if rep.Version != in.Version {
			return nil, cases.ErrStale
		}
		if !slices.Contains(retaliationEdges[rep.State], in.To) {
			return nil, apperr.New(apperr.Conflict, "illegal-transition", fmt.Sprintf("A retaliation report in state %s cannot move to %s.", rep.State, in.To))
		}
		now := w.Now()
		updates := map[string]any{"state": in.To, "version": rep.Version + 1, "updated_at": now}
		if in.Recommendation != "" {
			if rep.RecommendationEnc != nil {
				return nil, apperr.InvalidFields(map[string]string{"recommendation": "was already given"})
			}
			updates["recommendation_enc"] = w.SealString(cases.Field("retaliation.recommendation", rep.ID), in.Recommendation)
		}
		if in.To == RetaliationReferred {
			min := in.AuthorityMinistry
			if min == "" {
				min = w.RespondentMinistry()
			}
			var n int64
			tx.Table("ministries").Where("code = ?", min).Count(&n)
			if n == 0 {
				return nil, apperr.InvalidFields(map[string]string{"authority_ministry": "is not a known ministry code"})
			}
			updates["authority_ministry"] = min
		}
		res := tx.Model(&retaliationRow{}).Where("id = ? AND version = ?", rep.ID, rep.Version).Updates(updates)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected != 1 {
			return nil, cases.ErrStale
		}
		from := rep.State
		ev := retaliationEventRow{ReportID: rep.ID, At: now, ActorID: &caller.ID, ActorRole: string(w.Rel), FromState: &from, ToState: in.To}
		if in.Reason != "" {
			if err := tx.Raw(`SELECT nextval('retaliation_events_id_seq')`).Scan(&ev.ID).Error; err != nil {
				return nil, err
			}
			ev.ReasonEnc = w.SealString(cases.Field("retaliation_event.reason", ev.ID), in.Reason)
		}
		if err := tx.Create(&ev).Error; err != nil {
			return nil, err
		}
		// The statistical record follows the report.
		raw, err := w.Open(cases.Field("retaliation.stats_id", rep.ID), rep.StatsIDEnc)
		if err != nil {
			return nil, err
		}
		statsID, err := uuid.FromBytes(raw)
		if err != nil {
			return nil, err
		}
		stats := map[string]any{"state": in.To}
		if in.To == RetaliationReferred {
			stats["referred"] = true
		}
		if err := tx.Model(&retaliationStatsRow{}).Where("id = ?", statsID).Updates(stats).Error; err != nil {
			return nil, err
		}
		var rows []retaliationRow
		if err := tx.Where("id = ?", rep.ID).Find(&rows).Error; err != nil {
			return nil, err
		}
		out, err := openReport(w, rows)
		if err != nil {
			return nil, err
		}
		return out, w.Notify("retaliation_updated", rep.ReporterID)
	})
}
