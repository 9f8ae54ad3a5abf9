package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Result of a step: the case's new state and version.
type Result struct {
	ID      uuid.UUID `json:"id"`
	Number  string    `json:"number"`
	State   State     `json:"state"`
	Version int       `json:"version"`
}

func result(r *relRow) *Result {
	return &Result{ID: r.ID, Number: r.Number, State: r.State, Version: r.Version + 1}
}

func invalid(field, msg string) error { return apperr.InvalidFields(map[string]string{field: msg}) }

// RequireText refuses the text v of field when it is missing, not valid
// UTF-8 or longer than max characters (CheckText), as invalid input.
func RequireText(field, v string, max int) error { return checkOneText(field, v, true, max) }

// textOptional is RequireText for a text that may be left empty.
func textOptional(field, v string, max int) error { return checkOneText(field, v, false, max) }

// checkOneText is CheckText for input of one text field: the invalid-input
// error, or nil.
func checkOneText(field, v string, required bool, max int) error {
	bad := map[string]string{}
	CheckText(bad, field, v, required, max)
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	return nil
}

// Registration is the secretary's registration of a complaint.
type Registration struct {
	Version int `json:"version,omitempty"`
	// ReceivedOn is the date the complaint reached the committee (it may have
	// come by post days before it was entered); default the filing date.
	ReceivedOn string `json:"received_on,omitempty"`
	// RespondentMinistry fixes whose authority will decide, when the
	// complainant did not name it.
	RespondentMinistry string `json:"respondent_ministry,omitempty"`
}

// Register moves a submitted complaint to registered, fixes the date of
// receipt and the statutory deadlines, and sends the acknowledgement of
// receipt (Awb 9:6). Callable by a secretary.
func (s *Service) Register(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Registration) (*Result, error) {
	return s.step(ctx, caller, id, in.Version, "case:register", func(w *Work) error {
		r := w.c
		// Registration happens once: awaiting_information → registered is
		// the complainant's answer (SupplyInformation), and registering again
		// would move the date of receipt and every term counted from it.
		if r.State != Submitted {
			return illegalMove(r.State, Registered)
		}
		received := DateOf(r.FiledAt)
		today := DateOf(s.now())
		if in.ReceivedOn != "" {
			d, err := time.Parse(time.DateOnly, in.ReceivedOn)
			switch {
			case err != nil:
				return invalid("received_on", "must be a date YYYY-MM-DD")
			case d.After(today):
				return invalid("received_on", "cannot lie in the future")
			case d.After(received):
				return invalid("received_on", "cannot lie after the filing date")
			case d.Before(received.AddDate(-1, 0, 0)):
				return invalid("received_on", "cannot lie more than a year before the filing date")
			}
			received = d
		}
		extra := map[string]any{"received_on": received, "registered_at": s.now(),
			"due_on": s.cal.DecisionDue(received, false), "not_handled_due_on": s.cal.NotHandledDue(received)}
		if in.RespondentMinistry != "" {
			known, err := ministryExists(w.Tx, in.RespondentMinistry)
			if err != nil {
				return err
			}
			if !known {
				return invalid("respondent_ministry", "is not a known ministry code")
			}
			extra["respondent_ministry"] = in.RespondentMinistry
			r.RespondentMinistry = &in.RespondentMinistry
		}
		if err := w.move(Registered, "", extra); err != nil {
			return err
		}
		due := s.cal.DecisionDue(received, false)
		r.DueOn = &due
		if err := w.event("acknowledgement_sent", "", true); err != nil {
			return err
		}
		return w.tell("acknowledgement", r.complainantSide()...)
	})
}

// InformationRequest asks the complainant for what is missing.
type InformationRequest struct {
	Version  int    `json:"version,omitempty"`
	What     string `json:"what"`
	TermDays int    `json:"term_days,omitempty"` // default 14, at most 42
}

// RequestInformation moves a registered case to awaiting_information. The
// statutory clock keeps running. Callable by a secretary.
func (s *Service) RequestInformation(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in InformationRequest) (*Result, error) {
	if err := RequireText("what", in.What, MaxText); err != nil {
		return nil, err
	}
	if in.TermDays == 0 {
		in.TermDays = 14
	}
	if in.TermDays < 1 || in.TermDays > 42 {
		return nil, invalid("term_days", "must be from 1 to 42 days")
	}
	return s.step(ctx, caller, id, in.Version, "case:request-information", func(w *Work) error {
		r := w.c
		if err := w.move(AwaitingInformation, "", nil); err != nil {
			return err
		}
		reqID := uuid.New()
		term := s.cal.Shift(DateOf(s.now()).AddDate(0, 0, in.TermDays))
		if err := w.Tx.Create(&infoRequestRow{ID: reqID, CaseID: r.ID, WhatEnc: w.SealString(rowField("information_request", reqID), in.What),
			TermUntil: term, RequestedBy: caller.ID, RequestedAt: s.now()}).Error; err != nil {
			return err
		}
		return w.tell("information_requested", r.complainantSide()...)
	})
}

