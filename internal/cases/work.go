package cases

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// What work on a case inside Access may do, always in the Work's
// transaction. Code outside this package (conversations, the data-subject
// export) may read the few facts of the case it needs, seal and open its
// own fields with the case key, look up the case's staff and witnesses, and
// leave a timeline entry or a notice; the case file's own fields stay this
// package's, whose steps also move the case and record its timeline (move,
// record, below).

// ErrStale is the refusal of a change made to an older version than the
// latest (optimistic concurrency): 409 stale-version.
var ErrStale = errStale

// DateOf is the calendar date of t in Amsterdam, as midnight UTC
// (calendar.DateOf): the form of every date of a case.
func DateOf(t time.Time) time.Time { return calendar.DateOf(t) }

// CaseID is the case's id.
func (w *Work) CaseID() uuid.UUID { return w.c.ID }

// State is the case's state.
func (w *Work) State() State { return w.c.State }

// Now is the service's clock.
func (w *Work) Now() time.Time { return w.s.now() }

// Committee reports whether the work is done as the committee: the panel or
// committee staff.
func (w *Work) Committee() bool { return committee(w.Rel) }

// RespondentInformed reports whether the case has a respondent with an
// account who has been informed of the complaint (Awb 9:9).
func (w *Work) RespondentInformed() bool {
	return w.c.RespondentID != nil && w.c.RespondentInformedAt != nil
}

// Ministry is the complainant's ministry, the case's domain.
func (w *Work) Ministry() string { return w.c.Ministry }

// RespondentMinistry is the respondent's ministry, whose authority decides:
// the case's ministry when none was named.
func (w *Work) RespondentMinistry() string {
	if w.c.RespondentMinistry != nil {
		return *w.c.RespondentMinistry
	}
	return w.c.Ministry
}

// Side lists the accounts on a party's side of the case: "complainant" (the
// complainant and their adviser) or "respondent" (once linked).
func (w *Work) Side(party string) []uuid.UUID {
	var out []uuid.UUID
	switch party {
	case "complainant":
		out = append(out, w.c.ComplainantID)
		if w.c.AdviserID != nil {
			out = append(out, *w.c.AdviserID)
		}
	case "respondent":
		if w.c.RespondentID != nil {
			out = append(out, *w.c.RespondentID)
		}
	}
	return out
}

// rowField names a sealed field of one row of a case's table: binding the row
// id into the associated data means a value copied to another row of the
// same table (a complainant's statement shown as the respondent's) fails to
// decrypt, like one copied to another case or field.
func rowField(field string, rowID any) string { return fmt.Sprintf("%s.%v", field, rowID) }

// caseKey unwraps the data key of case c; the caller zeroes it when done.
func (s *Service) caseKey(c *CaseRecord) (*crypto.DataKey, error) {
	dk, err := s.keys.Unwrap(c.DataKey, c.DataKeyID, c.ID.String())
	if err != nil {
		return nil, fmt.Errorf("case key: %w", err)
	}
	return dk, nil
}

// Field names a sealed field of one row of a table outside the case file
// (rowField): the row id is bound into the associated data.
func Field(name string, rowID any) string { return rowField(name, rowID) }

// Seal encrypts a value of field (see Field) with the case key.
func (w *Work) Seal(field string, plain []byte) []byte {
	return w.Key.Seal(w.c.ID.String(), field, plain)
}

// SealString is Seal for text.
func (w *Work) SealString(field, plain string) []byte {
	return w.Key.SealString(w.c.ID.String(), field, plain)
}

// Open decrypts a value of field sealed with Seal.
func (w *Work) Open(field string, sealed []byte) ([]byte, error) {
	return w.Key.Open(w.c.ID.String(), field, sealed)
}

// Opener opens many sealed text fields of the case and remembers the first
// failure, so that a tampered value fails the whole read instead of showing
// blanks.
type Opener struct{ o opener }

// Opener returns an Opener for the case.
func (w *Work) Opener() *Opener { return &Opener{opener{dk: w.Key, id: w.c.ID.String()}} }

// Open returns the text of field, "" when sealed is nil or an earlier field
// failed.
func (o *Opener) Open(field string, sealed []byte) string { return o.o.open(field, sealed) }

// Err is the first failure, if any.
func (o *Opener) Err() error { return o.o.err }

// Secretaries lists the committee's active secretaries who relate to the
// case as its staff.
func (w *Work) Secretaries() ([]uuid.UUID, error) { return staffOf(w.Tx, w.c, authz.Secretary) }

// Chairs lists the committee's active chairs who relate to the case as its
// staff.
func (w *Work) Chairs() ([]uuid.UUID, error) { return staffOf(w.Tx, w.c, authz.Chair) }

// Party is the side of the case the work is done for: "complainant" (the
// complainant or their adviser), "respondent" or "witness"; "" for the
// committee and the authority, who are no party.
func (w *Work) Party() string {
	switch w.Rel {
	case authz.RelComplainant, authz.RelAdviser:
		return "complainant"
	case authz.RelRespondent:
		return "respondent"
	case authz.RelWitness:
		return "witness"
	}
	return ""
}

