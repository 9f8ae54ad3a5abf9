package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// Service holds the rules of the case's life. Each method's comment says who
// may call it; all of them return not_found when the case does not exist or
// the caller may not know it exists.
type Service struct {
	db        *gorm.DB
	keys      *crypto.Keyring
	cal       *Calendar
	enf       *authz.Enforcer
	log       *slog.Logger
	now       func() time.Time
	maxUpload int64
	signals   *signalGate
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
	Calendar       *Calendar
	Enforcer       *authz.Enforcer
	Log            *slog.Logger
	Now            func() time.Time
	MaxUploadBytes int64
	SignalLimits   *SignalLimits // nil: DefaultSignalLimits
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
	limits := DefaultSignalLimits
	if o.SignalLimits != nil {
		limits = *o.SignalLimits
	}
	if o.CloseAfterDays == 0 {
		o.CloseAfterDays = DefaultCloseAfterDays
	}
	return &Service{db: o.DB, keys: o.Keys, cal: o.Calendar, enf: o.Enforcer, log: o.Log, now: o.Now, maxUpload: o.MaxUploadBytes,
		signals: newSignalGate(limits), closeAfterDays: o.CloseAfterDays}
}

// Calendar returns the deadline calendar the service uses.
func (s *Service) Calendar() *Calendar { return s.cal }

// relationSQL computes the caller's relations to case c. A respondent relates
// only once informed (Awb 9:9), the authority only once advised, a witness
// once the secretary linked their account; staff (the committee's
// secretaries and chairs) relate to every case in which they are not a
// party or witness and declared no conflict: a role alone never opens a case.
const relationSQL = `
	c.complainant_id = @me AS is_complainant,
	coalesce(c.adviser_id = @me, false) AS is_adviser,
	coalesce(c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL, false) AS is_respondent,
	EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me) AS is_panel,
	(@staff AND c.complainant_id <> @me AND c.adviser_id IS DISTINCT FROM @me AND c.respondent_id IS DISTINCT FROM @me
	   AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = c.id AND k.person_id = @me)
	   AND NOT EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me)) AS is_staff,
	(c.advised_at IS NOT NULL AND coalesce(c.respondent_ministry, c.ministry) = ANY(CAST(@authdoms AS text[]))) AS is_authority,
	EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me) AS is_witness`

// relationWhere keeps only cases the caller relates to.
const relationWhere = `(
	c.complainant_id = @me OR c.adviser_id = @me
	OR (c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL)
	OR EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me)
	OR (@staff AND c.complainant_id <> @me AND c.adviser_id IS DISTINCT FROM @me AND c.respondent_id IS DISTINCT FROM @me
	    AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = c.id AND k.person_id = @me)
	    AND NOT EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me))
	OR (c.advised_at IS NOT NULL AND coalesce(c.respondent_ministry, c.ministry) = ANY(CAST(@authdoms AS text[])))
	OR EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me))`

func relationArgs(caller *accounts.Caller) map[string]any {
	staff := caller.Has(authz.Secretary, authz.AnyDomain) || caller.Has(authz.Chair, authz.AnyDomain)
	var doms []string
	for _, g := range caller.Grants {
		if g.Role == authz.Authority {
			doms = append(doms, g.Domain)
		}
	}
	return map[string]any{"me": caller.ID, "staff": staff, "authdoms": pgArray(doms)}
}

// pgArray renders a text[] literal; domains are validated codes, never free text.
func pgArray(v []string) string {
	out := "{"
	for i, s := range v {
		if i > 0 {
			out += ","
		}
		out += `"` + s + `"`
	}
	return out + "}"
}

// load reads one case with the caller's relations, scoped in SQL; forUpdate
// locks the row for the rest of the transaction.
func (s *Service) load(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, id uuid.UUID, forUpdate bool) (*relRow, error) {
	args := relationArgs(caller)
	args["id"] = id
	q := `SELECT c.*, ` + relationSQL + ` FROM cases c WHERE c.id = @id AND ` + relationWhere
	if forUpdate {
		q += ` FOR UPDATE OF c`
	}
	var rows []relRow
	if err := tx.WithContext(ctx).Raw(q, args).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	if len(rows) == 0 {
		return nil, errCaseNotFound
	}
	return &rows[0], nil
}

var errCaseNotFound = apperr.NotFoundError("Case")

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

// authorize checks action on a loaded case: not_found when the caller may not
// even read it, forbidden when they may read it but not do this.
func (s *Service) authorize(caller *accounts.Caller, r *relRow, action string) (authz.Relation, error) {
	rels := r.relations()
	if rel, ok := s.enf.CaseAllowed(caller.ID.String(), rels, action); ok {
		return rel, nil
	}
	if _, ok := s.enf.CaseAllowed(caller.ID.String(), rels, "case:read"); !ok {
		return "", errCaseNotFound
	}
	return "", apperr.New(apperr.Forbidden, "forbidden", "Your part in this case does not allow this step.")
}

// step is the frame of every change to a case: one transaction that locks the
// case, checks the caller, the optional expected version and the action, runs
// fn, and logs the access — all or nothing.
func (s *Service) step(ctx context.Context, caller *accounts.Caller, id uuid.UUID, version int, action string,
	fn func(tx *gorm.DB, r *relRow, rel authz.Relation, dk *crypto.DataKey) error) (*relRow, error) {
	var out *relRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.load(ctx, tx, caller, id, true)
		if err != nil {
			return err
		}
		rel, err := s.authorize(caller, r, action)
		if err != nil {
			return err
		}
		if version != 0 && version != r.Version {
			return errStale
		}
		dk, err := s.keys.Unwrap(r.DataKey, r.DataKeyID, r.ID.String())
		if err != nil {
			return apperr.Wrap(fmt.Errorf("case key: %w", err))
		}
		defer dk.Zero()
		if err := fn(tx, r, rel, dk); err != nil {
			return err
		}
		if err := s.syncStats(tx, r.ID, dk); err != nil {
			return err
		}
		if err := s.logAccess(ctx, tx, caller, string(rel), &r.ID, action); err != nil {
			return err
		}
		// Bump the version of every change, so a client holding the old one gets 409.
		res := tx.Exec(`UPDATE cases SET version = version + 1, updated_at = now() WHERE id = ? AND version = ?`, r.ID, r.Version)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errStale
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return out, nil
}

var errStale = apperr.New(apperr.Conflict, "stale-version", "The case was changed by someone else; reload it and try again.")

func (s *Service) logAccess(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, role string, caseID *uuid.UUID, action string) error {
	id := caller.ID
	return audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: &id, Role: role, CaseID: caseID, Action: action, Client: caller.Client})
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
	if err := tx.Model(&CaseRecord{}).Where("id = ?", r.ID).Updates(updates).Error; err != nil {
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
		if err := tx.Raw(`SELECT nextval('case_events_id_seq')`).Scan(&ev.ID).Error; err != nil {
			return err
		}
		ev.ReasonEnc = dk.SealString(r.ID.String(), rowField("event.reason", ev.ID), reason)
	}
	return tx.Create(&ev).Error
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

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
