package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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

// caseRelations is the one definition of who may touch a case: each
// relation of person @me to case c with its condition. A respondent relates
// only once informed (Awb 9:9), the authority only once advised, a witness
// once the secretary linked their account; staff (the committee's
// secretaries and chairs, @staff) relate to every case in which they are
// not a party or witness and declared no conflict: a role alone never opens
// a case. Load, list and its count, the data-subject export and the staff
// lookup are all written with it.
var caseRelations = []struct{ column, cond string }{
	{"is_complainant", `c.complainant_id = @me`},
	{"is_adviser", `c.adviser_id = @me`},
	{"is_respondent", `(c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL)`},
	{"is_panel", `EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me)`},
	{"is_staff", staffCondition},
	{"is_authority", `(c.advised_at IS NOT NULL AND coalesce(c.respondent_ministry, c.ministry) = ANY(CAST(@authdoms AS text[])))`},
	{"is_witness", `EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me)`},
}

// staffCondition is the staff relation: @staff holds a committee-wide
// secretary or chair role.
const staffCondition = `(@staff AND c.complainant_id <> @me AND c.adviser_id IS DISTINCT FROM @me AND c.respondent_id IS DISTINCT FROM @me
	AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = c.id AND k.person_id = @me)
	AND NOT EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = c.id AND w.person_id = @me))`

// relationSQL selects the caller's relations to case c as the columns of relRow.
var relationSQL = func() string {
	cols := make([]string, len(caseRelations))
	for i, r := range caseRelations {
		cols[i] = "coalesce(" + r.cond + ", false) AS " + r.column
	}
	return strings.Join(cols, ",\n\t")
}()

// relationWhere keeps only cases the caller relates to.
var relationWhere = func() string {
	conds := make([]string, len(caseRelations))
	for i, r := range caseRelations {
		conds[i] = r.cond
	}
	return "(" + strings.Join(conds, "\n\tOR ") + ")"
}()

func relationArgs(caller *accounts.Caller) map[string]any {
	staff, doms := callerScope(caller)
	return map[string]any{"me": caller.ID, "staff": staff, "authdoms": pgArray(doms)}
}

// callerScope is what the relation condition needs of the caller besides
// their id: whether they are committee staff (@staff) and the ministries
// they are the competent authority of (@authdoms).
func callerScope(caller *accounts.Caller) (staff bool, doms []string) {
	staff = caller.Has(authz.Secretary, authz.AnyDomain) || caller.Has(authz.Chair, authz.AnyDomain)
	doms = []string{}
	for _, g := range caller.Grants {
		if g.Role == authz.Authority {
			doms = append(doms, g.Domain)
		}
	}
	return staff, doms
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

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
