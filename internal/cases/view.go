package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// Deadline is the statutory term of an open case, as of today.
type Deadline struct {
	DueOn           string `json:"due_on"`
	DaysLeft        int    `json:"days_left"`
	WorkingDaysLeft int    `json:"working_days_left"`
	DueSoon         bool   `json:"due_soon"`
	Overdue         bool   `json:"overdue"`
	Extended        bool   `json:"extended"`
	NotHandledDueOn string `json:"not_handled_due_on,omitempty"`
}

// Summary is a case in a list: no personal data, so lists need no decryption.
type Summary struct {
	ID         uuid.UUID `json:"id"`
	Number     string    `json:"number"`
	State      State     `json:"state"`
	Category   string    `json:"category,omitempty"` // left out for a witness
	Ministry   string    `json:"ministry,omitempty"` // left out for a witness
	FiledAt    time.Time `json:"filed_at"`
	ReceivedOn string    `json:"received_on,omitempty"`
	Deadline   *Deadline `json:"deadline,omitempty"`
	Relation   string    `json:"relation"`
	Version    int       `json:"version"`
	// ClosesOn is the day the scheduled job closes a finished case (after
	// the period for the parties to react); from then on retention runs.
	ClosesOn string `json:"closes_on,omitempty"`
}

// View is one case as the caller may see it: fields the caller's relation
// does not allow are left out.
type View struct {
	Summary
	RespondentMinistry  string             `json:"respondent_ministry,omitempty"`
	Ground              string             `json:"ground,omitempty"`
	Description         string             `json:"description,omitempty"`
	IncidentWhen        string             `json:"incident_when,omitempty"`
	IncidentWhere       string             `json:"incident_where,omitempty"`
	Respondent          *Respondent        `json:"respondent,omitempty"`
	Witnesses           string             `json:"witnesses,omitempty"`
	WishedOutcome       string             `json:"wished_outcome,omitempty"`
	ComplainantContact  string             `json:"complainant_contact,omitempty"`
	Consent             string             `json:"consent,omitempty"`
	FiledOnBehalf       bool               `json:"filed_on_behalf"`
	Elements            []ElementView      `json:"elements,omitempty"`
	Admissibility       *AdmissibilityView `json:"admissibility,omitempty"`
	ExtensionReason     string             `json:"extension_reason,omitempty"`
	Panel               []PersonRef        `json:"panel,omitempty"`
	InformationRequests []InfoRequestView  `json:"information_requests,omitempty"`
	Statements          []StatementView    `json:"statements,omitempty"`
	Attachments         []AttachmentMeta   `json:"attachments,omitempty"`
	Hearings            []HearingView      `json:"hearings,omitempty"`
	NotHeard            []WaiverView       `json:"not_heard,omitempty"`
	FurtherDelays       []DelayView        `json:"further_delays,omitempty"`
	Advice              *AdviceView        `json:"advice,omitempty"`
	Decision            *DecisionView      `json:"decision,omitempty"`
	LegalHold           bool               `json:"legal_hold,omitempty"`
	// Witness is the caller's own witness record, for a witness.
	Witness *WitnessView `json:"witness,omitempty"`
	// rels are the reader's relations to the case as it was read: what
	// May and Steps decide with, as taking a step does (authorize).
	rels []authz.CaseRelation
}

// ElementView is one part of the complaint with its judgement once advised.
type ElementView struct {
	Position    int    `json:"position"`
	Description string `json:"description"`
	Judgement   string `json:"judgement,omitempty"`
}

// AdmissibilityView is the chair's ruling.
type AdmissibilityView struct {
	Admissible          bool   `json:"admissible"`
	Ground              string `json:"ground,omitempty"`
	Reason              string `json:"reason,omitempty"`
	LateAdmissionReason string `json:"late_admission_reason,omitempty"`
}

