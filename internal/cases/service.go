package cases

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// Service holds the rules of the case's life. Each method's comment says who
// may call it; all of them return not_found when the case does not exist or
// the caller may not know it exists.
type Service struct {
	db        *gorm.DB
	keys      *crypto.Keyring
	cal       *calendar.Calendar
	enf       *authz.Enforcer
	log       *slog.Logger
	now       func() time.Time
	maxUpload int64
	// closeAfterDays is how long a finished case stays open before the
	// scheduled job closes it (CloseFinished).
	closeAfterDays int
	// Notify is called inside the transaction of every step that concerns
	// someone, so a message is stored together with its change (the outbox).
	Notify func(ctx context.Context, tx *gorm.DB, n Notice) error
}

// Notice says that someone must hear of a step in a case; it carries no content.
type Notice struct {
	Kind   string      // "acknowledgement", "information_requested", …
	CaseID uuid.UUID   // the case
	Number string      // its number, the only case detail a message may carry
	To     []uuid.UUID // recipients
	DueOn  *time.Time  // for the acknowledgement
}

// Options configures the service.
type Options struct {
	DB             *gorm.DB
	Keys           *crypto.Keyring
	Calendar       *calendar.Calendar
	Enforcer       *authz.Enforcer
	Log            *slog.Logger
	Now            func() time.Time
	MaxUploadBytes int64
	// CloseAfterDays is how long a finished case stays open for the
	// parties to react; default DefaultCloseAfterDays.
	CloseAfterDays int
}

// NewService builds the case service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 10 << 20
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.CloseAfterDays == 0 {
		o.CloseAfterDays = DefaultCloseAfterDays
	}
	return &Service{db: o.DB, keys: o.Keys, cal: o.Calendar, enf: o.Enforcer, log: o.Log, now: o.Now, maxUpload: o.MaxUploadBytes, closeAfterDays: o.CloseAfterDays}
}

// Calendar returns the deadline calendar the service uses.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// relations lists the caller's relations with the domain that backs each.
func (r *relRow) relations() []authz.CaseRelation {
	respDom := r.Ministry
	if r.RespondentMinistry != nil {
		respDom = *r.RespondentMinistry
	}
	var out []authz.CaseRelation
	add := func(ok bool, rel authz.Relation, dom string) {
		if ok {
			out = append(out, authz.CaseRelation{Relation: rel, Domain: dom})
		}
	}
	add(r.IsPanel, authz.RelPanel, r.Ministry)
	add(r.IsStaff, authz.RelStaff, r.Ministry)
	add(r.IsComplainant, authz.RelComplainant, r.Ministry)
	add(r.IsAdviser, authz.RelAdviser, r.Ministry)
	add(r.IsRespondent, authz.RelRespondent, respDom)
	add(r.IsAuthority, authz.RelAuthority, respDom)
	add(r.IsWitness, authz.RelWitness, r.Ministry)
	return out
}

// move changes the state along an edge of the state machine and records the
// event; an illegal move is refused and changes nothing.
func (s *Service) move(tx *gorm.DB, r *relRow, caller *accounts.Caller, rel authz.Relation, to State, dk *crypto.DataKey, reason string, extra map[string]any) error {
	if !CanMove(r.State, to) {
		return illegalMove(r.State, to)
	}
	updates := map[string]any{"state": to}
	for k, v := range extra {
		updates[k] = v
	}
	if to == Closed {
		updates["closed_at"] = s.now()
	}
	if to.finished() {
		updates["finished_at"] = s.now()
	}
	if err := updateCase(tx, r.ID, updates); err != nil {
		return err
	}
	from := string(r.State)
	r.State = to
	return s.event(tx, r, caller, rel, string(to), &from, dk, reason, true)
}

// illegalMove is the refusal of a move that is not an edge of the state
// machine, or not the edge this step takes.
func illegalMove(from, to State) error {
	return apperr.New(apperr.Conflict, "illegal-transition", fmt.Sprintf("A case in state %s cannot move to %s.", from, to))
}

// event records an entry on the case's timeline.
func (s *Service) event(tx *gorm.DB, r *relRow, caller *accounts.Caller, rel authz.Relation, kind string, from *string, dk *crypto.DataKey, reason string, visible bool) error {
	ev := eventRow{CaseID: r.ID, At: s.now(), ActorID: &caller.ID, ActorRole: string(rel), Kind: kind, FromState: from, VisibleToParties: visible}
	if from != nil {
		to := string(r.State)
		ev.ToState = &to
	}
	if reason != "" {
		// The id is taken first so the reason can be bound to its own row.
		if err := tx.Raw(nextEventIDSQL).Scan(&ev.ID).Error; err != nil {
			return err
		}
		ev.ReasonEnc = dk.SealString(r.ID.String(), rowField("event.reason", ev.ID), reason)
	}
	cols := []string{"case_id", "at", "actor_id", "actor_role", "kind", "from_state", "to_state", "reason_enc", "visible_to_parties"}
	values := []any{ev.CaseID, ev.At, ev.ActorID, ev.ActorRole, ev.Kind, ev.FromState, ev.ToState, ev.ReasonEnc, ev.VisibleToParties}
	if ev.ID != 0 {
		cols, values = append(cols, "id"), append(values, ev.ID)
	}
	return insertRow(tx, "case_events", cols, values...)
}

// rowField names a sealed field of one row of a case's table: binding the row
// id into the associated data means a value copied to another row of the
// same table (a complainant's statement shown as the respondent's) fails to
// decrypt, like one copied to another case or field.
func rowField(field string, rowID any) string { return fmt.Sprintf("%s.%v", field, rowID) }

func (s *Service) notify(ctx context.Context, tx *gorm.DB, kind string, r *relRow, to ...*uuid.UUID) error {
	if s.Notify == nil {
		return nil
	}
	var ids []uuid.UUID
	for _, id := range to {
		if id != nil && *id != uuid.Nil {
			ids = append(ids, *id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return s.Notify(ctx, tx, Notice{Kind: kind, CaseID: r.ID, Number: r.Number, To: ids, DueOn: r.DueOn})
}
