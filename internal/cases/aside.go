package cases

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// aside is the frame of work beside the case file's own fields — messages,
// notes, witnesses, retaliation reports: one transaction that loads the case
// scoped to the caller (locked when write is set), checks action against the
// caller's relation, unwraps the case key, runs fn and logs the access as
// logAction. Unlike step it leaves the case's version alone: a message in a
// thread must not make a party's open form stale. Steps that change what
// the annual report counts keep their own statistical record in fn.
func (s *Service) aside(ctx context.Context, caller *accounts.Caller, id uuid.UUID, action, logAction string, write bool,
	fn func(tx *gorm.DB, r *relRow, rel authz.Relation, dk *crypto.DataKey) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.load(ctx, tx, caller, id, write)
		if err != nil {
			return err
		}
		rel, err := s.authorize(caller, r, action)
		if err != nil {
			return err
		}
		dk, err := s.keys.Unwrap(r.DataKey, r.DataKeyID, r.ID.String())
		if err != nil {
			return fmt.Errorf("case key: %w", err)
		}
		defer dk.Zero()
		if err := fn(tx, r, rel, dk); err != nil {
			return err
		}
		return s.logAccess(ctx, tx, caller, string(rel), &r.ID, logAction)
	})
	return apperr.Wrap(err)
}

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
// wide) who relate to the case as its staff: not a party, not a witness,
// no declared conflict.
func staffOf(tx *gorm.DB, r *relRow, role string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(`SELECT p.id FROM persons p JOIN role_grants g ON g.person_id = p.id AND g.role = @role AND g.domain = '*'
		WHERE p.active AND p.id <> @complainant AND p.id IS DISTINCT FROM @adviser AND p.id IS DISTINCT FROM @respondent
		  AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = @case AND k.person_id = p.id)
		  AND NOT EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = @case AND w.person_id = p.id)
		ORDER BY p.id`, map[string]any{"role": role, "complainant": r.ComplainantID, "adviser": r.AdviserID,
		"respondent": r.RespondentID, "case": r.ID}).Scan(&ids).Error
	return ids, err
}
