package privacy

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Who acts, as the access log records it: the data subject exporting their
// own data, or the privacy officer handling requests and exporting someone
// else's data under one.

// exportRole is the role in which requester exports subject's data.
func exportRole(requester *accounts.Caller, subject uuid.UUID) string {
	if requester.ID == subject {
		return "data_subject"
	}
	return authz.PrivacyOfficer
}

// log appends an act of the privacy officer to the access log, in tx.
func (s *Service) log(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, action string) error {
	id := caller.ID
	return audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: &id, Role: authz.PrivacyOfficer, Action: action, Client: caller.Client})
}
