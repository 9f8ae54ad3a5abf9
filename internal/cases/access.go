package cases

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// AccessSpec says what a piece of work on one case needs.
type AccessSpec struct {
	// Action is the casbin action the caller's relation must allow.
	Action string
	// LogAction is the access-log action; empty: Action.
	LogAction string
	// Write locks the case row for the rest of the transaction.
	Write bool
	// Viewer makes Work.Rel the relation that decides what the caller sees
	// (the committee's view before a party's, a party's before the
	// authority's) instead of the first relation that allows Action: reads
	// of the case file show and log that one.
	Viewer bool
	// Read says that fn only reads. The work then runs without a
	// transaction: the case comes in one statement and the access-log
	// entry is written in a statement of its own (with WithParts, the one
	// that reads the parts, before fn; otherwise after fn), before anything
	// reaches the caller — a read is never shown unlogged, and it costs no
	// BEGIN and COMMIT round trips. Work that writes anything must leave
	// Read false.
	Read bool
	// WithParts, for a Read, reads the case's parts (parts.go) in the
	// statement that writes its access-log entry.
	WithParts bool
}

// Work is one piece of work on a case inside Access: its transaction, the
// case as loaded with the caller's relations, the relation the work is done
// in and the case's unwrapped key (zeroed when the work ends).
type Work struct {
	Tx     *gorm.DB
	Caller *accounts.Caller
	Rel    authz.Relation
	Key    *crypto.DataKey
	c      *relRow
	s      *Service
	ctx    context.Context
}

// Access is the one way to work on a case: in one transaction it loads the
// case scoped to the caller's relations in SQL (a case the caller has no
// relation to is not found), checks spec.Action with casbin against those
// relations (not found when the caller may not even read the case,
// forbidden when they may read it but not do this), unwraps the case key,
// runs fn and appends the access-log entry — all or nothing.
func (s *Service) Access(ctx context.Context, caller *accounts.Caller, id uuid.UUID, spec AccessSpec, fn func(w *Work) error) error {
	if spec.Read && !spec.Write {
		err := s.work(ctx, s.db.WithContext(ctx), caller, id, spec, fn)
		return apperr.Wrap(err)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.work(ctx, tx, caller, id, spec, fn)
	})
	return apperr.Wrap(err)
}

// work is Access on tx: a transaction, or for a Read the database itself.
func (s *Service) work(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, id uuid.UUID, spec AccessSpec, fn func(w *Work) error) error {
	var r *relRow
	if spec.Read && !spec.Write {
		// A case read's row may have come with the session check.
		r = prefetchedRow(ctx, caller, id)
	}
	if r == nil {
		var err error
		if r, err = s.load(ctx, tx, caller, id, spec); err != nil {
			return err
		}
	}
	rel, err := s.authorize(caller, r, spec.Action)
	if err != nil {
		return err
	}
	if spec.Viewer {
		rel = primary(authz.EffectiveRelations(r.relations()))
	}
	dk, err := s.caseKey(&r.CaseRecord)
	if err != nil {
		return err
	}
	defer dk.Zero()
	entry := s.caseEntry(caller, rel, r, spec)
	w := &Work{Tx: tx, Caller: caller, Rel: rel, Key: dk, c: r, s: s, ctx: ctx}
	if spec.Read && spec.WithParts {
		// One round trip for the parts and the log line: the line is
		// written when the file is read, even should the view then fail.
		if err := audit.AppendWith(ctx, tx, entry, nil, partsSQL(r.presentParts()), []any{r.ID}, &r.PartsDoc); err != nil {
			return err
		}
		return fn(w)
	}
	if err := fn(w); err != nil {
		return err
	}
	return audit.Append(ctx, tx, entry)
}

var errCaseNotFound = apperr.NotFoundError("Case")

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

