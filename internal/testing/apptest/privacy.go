package apptest

import (
	"time"

	"github.com/google/uuid"
)

// OpenDataSubjectRequest stores an open data-subject request (art. 15)
// about subject, recorded by officer and received today, under which the
// privacy officer may export subject's data; it returns the request's id.
// It writes the record directly, for tests of other things than the
// requests themselves (internal/privacy tests the API that records them).
func (e *Env) OpenDataSubjectRequest(officer, subject uuid.UUID) uuid.UUID {
	e.T.Helper()
	id, today := uuid.New(), e.Clock.Now()
	if err := e.App.DB.Exec(`INSERT INTO data_subject_requests (id, subject_id, requested_by, received_on, identity_check,
		legal_basis, due_on, recorded_by, recorded_at) VALUES (?, ?, 'the person', ?, 'identity document', 'art15', ?, ?, ?)`,
		id, subject, today.Format(time.DateOnly), today.AddDate(0, 1, 0).Format(time.DateOnly), officer, today).Error; err != nil {
		e.T.Fatal(err)
	}
	return id
}