// Supply is the complainant's answer to a request for information.
type Supply struct {
	Version int    `json:"version,omitempty"`
	Text    string `json:"text"`
}

// SupplyInformation records the complainant's answer as a statement and
// returns the case to registered. Callable by the complainant or their adviser.
func (s *Service) SupplyInformation(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Supply) (*Result, error) {
	if err := RequireText("text", in.Text, MaxText); err != nil {
		return nil, err
	}
	return s.step(ctx, caller, id, in.Version, "case:supply-information", func(w *Work) error {
		r := w.c
		// Only an answer to a request returns a case to registered; from
		// submitted it would skip the secretary's registration and its terms.
		if r.State != AwaitingInformation {
			return illegalMove(r.State, Registered)
		}
		if err := w.move(Registered, "", nil); err != nil {
			return err
		}
		if err := w.Tx.Exec(answerInformationRequestsSQL, r.ID).Error; err != nil {
			return err
		}
		stID := uuid.New()
		return w.Tx.Create(&statementRow{ID: stID, CaseID: r.ID, AuthorID: caller.ID, Side: "complainant",
			BodyEnc: w.SealString(rowField("statement", stID), in.Text), CreatedAt: s.now()}).Error
	})
}

// Ruling is the chair's decision on admissibility.
type Ruling struct {
	Version    int    `json:"version,omitempty"`
	Admissible *bool  `json:"admissible"`
	Ground     string `json:"ground,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// LateAdmissionReason admits a complaint about behaviour older than the
	// term (Awb 9:8 lid 1 sub b), with the reason recorded.
	LateAdmissionReason string `json:"late_admission_reason,omitempty"`
}

// Admissibility records the chair's ruling: admissible, or inadmissible on
// one ground of the fixed list, which is told to the complainant. Callable by
// the chair.
func (s *Service) Admissibility(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Ruling) (*Result, error) {
	bad := map[string]string{}
	if in.Admissible == nil {
		bad["admissible"] = "is required (true or false)"
	} else if *in.Admissible {
		if in.Ground != "" {
			bad["ground"] = "is only given when the complaint is inadmissible"
		}
	} else {
		CheckOneOf(bad, "ground", in.Ground, InadmissibleGrounds)
		CheckText(bad, "reason", in.Reason, true, MaxText)
		if in.LateAdmissionReason != "" {
			bad["late_admission_reason"] = "is only given when the complaint is admitted"
		}
	}
	CheckText(bad, "reason", in.Reason, false, MaxText)
	CheckText(bad, "late_admission_reason", in.LateAdmissionReason, false, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:admissibility", func(w *Work) error {
		r := w.c
		extra := map[string]any{"admissible": *in.Admissible}
		if in.Reason != "" {
			extra["admissibility_reason_enc"] = w.SealString("admissibility_reason", in.Reason)
		}
		if in.LateAdmissionReason != "" {
			extra["late_admission_reason_enc"] = w.SealString("late_admission_reason", in.LateAdmissionReason)
		}
		to := Admissible
		if !*in.Admissible {
			to = Inadmissible
			extra["inadmissible_ground"] = in.Ground
			if r.State == AwaitingInformation && in.Ground != "incomplete" {
				return apperr.New(apperr.Conflict, "illegal-transition", "While information is awaited, the only ground is incomplete.")
			}
		}
		if err := w.move(to, in.Reason, extra); err != nil {
			return err
		}
		return w.tell(string(to), r.complainantSide()...)
	})
}

// PanelRequest composes the panel.
type PanelRequest struct {
	Version   int         `json:"version,omitempty"`
	MemberIDs []uuid.UUID `json:"member_ids"`
}

// ComposePanel assigns the panel of an admissible or investigated case,
// replacing any earlier one. It refuses, naming the reason, anyone with a
// conflict of interest: working at the complainant's or respondent's
// ministry, being a party, or having declared a conflict. Callable by the chair.
func (s *Service) ComposePanel(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in PanelRequest) (*Result, error) {
	if len(in.MemberIDs) < 1 || len(in.MemberIDs) > 5 {
		return nil, invalid("member_ids", "must name 1 to 5 members")
	}
	seen := map[uuid.UUID]bool{}
	for _, m := range in.MemberIDs {
		if seen[m] {
			return nil, invalid("member_ids", "names a member twice")
		}
		seen[m] = true
	}
	return s.step(ctx, caller, id, in.Version, "case:panel", func(w *Work) error {
		r := w.c
		if r.State != Admissible && r.State != Investigating {
			return apperr.New(apperr.Conflict, "illegal-transition", "A panel is composed once the complaint is admissible, before the advice.")
		}
		if err := checkPanel(w, r, in.MemberIDs); err != nil {
			return err
		}
		if err := w.Tx.Exec(clearPanelSQL, r.ID).Error; err != nil {
			return err
		}
		for _, m := range in.MemberIDs {
			if err := w.Tx.Exec(addPanelMemberSQL, r.ID, m).Error; err != nil {
				return err
			}
		}
		return w.event("panel_composed", "", true)
	})
}

// checkPanel refuses, with the reason per member, a panel of which anyone
// has a conflict of interest in the case as r describes it: the work's
// case, or that case as a step is about to change it.
func checkPanel(w *Work, r *relRow, members []uuid.UUID) error {
	refused, reasons := map[string]string{}, map[string]apperr.Reason{}
	for _, m := range members {
		why, err := conflictOf(w, r, m)
		if err != nil {
			return err
		}
		if why != "" {
			refused[m.String()], reasons[m.String()] = conflictText[why], why
		}
	}
	if len(refused) > 0 {
		e := apperr.New(apperr.Conflict, "conflict-of-interest", "A member of the panel has a conflict of interest and cannot sit on it.")
		e.Fields, e.Reasons = refused, reasons
		return e
	}
	return nil
}

// Why a person may not sit on a case's panel: the reason codes of a
// conflict-of-interest error, per member (apperr.Error.Reasons).
const (
	ConflictNotMember           apperr.Reason = "not_member"
	ConflictParty               apperr.Reason = "party"
	ConflictDeclared            apperr.Reason = "declared"
	ConflictWitness             apperr.Reason = "witness"
	ConflictComplainantMinistry apperr.Reason = "complainant_ministry"
	ConflictRespondentMinistry  apperr.Reason = "respondent_ministry"
)

// conflictText is each reason in the API's words (the problem's errors).
var conflictText = map[apperr.Reason]string{
	ConflictNotMember:           "is not a member or chair of the committee",
	ConflictParty:               "is a party to the case",
	ConflictDeclared:            "declared a conflict of interest for this case",
	ConflictWitness:             "is a witness in the case",
	ConflictComplainantMinistry: "works at the complainant's ministry",
	ConflictRespondentMinistry:  "works at the respondent's ministry",
}

// conflictOf says why person may not sit on the case's panel, or "".
func conflictOf(w *Work, r *relRow, person uuid.UUID) (apperr.Reason, error) {
	var p struct {
		Ministry string
		Active   bool
		Eligible bool
		Declared bool
		Witness  bool
	}
	if err := w.Tx.Raw(panelCandidateSQL, r.ID, person).Scan(&p).Error; err != nil {
		return "", err
	}
	switch {
	case !p.Active || !p.Eligible:
		return ConflictNotMember, nil
	case person == r.ComplainantID || (r.AdviserID != nil && person == *r.AdviserID) || (r.RespondentID != nil && person == *r.RespondentID):
		return ConflictParty, nil
	case p.Declared:
		return ConflictDeclared, nil
	case p.Witness:
		return ConflictWitness, nil
	case p.Ministry == r.Ministry:
		return ConflictComplainantMinistry, nil
	case r.RespondentMinistry != nil && p.Ministry == *r.RespondentMinistry:
		return ConflictRespondentMinistry, nil
	}
	return "", nil
}

// Investigation starts the investigation.
type Investigation struct {
	Version         int    `json:"version,omitempty"`
	RespondentEmail string `json:"respondent_email"`
}

// StartInvestigation informs the respondent (who from now on sees the
// complaint, without the complainant's contact details, Awb 9:9) and moves an
// admissible case with a panel to investigating. Callable by a secretary or
// the chair.
func (s *Service) StartInvestigation(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Investigation) (*Result, error) {
	if strings.TrimSpace(in.RespondentEmail) == "" {
		return nil, invalid("respondent_email", "is required: the respondent's account")
	}
	return s.step(ctx, caller, id, in.Version, "case:investigate", func(w *Work) error {
		r := w.c
		if !CanMove(r.State, Investigating) {
			return illegalMove(r.State, Investigating)
		}
		p, err := accountByEmail(w.Tx, "respondent_email", in.RespondentEmail)
		if err != nil {
			return err
		}
		if p.ID == r.ComplainantID || (r.AdviserID != nil && p.ID == *r.AdviserID) {
			return invalid("respondent_email", "is a party on the complainant's side")
		}
		panel, err := panelOf(w.Tx, r.ID)
		if err != nil {
			return err
		}
		if len(panel) == 0 {
			return apperr.New(apperr.Conflict, "panel-required", "Compose the panel before the investigation starts.")
		}
		respMinistry := p.Ministry
		if r.RespondentMinistry != nil {
			respMinistry = *r.RespondentMinistry
		}
		// Only now are the respondent and their ministry certain: a member
		// who was free to sit may not be any more (or may be the respondent).
		known := *r
		known.RespondentID, known.RespondentMinistry = &p.ID, &respMinistry
		if err := checkPanel(w, &known, panel); err != nil {
			return err
		}
		// The respondent acts in their ministry's domain; the grant is data of
		// this link, recorded on the timeline.
		if err := grantRole(w.Tx, p.ID, authz.Respondent, respMinistry, caller.ID); err != nil {
			return err
		}
		extra := map[string]any{"respondent_id": p.ID, "respondent_informed_at": s.now(), "respondent_ministry": respMinistry}
		if err := w.move(Investigating, "", extra); err != nil {
			return err
		}
		r.RespondentID = &p.ID
		if err := w.event("respondent_informed", "", true); err != nil {
			return err
		}
		return w.tell("respondent_informed", &p.ID)
	})
}

// ConflictDeclaration is a member's declaration of a conflict of interest.
type ConflictDeclaration struct {
	Reason string `json:"reason"`
}

// DeclareConflict records a conflict of interest of the calling member or
// chair and takes them off the panel; from then on they cannot see the case.
// Callable by a member (assigned) or the chair.
func (s *Service) DeclareConflict(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in ConflictDeclaration) error {
	if err := RequireText("reason", in.Reason, MaxLine); err != nil {
		return err
	}
	_, err := s.step(ctx, caller, id, 0, "case:conflict", func(w *Work) error {
		r := w.c
		if err := w.Tx.Exec(declareConflictSQL, r.ID, caller.ID, w.SealString(rowField("conflict.reason", caller.ID), in.Reason)).Error; err != nil {
			return err
		}
		if err := w.Tx.Exec(leavePanelSQL, r.ID, caller.ID).Error; err != nil {
			return err
		}
		return w.event("conflict_declared", "", false)
	})
	return err
}

// Extension extends the term.
type Extension struct {
	Version int    `json:"version,omitempty"`
	Reason  string `json:"reason"`
}

// Extend postpones the decision once by at most four weeks (Awb 9:11 lid 2),
// telling both parties. Callable by the chair.
func (s *Service) Extend(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Extension) (*Result, error) {
	if err := RequireText("reason", in.Reason, MaxText); err != nil {
		return nil, err
	}
	return s.step(ctx, caller, id, in.Version, "case:extend", func(w *Work) error {
		r := w.c
		if r.ReceivedOn == nil || !r.State.open() || r.State == Advised {
			return apperr.New(apperr.Conflict, "not-extendable", "Only a registered case not yet advised can be extended.")
		}
		if r.Extended {
			return apperr.New(apperr.Conflict, "already-extended", "The term was already extended once; further delay needs the complainant's written consent.")
		}
		due := s.cal.DecisionDue(*r.ReceivedOn, true)
		if err := updateCase(w.Tx, r.ID, map[string]any{"extended": true, "due_on": due,
			"extension_reason_enc": w.SealString("extension_reason", in.Reason)}); err != nil {
			return err
		}
		r.DueOn = &due
		if err := w.event("extended", in.Reason, true); err != nil {
			return err
		}
		return w.tell("extension", r.parties()...)
	})
}

// StatementInput is a party's statement or answer.
type StatementInput struct {
	Body string `json:"body"`
}

// AddStatement records a statement of the complainant's side or the
// respondent's answer (verweerschrift) while the case is being handled.
// Callable by the complainant, their adviser, or the informed respondent.
func (s *Service) AddStatement(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in StatementInput) (uuid.UUID, error) {
	if err := RequireText("body", in.Body, MaxText); err != nil {
		return uuid.Nil, err
	}
	sid := uuid.New()
	_, err := s.step(ctx, caller, id, 0, "case:statement", func(w *Work) error {
		r := w.c
		if !r.State.open() || r.State == Advised {
			return apperr.New(apperr.Conflict, "case-not-open", "Statements are added while the case is being handled.")
		}
		side := w.Party() // the complainant's side or the respondent's: no one else adds statements
		if err := w.Tx.Create(&statementRow{ID: sid, CaseID: r.ID, AuthorID: caller.ID, Side: side,
			BodyEnc: w.SealString(rowField("statement", sid), in.Body), CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return w.event("statement_added", "", true)
	})
	return sid, err
}

// Withdrawal is the complainant's withdrawal.
type Withdrawal struct {
	Version int    `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Withdraw ends the case at the complainant's wish, in any state before the
// advice. Callable by the complainant or their adviser.
func (s *Service) Withdraw(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Withdrawal) (*Result, error) {
	if err := textOptional("reason", in.Reason, MaxText); err != nil {
		return nil, err
	}
	return s.step(ctx, caller, id, in.Version, "case:withdraw", func(w *Work) error {
		r := w.c
		if err := w.move(Withdrawn, in.Reason, nil); err != nil {
			return err
		}
		return w.tell("withdrawal", r.parties()...)
	})
}

// InformalResolution records mediation with both parties' consent.
type InformalResolution struct {
	Version              int    `json:"version,omitempty"`
	Reason               string `json:"reason"`
	ComplainantConsented bool   `json:"complainant_consented"`
	RespondentConsented  bool   `json:"respondent_consented"`
}

// ResolveInformally closes the investigation by mediation, which needs both
// parties' consent. Callable by the chair.
func (s *Service) ResolveInformally(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in InformalResolution) (*Result, error) {
	bad := map[string]string{}
	CheckText(bad, "reason", in.Reason, true, MaxText)
	if !in.ComplainantConsented {
		bad["complainant_consented"] = "must be true: mediation needs the complainant's consent"
	}
	if !in.RespondentConsented {
		bad["respondent_consented"] = "must be true: mediation needs the respondent's consent"
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:informal-resolution", func(w *Work) error {
		r := w.c
		if err := w.move(ResolvedInformally, in.Reason, nil); err != nil {
			return err
		}
		return w.tell("resolved_informally", r.parties()...)
	})
}

