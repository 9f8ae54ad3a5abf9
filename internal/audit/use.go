package audit

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// Reader is who reads or checks the log: the privacy officer's id and
// client address.
type Reader struct {
	ID     uuid.UUID
	Client string
}

// Find reads one page of the log and puts the search itself on the log
// (audit:search). It is the one search of the log: the API's GET /audit and
// the privacy officer's page both call it; each face only turns its own
// input (query parameters, the page's form) into q.
func (h *Handlers) Find(ctx context.Context, who Reader, q Query) (Page, error) {
	out, err := Search(ctx, h.DB, q)
	if err != nil {
		return out, apperr.Wrap(err)
	}
	return out, h.record(ctx, who, "audit:search")
}

// Check verifies the stored tree against the newest signed checkpoint and
// puts the check on the log (audit:verify), for both faces.
func (h *Handlers) Check(ctx context.Context, who Reader) (Result, error) {
	res, err := h.Log.Verify(ctx)
	if err != nil {
		return res, apperr.Wrap(err)
	}
	return res, h.record(ctx, who, "audit:verify")
}

// record appends the privacy officer's use of the log, at the injected
// clock's time.
func (h *Handlers) record(ctx context.Context, who Reader, action string) error {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	id := who.ID
	return apperr.Wrap(h.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return Append(ctx, tx, Entry{At: now(), PersonID: &id, Role: "privacy_officer", Action: action, Client: who.Client})
	}))
}