// WitnessRef is a witness of the case as conversations address them.
type WitnessRef struct {
	ID       uuid.UUID
	PersonID *uuid.UUID // the witness's account, when linked
	Name     string     // opened for the committee only
}

// Witnesses lists the case's witnesses in the order they were added: all of
// them, or those whose account is person's when person is set. Their names
// are opened only when the work is the committee's.
func (w *Work) Witnesses(person *uuid.UUID) ([]WitnessRef, error) {
	rows, err := witnessesOf(w.Tx, w.c.ID, person)
	if err != nil {
		return nil, err
	}
	o := w.Opener()
	out := make([]WitnessRef, len(rows))
	for i, r := range rows {
		out[i] = WitnessRef{ID: r.ID, PersonID: r.PersonID}
		if w.Committee() {
			out[i].Name = o.Open(rowField("witness.name", r.ID), r.NameEnc)
		}
	}
	return out, o.Err()
}

// SideEvent records a timeline entry that only the committee and one side
// see: audience "complainant" (complainant and adviser), "respondent", or
// "witness" with the witness's id.
func (w *Work) SideEvent(kind, audience string, witness *uuid.UUID) error {
	return w.s.sideEvent(w.Tx, w.c, w.Caller, w.Rel, kind, audience, witness)
}

// CommitteeEvent records a timeline entry for the committee only.
func (w *Work) CommitteeEvent(kind string) error {
	return w.s.committeeEvent(w.Tx, w.c, w.Caller, w.Rel, kind)
}

// Notify tells the people named (content-free) of kind in the case, in the
// work's transaction (the outbox).
func (w *Work) Notify(kind string, to ...uuid.UUID) error {
	return w.s.notifyIDs(w.ctx, w.Tx, kind, w.c, to)
}

// The steps of this package on the loaded case, in the work's transaction
// and relation.

// move changes the case's state along an edge of the state machine and
// records the event; an illegal move is refused and changes nothing.
func (w *Work) move(to State, reason string, extra map[string]any) error {
	r := w.c
	if !CanMove(r.State, to) {
		return illegalMove(r.State, to)
	}
	updates := map[string]any{"state": to}
	for k, v := range extra {
		updates[k] = v
	}
	if to == Closed {
		updates["closed_at"] = w.s.now()
	}
	if to.finished() {
		updates["finished_at"] = w.s.now()
	}
	if err := updateCase(w.Tx, r.ID, updates); err != nil {
		return err
	}
	from := string(r.State)
	r.State = to
	return w.record(string(to), &from, reason, true)
}

// illegalMove is the refusal of a move that is not an edge of the state
// machine, or not the edge this step takes.
func illegalMove(from, to State) error {
	return apperr.New(apperr.Conflict, "illegal-transition", fmt.Sprintf("A case in state %s cannot move to %s.", from, to))
}

// event records a timeline entry that changes no state.
func (w *Work) event(kind, reason string, visible bool) error {
	return w.record(kind, nil, reason, visible)
}

// record records an entry on the case's timeline, a move when from is set.
func (w *Work) record(kind string, from *string, reason string, visible bool) error {
	cols, values, err := w.eventRow(kind, from, reason, visible)
	if err != nil {
		return err
	}
	return insertRow(w.Tx, "case_events", cols, values...)
}

// eventRow is the timeline entry record writes, as columns and values.
func (w *Work) eventRow(kind string, from *string, reason string, visible bool) ([]string, []any, error) {
	r := w.c
	ev := eventRow{CaseID: r.ID, At: w.s.now(), ActorID: &w.Caller.ID, ActorRole: string(w.Rel), Kind: kind, FromState: from, VisibleToParties: visible}
	if from != nil {
		to := string(r.State)
		ev.ToState = &to
	}
	if reason != "" {
		// The id is taken first so the reason can be bound to its own row.
		if err := w.Tx.Raw(nextEventIDSQL).Scan(&ev.ID).Error; err != nil {
			return nil, nil, err
		}
		ev.ReasonEnc = w.SealString(rowField("event.reason", ev.ID), reason)
	}
	cols := []string{"case_id", "at", "actor_id", "actor_role", "kind", "from_state", "to_state", "reason_enc", "visible_to_parties"}
	values := []any{ev.CaseID, ev.At, ev.ActorID, ev.ActorRole, ev.Kind, ev.FromState, ev.ToState, ev.ReasonEnc, ev.VisibleToParties}
	if ev.ID != 0 {
		cols, values = append(cols, "id"), append(values, ev.ID)
	}
	return cols, values, nil
}

// tell notifies those named of kind; nil and unset ids are left out.
func (w *Work) tell(kind string, to ...*uuid.UUID) error {
	return w.s.notify(w.ctx, w.Tx, kind, w.c, to...)
}

// parties are the accounts of both sides: the complainant, their adviser
// and the respondent, each when set.
func (r *relRow) parties() []*uuid.UUID {
	return []*uuid.UUID{&r.ComplainantID, r.AdviserID, r.RespondentID}
}

// complainantSide are the complainant and their adviser, when set.
func (r *relRow) complainantSide() []*uuid.UUID { return []*uuid.UUID{&r.ComplainantID, r.AdviserID} }

// MaxUpload is the largest file, in bytes, a case accepts.
func (s *Service) MaxUpload() int64 { return s.maxUpload }
