package cases

// The statutory paths of issue 15: a further delay with the complainant's
// written consent (Awb 9:11 lid 3), a side not heard on a statutory ground
// (Awb 9:10), the panel the advice needs, and the closing of finished cases
// by the scheduled job, from which the retention term runs.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
)

// DefaultCloseAfterDays is how long a finished case stays open for the
// parties to react before the scheduled job closes it: six weeks, the term
// for objection and appeal (Awb 6:7), within which questions about the
// outcome come in.
const DefaultCloseAfterDays = 42

// maxFurtherDelayDays bounds one further delay: the Awb sets no length, but
// a date years ahead is a typing error, not an agreement.
const maxFurtherDelayDays = 365

// ConsentForms are the ways the complainant's written consent to a further
// delay may have reached the committee (docs/decisions.md).
var ConsentForms = []string{"letter", "email", "case_message"}

// FurtherDelayInput records a further delay of the decision.
type FurtherDelayInput struct {
	Version  int    `json:"version,omitempty"`
	NewDueOn string `json:"new_due_on"` // YYYY-MM-DD
	// ConsentReceivedOn is the date the complainant's written consent
	// reached the committee; ConsentForm how it came.
	ConsentReceivedOn string `json:"consent_received_on"`
	ConsentForm       string `json:"consent_form"`
	Reason            string `json:"reason"`
}

// DelayView is a further delay as both parties see it.
type DelayView struct {
	PreviousDueOn     string    `json:"previous_due_on"`
	NewDueOn          string    `json:"new_due_on"`
	ConsentReceivedOn string    `json:"consent_received_on"`
	ConsentForm       string    `json:"consent_form"`
	Reason            string    `json:"reason"`
	RecordedAt        time.Time `json:"recorded_at"`
}

type delayRow struct {
	ID                uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID            uuid.UUID `gorm:"type:uuid"`
	PreviousDueOn     time.Time
	NewDueOn          time.Time
	ConsentReceivedOn time.Time
	ConsentForm       string
	ReasonEnc         []byte
	RecordedBy        uuid.UUID `gorm:"type:uuid"`
	RecordedAt        time.Time
}

func (delayRow) TableName() string { return "term_delays" }

// FurtherDelay postpones the decision beyond the statutory term (and its
// extension) to a new date, which the law allows only in so far as the
// complainant consents in writing (Awb 9:11 lid 3). The consent is recorded
// with the date it came in and its form; both parties are told and see the
// new date. Callable by the chair.
func (s *Service) FurtherDelay(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in FurtherDelayInput) (*Result, error) {
	bad := map[string]string{}
	newDue, err := time.Parse(time.DateOnly, in.NewDueOn)
	if err != nil {
		bad["new_due_on"] = "must be a date YYYY-MM-DD"
	}
	consentOn, cerr := time.Parse(time.DateOnly, in.ConsentReceivedOn)
	if cerr != nil {
		bad["consent_received_on"] = "must be a date YYYY-MM-DD: the day the complainant's written consent came in"
	} else if consentOn.After(DateOf(s.now())) {
		bad["consent_received_on"] = "cannot lie in the future"
	}
	if !oneOf(in.ConsentForm, ConsentForms) {
		bad["consent_form"] = "must be one of " + strings.Join(ConsentForms, ", ") + ": the consent must be in writing (Awb 9:11 lid 3)"
	}
	CheckText(bad, "reason", in.Reason, true, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:extend", func(w *Work) error {
		r := w.c
		if r.DueOn == nil || r.ReceivedOn == nil || !r.State.open() {
			return apperr.New(apperr.Conflict, "not-extendable", "Only a case that runs against its term can be delayed.")
		}
		switch {
		case consentOn.Before(*r.ReceivedOn):
			return invalid("consent_received_on", "cannot lie before the complaint was received")
		case !newDue.After(*r.DueOn):
			return invalid("new_due_on", "must lie after the current due date "+r.DueOn.Format(time.DateOnly))
		case newDue.After(r.DueOn.AddDate(0, 0, maxFurtherDelayDays)):
			return invalid("new_due_on", fmt.Sprintf("must lie within %d days of the current due date", maxFurtherDelayDays))
		case s.cal.IsNonWorkingDay(newDue):
			return invalid("new_due_on", "must be a working day (Algemene termijnenwet)")
		}
		d := delayRow{ID: uuid.New(), CaseID: r.ID, PreviousDueOn: *r.DueOn, NewDueOn: newDue, ConsentReceivedOn: consentOn,
			ConsentForm: in.ConsentForm, RecordedBy: caller.ID, RecordedAt: s.now()}
		d.ReasonEnc = w.SealString(rowField("term_delay.reason", d.ID), in.Reason)
		if err := w.Tx.Create(&d).Error; err != nil {
			return err
		}
		if err := updateCase(w.Tx, r.ID, map[string]any{"due_on": newDue}); err != nil {
			return err
		}
		r.DueOn = &newDue
		if err := w.event("further_delay", in.Reason, true); err != nil {
			return err
		}
		return w.tell("further_delay", r.parties()...)
	})
}

