package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Thresholds of the deadline watch.
const (
	ThresholdDueSoon = "due_soon" // due within 10 working days
	ThresholdOverdue = "overdue"  // the due date has passed
	// ThresholdNotHandledDueSoon: the four weeks to tell the complainant
	// that the complaint will not be handled (Awb 9:8 lid 3) end within
	// notHandledSoonWorkingDays, or have ended, and admissibility is not
	// ruled on yet.
	ThresholdNotHandledDueSoon = "not_handled_due_soon"
)

// notHandledSoonWorkingDays is how early the reminder of the four-week
// term comes: a week ahead, time enough for the chair to rule.
const notHandledSoonWorkingDays = 5

// Watch flags open cases whose deadline is near or past and reminds the
// committee's secretaries and chairs, once per case, threshold and deadline.
type Watch struct {
	db  *gorm.DB
	log *slog.Logger
}

// NewWatch returns the deadline watch on db.
func NewWatch(db *gorm.DB, log *slog.Logger) *Watch {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watch{db: db, log: log}
}

// WatchReport is what one run found and did: counts only.
type WatchReport struct {
	Today   string `json:"today"`
	Open    int    `json:"open_cases"`
	DueSoon int    `json:"due_soon"`
	Overdue int    `json:"overdue"`
	// NotHandledSoon counts cases whose four-week term of Awb 9:8 lid 3
	// ends within a week (or ended) with admissibility not yet ruled on.
	NotHandledSoon int `json:"not_handled_due_soon"`
	Reminders      int `json:"reminders"` // case-threshold reminders enqueued by this run
	Messages       int `json:"messages"`  // outbox rows they made
}

// openStates are the states in which a case runs against its deadline.
var openStates = []string{string(cases.Registered), string(cases.AwaitingInformation), string(cases.Admissible),
	string(cases.Investigating), string(cases.Advised)}

// Run checks every open case as of now. The calendar is read afresh each
// run, so designated days an administrator adds count from the next run.
//
// A reminder is enqueued in the same transaction as its deadline_reminders
// row, and that row's unique (case, threshold) key makes a second run, on
// this or another instance, a no-op. The row remembers the deadline it was
// about: when the term is extended, the later deadline earns its own
// reminders; the same deadline never earns two.
func (w *Watch) Run(ctx context.Context, now time.Time) (*WatchReport, error) {
	cal, err := calendar.Load(ctx, w.db)
	if err != nil {
		return nil, fmt.Errorf("deadline watch: calendar: %w", err)
	}
	today := cases.DateOf(now)
	rep := &WatchReport{Today: today.Format(time.DateOnly)}
	var open []struct {
		ID     uuid.UUID
		Number string
		DueOn  time.Time
	}
	if err := w.db.WithContext(ctx).Raw(`SELECT id, number, due_on FROM cases WHERE state IN ? AND due_on IS NOT NULL ORDER BY due_on, number`,
		openStates).Scan(&open).Error; err != nil {
		return nil, fmt.Errorf("deadline watch: %w", err)
	}
	rep.Open = len(open)
	for _, c := range open {
		st := cal.Status(c.DueOn, today)
		var threshold, kind string
		switch {
		case st.Overdue:
			rep.Overdue++
			threshold, kind = ThresholdOverdue, KindOverdue
		case st.DueSoon:
			rep.DueSoon++
			threshold, kind = ThresholdDueSoon, KindDueSoon
		default:
			continue
		}
		n, err := w.remind(ctx, c.ID, c.Number, st.Due, threshold, kind)
		if err != nil {
			return rep, err
		}
		if n > 0 {
			rep.Reminders++
			rep.Messages += n
		}
	}
	if err := w.notHandled(ctx, cal, today, rep); err != nil {
		return rep, err
	}
	w.log.Info("deadline watch", "today", rep.Today, "open_cases", rep.Open, "due_soon", rep.DueSoon, "overdue", rep.Overdue,
		"not_handled_due_soon", rep.NotHandledSoon, "reminders", rep.Reminders, "messages", rep.Messages)
	return rep, nil
}

// remind records the reminder of one case and threshold and enqueues it to
// the staff, unless it was sent for this deadline before; it returns the
// number of messages.
func (w *Watch) remind(ctx context.Context, caseID uuid.UUID, number string, due time.Time, threshold, kind string) (int, error) {
	sent := 0
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO deadline_reminders (case_id, threshold, due_on, sent_at) VALUES (?, ?, ?, now())
			ON CONFLICT (case_id, threshold) DO UPDATE SET due_on = EXCLUDED.due_on, sent_at = EXCLUDED.sent_at
			WHERE deadline_reminders.due_on < EXCLUDED.due_on`, caseID, threshold, due)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // already reminded of this deadline
		}
		// The committee's staff, except anyone who may not see the case:
		// a party to it, or someone who declared a conflict (the same rule
		// as the case service's staff relation).
		var to []uuid.UUID
		if err := tx.Raw(`SELECT DISTINCT g.person_id FROM role_grants g
			JOIN persons p ON p.id = g.person_id AND p.active
			JOIN cases c ON c.id = ?
			WHERE g.role IN ('secretary', 'chair') AND g.domain = '*'
			  AND g.person_id <> c.complainant_id
			  AND g.person_id IS DISTINCT FROM c.adviser_id
			  AND g.person_id IS DISTINCT FROM c.respondent_id
			  AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = c.id AND k.person_id = g.person_id)
			ORDER BY g.person_id`, caseID).Scan(&to).Error; err != nil {
			return err
		}
		n, err := enqueue(ctx, tx, cases.Notice{Kind: kind, CaseID: caseID, Number: number, To: to, DueOn: &due})
		sent = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("deadline watch: %w", err)
	}
	return sent, nil
}

// notHandled reminds the staff of registered cases whose four-week term to
// tell the complainant that the complaint will not be handled (Awb 9:8 lid
// 3) ends within a week, or has ended, while admissibility is not yet ruled
// on: once a week before, once per term.
func (w *Watch) notHandled(ctx context.Context, cal *calendar.Calendar, today time.Time, rep *WatchReport) error {
	var pending []struct {
		ID              uuid.UUID
		Number          string
		NotHandledDueOn time.Time
	}
	if err := w.db.WithContext(ctx).Raw(`SELECT id, number, not_handled_due_on FROM cases
		WHERE state IN ? AND not_handled_due_on IS NOT NULL ORDER BY not_handled_due_on, number`,
		[]string{string(cases.Registered), string(cases.AwaitingInformation)}).Scan(&pending).Error; err != nil {
		return fmt.Errorf("deadline watch: %w", err)
	}
	for _, c := range pending {
		st := cal.Status(c.NotHandledDueOn, today)
		if !st.Overdue && st.WorkingDaysLeft > notHandledSoonWorkingDays {
			continue
		}
		rep.NotHandledSoon++
		n, err := w.remind(ctx, c.ID, c.Number, st.Due, ThresholdNotHandledDueSoon, KindNotHandledDueSoon)
		if err != nil {
			return err
		}
		if n > 0 {
			rep.Reminders++
			rep.Messages += n
		}
	}
	return nil
}