// caseEntry is the access-log entry of caller's work on the loaded case r
// (spec's LogAction, or else its Action), sealed under the case's log key
// read with it.
func (s *Service) caseEntry(caller *accounts.Caller, rel authz.Relation, r *relRow, spec AccessSpec) audit.Entry {
	action := spec.LogAction
	if action == "" {
		action = spec.Action
	}
	id, caseID := caller.ID, r.ID
	return audit.Entry{At: s.now(), PersonID: &id, Role: string(rel), CaseID: &caseID, Action: action,
		Client: caller.Client, Key: &r.LogKey}
}

// step is the frame of every change to the case file's own fields: Access
// with the row locked, the optional expected version checked, and after fn
// the statistical record synchronised and the version bumped, so a client
// holding the old one gets 409. It returns the step's Result: the case's
// new state and version.
func (s *Service) step(ctx context.Context, caller *accounts.Caller, id uuid.UUID, version int, action string,
	fn func(w *Work) error) (*Result, error) {
	var out *Result
	err := s.Access(ctx, caller, id, AccessSpec{Action: action, Write: true}, func(w *Work) error {
		r := w.c
		if version == 0 {
			version = ifMatchOf(ctx) // a body without a version (route.go)
		}
		if version != 0 && version != r.Version {
			return errStale
		}
		if err := fn(w); err != nil {
			return err
		}
		if err := s.syncStats(w.Tx, r.ID, w.Key); err != nil {
			return err
		}
		res := w.Tx.Exec(bumpVersionSQL, r.ID, r.Version)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errStale
		}
		out = result(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ifMatchKey carries the If-Match version of a change to a case to step,
// which checks it against the case when the body names no version of its
// own (a statement, evidence, a hearing plan, a legal hold, a conflict).
type ifMatchKey struct{}

// WithIfMatch is ctx carrying the If-Match version of the request (0: none)
// to the step it asks for.
func WithIfMatch(ctx context.Context, version int) context.Context {
	return context.WithValue(ctx, ifMatchKey{}, version)
}

// ifMatchOf is the If-Match version WithIfMatch carried; 0 when none.
func ifMatchOf(ctx context.Context) int {
	v, _ := ctx.Value(ifMatchKey{}).(int)
	return v
}

var errStale = apperr.New(apperr.Conflict, "stale-version", "The case was changed by someone else; reload it and try again.")

// committee reports whether the relation is the committee's: the panel or
// its staff.
func committee(rel authz.Relation) bool { return rel == authz.RelPanel || rel == authz.RelStaff }

// sideEvent records a timeline entry that only the committee and one side
// see: audience "complainant" (complainant and adviser), "respondent", or
// "witness" with the witness's id.
func (s *Service) sideEvent(tx *gorm.DB, r *relRow, caller *accounts.Caller, rel authz.Relation, kind, audience string, witness *uuid.UUID) error {
	aud := audience
	return tx.Create(&eventRow{CaseID: r.ID, At: s.now(), ActorID: &caller.ID, ActorRole: string(rel), Kind: kind,
		VisibleToParties: true, Audience: &aud, WitnessID: witness}).Error
}

// committeeEvent records a timeline entry for the committee only.
func (s *Service) committeeEvent(tx *gorm.DB, r *relRow, caller *accounts.Caller, rel authz.Relation, kind string) error {
	return tx.Create(&eventRow{CaseID: r.ID, At: s.now(), ActorID: &caller.ID, ActorRole: string(rel), Kind: kind}).Error
}

// notifyIDs is notify for a list of ids.
func (s *Service) notifyIDs(ctx context.Context, tx *gorm.DB, kind string, r *relRow, ids []uuid.UUID) error {
	to := make([]*uuid.UUID, len(ids))
	for i := range ids {
		to[i] = &ids[i]
	}
	return s.notify(ctx, tx, kind, r, to...)
}

// staffOf lists the active holders of role (secretary or chair, committee
// wide) who relate to the case as its staff, by the staff relation of
// caseRelations.
func staffOf(tx *gorm.DB, r *relRow, role string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(staffOfSQL, role, r.ID).Scan(&ids).Error
	return ids, err
}