// NotHeardGrounds are the statutory grounds on which a side is not heard:
// for the complainant Awb 9:10 lid 2 sub a (manifestly unfounded), sub b
// (declared not to want to be heard) and sub c (did not say in time that
// they want to be heard); for the respondent the opportunity of lid 1 was
// offered and declined or not taken in time.
var NotHeardGrounds = map[string][]string{
	"complainant": {"manifestly_unfounded", "waived", "no_timely_response"},
	"respondent":  {"waived", "no_timely_response"},
}

// NotHeardInput records that one side is not heard.
type NotHeardInput struct {
	Version int    `json:"version,omitempty"`
	Side    string `json:"side"`   // complainant or respondent
	Ground  string `json:"ground"` // one of NotHeardGrounds[Side]
	Reason  string `json:"reason"` // the facts: the letter declining, the term set and its end
}

// WaiverView is a side not heard, as the committee and the parties see it.
type WaiverView struct {
	Side       string    `json:"side"`
	Ground     string    `json:"ground"`
	Reason     string    `json:"reason,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

type waiverRow struct {
	CaseID     uuid.UUID `gorm:"type:uuid;primaryKey"`
	Side       string    `gorm:"primaryKey"`
	Ground     string
	ReasonEnc  []byte
	RecordedBy uuid.UUID `gorm:"type:uuid"`
	RecordedAt time.Time
}

func (waiverRow) TableName() string { return "hearing_waivers" }

// NotHeard records that a side of a case under investigation is not heard,
// with the statutory ground; the advice may then proceed without a hearing
// of that side. A side that was heard already needs no such record. Once
// recorded, the ground stands: the chair who later hears the side anyway
// simply records the hearing. Callable by the chair.
func (s *Service) NotHeard(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in NotHeardInput) (*Result, error) {
	bad := map[string]string{}
	grounds, ok := NotHeardGrounds[in.Side]
	if !ok {
		bad["side"] = "must be complainant or respondent"
	} else if !oneOf(in.Ground, grounds) {
		bad["ground"] = "must be one of " + strings.Join(grounds, ", ") + " for the " + in.Side
	}
	CheckText(bad, "reason", in.Reason, true, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:advice", func(w *Work) error {
		r := w.c
		if r.State != Investigating {
			return apperr.New(apperr.Conflict, "case-not-investigating", "A side is heard, or not, while the case is under investigation.")
		}
		heard, err := heardSides(w)
		if err != nil {
			return err
		}
		if heard[in.Side] != "" {
			return apperr.New(apperr.Conflict, "already-heard", "This side was heard already or its not being heard is recorded.")
		}
		waiver := waiverRow{CaseID: r.ID, Side: in.Side, Ground: in.Ground, RecordedBy: caller.ID, RecordedAt: s.now(),
			ReasonEnc: w.SealString(rowField("hearing_waiver.reason", in.Side), in.Reason)}
		if err := w.Tx.Create(&waiver).Error; err != nil {
			return err
		}
		return w.event("not_heard_"+in.Side, in.Ground, true)
	})
}

// heardSides says for each side how it was dealt with under Awb 9:10:
// "heard" (a held hearing of that side), "waived:<ground>", or "" (not yet).
// A witness hearing hears neither side.
func heardSides(w *Work) (map[string]string, error) {
	var heard struct{ Complainant, Respondent bool }
	if err := w.Tx.Raw(sidesHeardSQL, w.c.ID).Scan(&heard).Error; err != nil {
		return nil, err
	}
	out := map[string]string{}
	if heard.Complainant {
		out["complainant"] = "heard"
	}
	if heard.Respondent {
		out["respondent"] = "heard"
	}
	var ws []waiverRow
	if err := w.Tx.Raw(waiversOfCaseSQL, w.c.ID).Scan(&ws).Error; err != nil {
		return nil, err
	}
	for _, w := range ws {
		if out[w.Side] == "" {
			out[w.Side] = "waived:" + w.Ground
		}
	}
	return out, nil
}

// checkHeard refuses the advice until each side was heard or its not being
// heard recorded (Awb 9:10), and an advice that finds any element founded
// where the complainant went unheard because the complaint was manifestly
// unfounded (lid 2 sub a: the ground and the judgement would contradict).
func checkHeard(w *Work, judgements map[int]string) error {
	heard, err := heardSides(w)
	if err != nil {
		return err
	}
	if heard["complainant"] == "" || heard["respondent"] == "" {
		return apperr.New(apperr.Conflict, "not-heard",
			"Both sides must be heard before the advice (Awb 9:10): record a held hearing of each side, or record on which statutory ground a side is not heard.")
	}
	if heard["complainant"] == "waived:manifestly_unfounded" {
		for _, j := range judgements {
			if j != "unfounded" {
				return invalid("judgements", "the complainant was not heard because the complaint is manifestly unfounded (Awb 9:10 lid 2 sub a); every element must then be judged unfounded")
			}
		}
	}
	return nil
}

// checkAdvicePanel refuses the advice of a panel that cannot give it: one
// with no member besides the chair who signs, or with a member who has a
// conflict of interest (declared, or arisen since the panel was composed).
func checkAdvicePanel(w *Work, chair uuid.UUID) error {
	panel, err := panelOf(w.Tx, w.c.ID)
	if err != nil {
		return err
	}
	others := 0
	for _, m := range panel {
		if m != chair {
			others++
		}
	}
	if others == 0 {
		return apperr.New(apperr.Conflict, "panel-incomplete",
			"The panel has no member besides the chair: recompose the panel before the advice is adopted.")
	}
	if err := checkPanel(w, w.c, panel); err != nil {
		e := apperr.As(err)
		if e.Type == "conflict-of-interest" {
			e.Detail = "A member of the panel has a conflict of interest: recompose the panel before the advice is adopted."
		}
		return e
	}
	return nil
}

// finishedStates end a case's handling; the scheduled job closes them.
var finishedStates = []State{Decided, Inadmissible, Withdrawn, ResolvedInformally}

// finished reports whether the case's handling has ended but it is not yet closed.
func (s State) finished() bool {
	for _, f := range finishedStates {
		if s == f {
			return true
		}
	}
	return false
}

// closesOn is the day the scheduled job closes a case that finished at.
func (s *Service) closesOn(finishedAt time.Time) time.Time {
	return DateOf(finishedAt).AddDate(0, 0, s.closeAfterDays)
}

// CloseReport says what a run of CloseFinished did: counts only.
type CloseReport struct {
	Closed int `json:"closed"`
}

// CloseFinished closes every finished case whose period for the parties to
// react has passed (Options.CloseAfterDays after it finished), recording
// the closing on the case's timeline and in the access log as the system's
// act. From the closing on, the retention term runs (Purge). A case under
// legal hold is closed all the same: the hold stops the purge, not the
// closing.
func (s *Service) CloseFinished(ctx context.Context) (*CloseReport, error) {
	rep := &CloseReport{}
	// Everything that finished on or before this instant is due today.
	cutoff := DateOf(s.now()).AddDate(0, 0, -s.closeAfterDays+1)
	var due []uuid.UUID
	if err := s.db.WithContext(ctx).Raw(finishedCasesSQL, finishedStates).Scan(&due).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	for _, id := range due {
		closed, err := s.closeOne(ctx, id, cutoff)
		if err != nil {
			return rep, err
		}
		if closed {
			rep.Closed++
		}
	}
	if rep.Closed > 0 {
		s.log.Info("finished cases closed", "cases", rep.Closed)
	}
	return rep, nil
}

// closeOne closes one case in its own transaction, if it is still finished
// and its period has passed by the time the row is locked.
func (s *Service) closeOne(ctx context.Context, id uuid.UUID, cutoff time.Time) (bool, error) {
	closed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c CaseRecord
		if found, err := one(tx, &c, caseByIDLockedSQL, id); err != nil || !found {
			return err // none: purged meanwhile
		}
		if !c.State.finished() || c.FinishedAt == nil || !DateOf(*c.FinishedAt).Before(cutoff) {
			return nil
		}
		dk, err := s.caseKey(&c)
		if err != nil {
			// A key that cannot be opened cannot be kept readable either;
			// the case still closes, so that it falls under retention.
			s.log.Warn("closing a case whose data key could not be opened; its statistics stay as they were")
			dk = nil
		}
		if dk != nil {
			defer dk.Zero()
		}
		from := string(c.State)
		to := string(Closed)
		if err := tx.Exec(closeCaseSQL, c.ID, s.now()).Error; err != nil {
			return err
		}
		if err := tx.Create(&eventRow{CaseID: c.ID, At: s.now(), ActorRole: "system", Kind: to, FromState: &from, ToState: &to,
			VisibleToParties: true}).Error; err != nil {
			return err
		}
		if dk != nil {
			if err := s.syncStats(tx, c.ID, dk); err != nil {
				return err
			}
		}
		closed = true
		return audit.Append(ctx, tx, audit.Entry{At: s.now(), Role: "system", CaseID: &c.ID, Action: "case:close", Client: "close-job"})
	})
	if err != nil {
		return false, apperr.Wrap(err)
	}
	return closed, nil
}

// statutoryViews adds the further delays and the sides not heard to the
// view of the committee or a party: both parties see the new due date and
// the consent it rests on (Awb 9:11 lid 3).
func statutoryViews(parts *caseParts, v *View, o *opener) {
	for _, d := range parts.Delays {
		v.FurtherDelays = append(v.FurtherDelays, DelayView{PreviousDueOn: d.PreviousDueOn.Format(time.DateOnly), NewDueOn: d.NewDueOn.Format(time.DateOnly),
			ConsentReceivedOn: d.ConsentReceivedOn.Format(time.DateOnly), ConsentForm: d.ConsentForm,
			Reason: o.open(rowField("term_delay.reason", d.ID), d.ReasonEnc), RecordedAt: d.RecordedAt})
	}
	for _, w := range parts.Waivers {
		v.NotHeard = append(v.NotHeard, WaiverView{Side: w.Side, Ground: w.Ground, RecordedAt: w.RecordedAt,
			Reason: o.open(rowField("hearing_waiver.reason", w.Side), w.ReasonEnc)})
	}
}
