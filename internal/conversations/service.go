// Package conversations holds what is said inside a case besides the case
// file itself: each party's thread with the committee (messages with
// files), the panel's notes and draft findings, and retaliation reports. It
// works on a case only through cases.Service.Access, which loads the case
// scoped to the caller's relations, checks casbin, unwraps the case key and
// writes the access-log entry; this package decides which thread, note or
// report that relation reaches.
package conversations

import (
	"context"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Service holds the rules of conversations. Each method's comment says who
// may call it; all of them return not_found when the case does not exist or
// the caller may not know it exists. Their work is beside the case file's
// own fields: it leaves the case's version alone, so a message in a thread
// does not make a party's open form stale.
type Service struct {
	cases *cases.Service
}

// NewService builds the conversation service on the case service.
func NewService(cs *cases.Service) *Service { return &Service{cases: cs} }

// access runs fn on case id under spec (cases.Service.Access: scoped load,
// casbin, case key, access log, one transaction) and returns what fn made
// of it; on any error, of fn or of Access itself, the zero value.
func access[T any](ctx context.Context, s *Service, caller *accounts.Caller, id uuid.UUID, spec cases.AccessSpec, fn func(w *cases.Work) (T, error)) (T, error) {
	var out T
	err := s.cases.Access(ctx, caller, id, spec, func(w *cases.Work) error {
		var err error
		out, err = fn(w)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// caseRow loads into row (a pointer to a row type) the row of its table
// with rowID in the work's case; notFound when there is none, or the row
// belongs to another case.
func caseRow(w *cases.Work, row any, rowID uuid.UUID, notFound error) error {
	res := w.Tx.Where("id = ? AND case_id = ?", rowID, w.CaseID()).Limit(1).Find(row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return notFound
	}
	return nil
}