// PersonRef names a person involved in the case.
type PersonRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// InfoRequestView is a request for missing information.
type InfoRequestView struct {
	ID          uuid.UUID  `json:"id"`
	What        string     `json:"what"`
	TermUntil   string     `json:"term_until"`
	RequestedAt time.Time  `json:"requested_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
}

// StatementView is a statement or answer of a party.
type StatementView struct {
	ID        uuid.UUID `json:"id"`
	Side      string    `json:"side"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// AttachmentMeta describes an attachment; its content is fetched separately.
type AttachmentMeta struct {
	ID          uuid.UUID `json:"id"`
	Side        string    `json:"side"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// HearingView is a planned or held hearing.
type HearingView struct {
	ID        uuid.UUID `json:"id"`
	PlannedAt time.Time `json:"planned_at"`
	Parties   string    `json:"parties"`
	Location  string    `json:"location,omitempty"`
	Held      bool      `json:"held"`
	Minutes   string    `json:"minutes,omitempty"`
	Version   int       `json:"version"`
	// WitnessID names the witness heard, for a witness hearing (committee
	// and that witness only).
	WitnessID *uuid.UUID `json:"witness_id,omitempty"`
}

// AdviceView is the panel's report and advice.
type AdviceView struct {
	Findings  string    `json:"findings"`
	Measures  string    `json:"measures,omitempty"`
	Judgement string    `json:"judgement"`
	AdoptedAt time.Time `json:"adopted_at"`
}

// DecisionView is the authority's decision.
type DecisionView struct {
	FollowsAdvice bool      `json:"follows_advice"`
	Reasons       string    `json:"reasons,omitempty"`
	DecidedAt     time.Time `json:"decided_at"`
}

// EventView is one entry of the timeline.
type EventView struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state,omitempty"`
	ActorRole string    `json:"actor_role"`
	Reason    string    `json:"reason,omitempty"`
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// primary picks the relation that decides what the caller sees: the
// committee's view first, then a party's, then the authority's.
func primary(rels []authz.CaseRelation) authz.Relation {
	order := []authz.Relation{authz.RelPanel, authz.RelStaff, authz.RelComplainant, authz.RelAdviser, authz.RelRespondent, authz.RelWitness, authz.RelAuthority}
	for _, want := range order {
		for _, r := range rels {
			if r.Relation == want {
				return want
			}
		}
	}
	return ""
}

func (s *Service) summary(r *relRow, rel authz.Relation) Summary {
	sum := Summary{ID: r.ID, Number: r.Number, State: r.State, Category: r.Category, Ministry: r.Ministry,
		FiledAt: r.FiledAt, ReceivedOn: dateString(r.ReceivedOn), Relation: string(rel), Version: r.Version}
	if r.DueOn != nil && r.State.open() {
		st := s.cal.Status(*r.DueOn, s.now())
		sum.Deadline = &Deadline{DueOn: dateString(r.DueOn), DaysLeft: st.DaysLeft, WorkingDaysLeft: st.WorkingDaysLeft,
			DueSoon: st.DueSoon, Overdue: st.Overdue, Extended: r.Extended, NotHandledDueOn: dateString(r.NotHandledDueOn)}
	}
	if r.State.finished() && r.FinishedAt != nil {
		sum.ClosesOn = s.closesOn(*r.FinishedAt).Format(time.DateOnly)
	}
	return sum
}

// Get returns one case as the caller may see it, and logs the read. Callable
// by every party, the panel, committee staff and, once advised, the
// authority of the respondent's ministry.
func (s *Service) Get(ctx context.Context, caller *accounts.Caller, id uuid.UUID) (*View, error) {
	var v *View
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:read", Viewer: true, Read: true, WithParts: true}, func(w *Work) (err error) {
		v, err = s.caseView(w)
		return err
	})
	return v, err
}

// GetWithTimeline returns one case and its timeline as the caller may see
// them (Get and Events), for the case page: one read of the case file,
// logged once (case:read).
func (s *Service) GetWithTimeline(ctx context.Context, caller *accounts.Caller, id uuid.UUID) (*View, []EventView, error) {
	var v *View
	var evs []EventView
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:read", Viewer: true, Read: true, WithParts: true}, func(w *Work) (err error) {
		if v, err = s.caseView(w); err != nil {
			return err
		}
		evs, err = timeline(w)
		return err
	})
	return v, evs, err
}

