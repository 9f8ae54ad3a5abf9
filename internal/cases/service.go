package cases

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

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

// notify hands Notify a content-free notice of kind in case r for those
// named, in tx; nil and empty ids are left out.
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
