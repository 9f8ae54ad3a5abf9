package privacy

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// Notice tells a person, in their own account, of something others did
// with their data: a complaint a confidential adviser filed for them
// (filed_on_behalf, with the case), or an export of their data the privacy
// officer made under a data-subject request (data_export, with the
// request's legal basis).
type Notice struct {
	Kind       string     `json:"kind"`
	At         time.Time  `json:"at"`
	CaseID     *uuid.UUID `json:"case_id,omitempty"`
	CaseNumber string     `json:"case_number,omitempty"`
	RequestID  *uuid.UUID `json:"request_id,omitempty"`
	LegalBasis string     `json:"legal_basis,omitempty"`
}

// Notices returns the person's notices, newest first (at most 200).
func (s *Service) Notices(ctx context.Context, person uuid.UUID) ([]Notice, error) {
	var rows []struct {
		Kind       string
		At         time.Time
		CaseID     *uuid.UUID
		CaseNumber *string
		RequestID  *uuid.UUID
		LegalBasis *string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT n.kind, n.at, n.case_id, c.number AS case_number, n.request_id, r.legal_basis
		FROM account_notices n
		LEFT JOIN cases c ON c.id = n.case_id
		LEFT JOIN data_subject_requests r ON r.id = n.request_id
		WHERE n.person_id = ? ORDER BY n.at DESC, n.id DESC LIMIT 200`, person).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	out := make([]Notice, 0, len(rows))
	for _, r := range rows {
		n := Notice{Kind: r.Kind, At: r.At, CaseID: r.CaseID, RequestID: r.RequestID}
		if r.CaseNumber != nil {
			n.CaseNumber = *r.CaseNumber
		}
		if r.LegalBasis != nil {
			n.LegalBasis = *r.LegalBasis
		}
		out = append(out, n)
	}
	return out, nil
}