// caseView is the case of w as its caller may see it: a witness their own
// part only.
func (s *Service) caseView(w *Work) (v *View, err error) {
	if w.Rel == authz.RelWitness {
		v, err = witnessCaseView(w, w.Caller.ID)
	} else {
		v, err = s.view(w.Tx, w.c, w.Rel, w.Key)
	}
	if err == nil {
		v.rels = w.c.relations()
	}
	return v, err
}

// opener decrypts the fields of one case and remembers the first failure,
// so that a tampered value fails the whole read instead of showing blanks.
type opener struct {
	dk  *crypto.DataKey
	id  string
	err error
}

func (o *opener) open(field string, b []byte) string {
	if b == nil || o.err != nil {
		return ""
	}
	v, err := o.dk.OpenString(o.id, field, b)
	if err != nil {
		o.err = fmt.Errorf("field %s: %w", field, err)
	}
	return v
}

func (s *Service) view(tx *gorm.DB, r *relRow, rel authz.Relation, dk *crypto.DataKey) (*View, error) {
	o := &opener{dk: dk, id: r.ID.String()}
	committee := rel == authz.RelPanel || rel == authz.RelStaff
	complainantSide := rel == authz.RelComplainant || rel == authz.RelAdviser
	party := complainantSide || rel == authz.RelRespondent
	v := &View{Summary: s.summary(r, rel), FiledOnBehalf: r.AdviserID != nil}
	if r.RespondentMinistry != nil {
		v.RespondentMinistry = *r.RespondentMinistry
	}

	parts, err := partsOf(tx, r)
	if err != nil {
		return nil, err
	}
	for _, e := range parts.Elements {
		ev := ElementView{Position: e.Position, Description: o.open(fmt.Sprintf("element.%d", e.Position), e.DescriptionEnc)}
		if e.Judgement != nil {
			ev.Judgement = *e.Judgement
		}
		v.Elements = append(v.Elements, ev)
	}
	if committee || party {
		v.Ground = o.open("ground", r.GroundEnc)
		v.Description = o.open("description", r.DescriptionEnc)
		v.IncidentWhen = o.open("incident_when", r.IncidentWhenEnc)
		v.IncidentWhere = o.open("incident_where", r.IncidentWhereEnc)
		v.WishedOutcome = o.open("wished_outcome", r.WishedOutcomeEnc)
		v.Respondent = &Respondent{Name: o.open("respondent_name", r.RespondentNameEnc),
			Function: o.open("respondent_function", r.RespondentFunctionEnc), Ministry: v.RespondentMinistry}
		v.ExtensionReason = o.open("extension_reason", r.ExtensionReasonEnc)
	}
	// The respondent gets the complaint without the complainant's contact
	// details (Awb 9:9) and without the witnesses the complainant named.
	if committee || complainantSide {
		v.ComplainantContact = o.open("complainant_contact", r.ComplainantContactEnc)
		v.Consent = o.open("consent", r.ConsentEnc)
		v.Witnesses = o.open("witnesses", r.WitnessesEnc)
	}
	if r.Admissible != nil && (committee || party) {
		a := &AdmissibilityView{Admissible: *r.Admissible, Reason: o.open("admissibility_reason", r.AdmissibilityReasonEnc),
			LateAdmissionReason: o.open("late_admission_reason", r.LateAdmissionReasonEnc)}
		if r.InadmissibleGround != nil {
			a.Ground = *r.InadmissibleGround
		}
		v.Admissibility = a
	}
	if committee || party {
		v.Panel = parts.Panel
	}
	if committee || complainantSide {
		for _, q := range parts.InfoRequests {
			v.InformationRequests = append(v.InformationRequests, InfoRequestView{ID: q.ID, What: o.open(rowField("information_request", q.ID), q.WhatEnc),
				TermUntil: q.TermUntil.Format(time.DateOnly), RequestedAt: q.RequestedAt, AnsweredAt: q.AnsweredAt})
		}
	}
	if committee || party {
		for _, st := range parts.Statements {
			v.Statements = append(v.Statements, StatementView{ID: st.ID, Side: st.Side, Body: o.open(rowField("statement", st.ID), st.BodyEnc), CreatedAt: st.CreatedAt})
		}
		for _, a := range parts.Attachments {
			if a.Side == "committee" && !committee {
				continue // the committee's own documents
			}
			v.Attachments = append(v.Attachments, AttachmentMeta{ID: a.ID, Side: a.Side, Filename: o.open(rowField("attachment.filename", a.ID), a.FilenameEnc),
				ContentType: a.ContentType, Size: a.SizeBytes, CreatedAt: a.CreatedAt})
		}
	}
	// Hearings: the committee sees all; a party the hearings they were heard
	// in; the authority receives the records with the report (Awb 9:15 lid 4).
	for _, h := range parts.Hearings {
		heard := h.Parties == "both" || (complainantSide && h.Parties == "complainant") || (rel == authz.RelRespondent && h.Parties == "respondent")
		if !committee && !heard && rel != authz.RelAuthority {
			continue
		}
		hv := HearingView{ID: h.ID, PlannedAt: h.PlannedAt, Parties: h.Parties, Held: h.Held, Version: h.Version,
			Minutes: o.open(rowField("hearing.minutes", h.ID), h.MinutesEnc)}
		if committee {
			hv.WitnessID = h.WitnessID
		}
		if rel != authz.RelAuthority {
			hv.Location = o.open(rowField("hearing.location", h.ID), h.LocationEnc)
		}
		v.Hearings = append(v.Hearings, hv)
	}
	if committee || party {
		statutoryViews(parts, v, o)
	}
	if adv := parts.Advice; adv != nil {
		v.Advice = &AdviceView{Findings: o.open("advice.findings", adv.FindingsEnc), Measures: o.open("advice.measures", adv.MeasuresEnc),
			Judgement: adv.Judgement, AdoptedAt: adv.AdoptedAt}
	}
	if dec := parts.Decision; dec != nil {
		v.Decision = &DecisionView{FollowsAdvice: dec.FollowsAdvice, Reasons: o.open("decision.reasons", dec.ReasonsEnc), DecidedAt: dec.DecidedAt}
	}
	if committee {
		v.LegalHold = r.LegalHold
	}
	if o.err != nil {
		return nil, apperr.Wrap(o.err)
	}
	return v, nil
}

