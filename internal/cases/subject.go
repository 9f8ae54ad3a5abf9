package cases

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// EachSubjectCase runs fn, in one transaction, for every case in which
// subject has personal data, oldest filing first: found by the one relation
// condition (caseRelations) with subject as the person and neither a staff
// nor an authority role, since as staff or authority a person has no
// personal data in a case. The Work's Rel is the subject's part —
// complainant, adviser, respondent, witness, or else panel — and its Caller
// the requester. A panel member's personal data in a case is only that they
// sat on it: for those the case key stays closed (Key is nil). Access
// checks and access-log entries are the caller's (the data-subject export
// in internal/privacy).
func (s *Service) EachSubjectCase(ctx context.Context, requester *accounts.Caller, subject uuid.UUID, fn func(w *Work) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []relRow
		if err := tx.Raw(subjectCasesSQL, subject, false, []string{}).Scan(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			w := &Work{Tx: tx, Caller: requester, Rel: subjectPart(r), c: r, s: s, ctx: ctx}
			if w.Rel == authz.RelPanel {
				if err := fn(w); err != nil {
					return err
				}
				continue
			}
			dk, err := s.caseKey(&r.CaseRecord)
			if err != nil {
				return err
			}
			w.Key = dk
			err = fn(w)
			dk.Zero()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return apperr.Wrap(err)
}

// subjectPart is the part a person plays in a case found for them.
func subjectPart(r *relRow) authz.Relation {
	switch {
	case r.IsComplainant:
		return authz.RelComplainant
	case r.IsAdviser:
		return authz.RelAdviser
	case r.IsRespondent:
		return authz.RelRespondent
	case r.IsWitness:
		return authz.RelWitness
	}
	return authz.RelPanel
}

// Summary is the case's summary as the work's relation sees it.
func (w *Work) Summary() Summary { return w.s.summary(w.c, w.Rel) }

// View is the case as the work's relation sees it; for a witness, person's
// own record and hearings only.
func (w *Work) View(person uuid.UUID) (*View, error) {
	if w.Rel == authz.RelWitness {
		return witnessCaseView(w, person)
	}
	return w.s.view(w.Tx, w.c, w.Rel, w.Key)
}

// Authored lists the statements and attachments of the case that person
// wrote or sent in themselves.
func (w *Work) Authored(person uuid.UUID) (map[uuid.UUID]bool, error) {
	var ids []uuid.UUID
	if err := w.Tx.Raw(authoredSQL, w.c.ID, person).Scan(&ids).Error; err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
