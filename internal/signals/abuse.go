package signals

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

// AbuseInput marks a signal as abuse (true) or takes the mark away (false).
type AbuseInput struct {
	Abuse *bool `json:"abuse"`
}

// MarkSignalAbuse records the committee's judgement that a signal is abuse
// (spam, a flood, a test): the signal stays on file and in the work list,
// marked, and its anonymous statistical record leaves the annual report's
// counts for the separate count of abuse. Undone by marking it false. The
// change is on the access log. Callable by a secretary or the chair (the
// route checks the role); not_found if the signal does not exist.
func (s *Service) MarkSignalAbuse(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in AbuseInput) error {
	if in.Abuse == nil {
		return apperr.InvalidFields(map[string]string{"abuse": "is required: true to mark the signal as abuse, false to take the mark away"})
	}
	abuse := *in.Abuse
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row signalRow
		if err := tx.Raw(`SELECT * FROM signals WHERE id = ? FOR UPDATE`, id).Scan(&row).Error; err != nil {
			return err
		}
		if row.ID == uuid.Nil {
			return apperr.NotFoundError("Signal")
		}
		if (row.AbuseAt != nil) == abuse {
			return nil // already so
		}
		var at any
		action := "signal:abuse:undo"
		if abuse {
			at, action = s.now(), "signal:abuse"
		}
		if err := tx.Exec(`UPDATE signals SET abuse_at = ? WHERE id = ?`, at, id).Error; err != nil {
			return err
		}
		if row.StatsID != nil {
			if err := tx.Exec(`UPDATE signal_stats SET abuse = ? WHERE id = ?`, abuse, *row.StatsID).Error; err != nil {
				return err
			}
		}
		return s.logSignal(ctx, tx, caller, action)
	}))
}
