package accounts

import (
	"context"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// PanelCandidate is a person a case's panel may be composed from.
type PanelCandidate struct {
	ID       uuid.UUID
	Name     string
	Ministry string
}

// PanelCandidates lists the active members and chairs of the committee
// (committee-wide grants), by name: whom the chair's panel form offers. The
// case service still refuses a member with a conflict of interest.
func (s *Service) PanelCandidates(ctx context.Context) ([]PanelCandidate, error) {
	var out []PanelCandidate
	err := s.db.WithContext(ctx).Raw(`SELECT p.id, p.name, p.ministry FROM persons p WHERE p.active AND EXISTS (
		SELECT 1 FROM role_grants g WHERE g.person_id = p.id AND g.role IN ('member', 'chair') AND g.domain = '*')
		ORDER BY p.name`).Scan(&out).Error
	return out, apperr.Wrap(err)
}