// Events returns the case's timeline: everything for the committee; for
// everyone else the events meant for parties, less those meant for another
// side (a message in someone else's thread); for a witness only the events
// of their own part. The read is logged.
func (s *Service) Events(ctx context.Context, caller *accounts.Caller, id uuid.UUID) ([]EventView, error) {
	var out []EventView
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:read", LogAction: "case:events", Viewer: true, Read: true}, func(w *Work) (err error) {
		out, err = timeline(w)
		return err
	})
	return out, err
}

// timeline is the timeline of w's case as its caller may see it (Events).
func timeline(w *Work) ([]EventView, error) {
	r := w.c
	side := "other"
	switch w.Rel {
	case authz.RelPanel, authz.RelStaff:
		side = "committee"
	case authz.RelComplainant, authz.RelAdviser:
		side = "complainant"
	case authz.RelRespondent:
		side = "respondent"
	case authz.RelWitness:
		side = "witness"
	}
	var evs []eventRow
	if err := w.Tx.Raw(timelineSQL, r.ID, side, w.Caller.ID).Scan(&evs).Error; err != nil {
		return nil, err
	}
	o := &opener{dk: w.Key, id: r.ID.String()}
	out := make([]EventView, 0, len(evs))
	for _, e := range evs {
		ev := EventView{At: e.At, Kind: e.Kind, ActorRole: e.ActorRole, Reason: o.open(rowField("event.reason", e.ID), e.ReasonEnc)}
		if e.FromState != nil {
			ev.FromState = *e.FromState
		}
		if e.ToState != nil {
			ev.ToState = *e.ToState
		}
		out = append(out, ev)
	}
	return out, o.err
}