// Closing closes a finished case.
type Closing struct {
	Version int `json:"version,omitempty"`
}

// Close closes a case that is decided, inadmissible, withdrawn or resolved
// informally; from then on the retention term runs. Callable by a secretary
// or the chair.
func (s *Service) Close(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in Closing) (*Result, error) {
	return s.step(ctx, caller, id, in.Version, "case:close", func(w *Work) error {
		return w.move(Closed, "", nil)
	})
}

// LegalHoldInput sets or lifts a legal hold.
type LegalHoldInput struct {
	Hold   *bool  `json:"hold"`
	Reason string `json:"reason"`
}

// SetLegalHold sets or lifts a legal hold, which stops the retention clock
// (for example during court proceedings). Callable by the chair.
func (s *Service) SetLegalHold(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in LegalHoldInput) (*Result, error) {
	bad := map[string]string{}
	if in.Hold == nil {
		bad["hold"] = "is required (true or false)"
	}
	CheckText(bad, "reason", in.Reason, true, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, 0, "case:legal-hold", func(w *Work) error {
		r := w.c
		if err := updateCase(w.Tx, r.ID, map[string]any{"legal_hold": *in.Hold,
			"legal_hold_reason_enc": w.SealString("legal_hold_reason", in.Reason)}); err != nil {
			return err
		}
		kind, action := "legal_hold_lifted", audit.ActionHoldLifted
		if *in.Hold {
			kind, action = "legal_hold_set", audit.ActionHoldSet
		}
		// Besides the step's own case entry, a hold is an event of its own
		// kind on the access log.
		if err := audit.Append(ctx, w.Tx, s.caseEntry(caller, w.Rel, r, AccessSpec{Action: action})); err != nil {
			return err
		}
		return w.event(kind, in.Reason, false)
	})
}
