// Package retention keeps cases and signals no longer than their terms
// (docs/design.md §4.4): the purge job that runs on a schedule (cmd/api) and
// as `rkc purge`. It chooses what is due; a case itself is shredded by
// cases.Service.Destroy, which knows its key and its statistical record.
// The legal hold that stops the clock is a step on the case file
// (cases.Service.SetLegalHold).
package retention

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Terms says how long closed cases and signals are kept.
type Terms struct {
	CaseYears   int // after closing
	SignalYears int // after filing
}

// Report says what a purge run did: counts, never content.
type Report struct {
	DryRun            bool `json:"dry_run"`
	CasesPurged       int  `json:"cases_purged"`
	SignalsPurged     int  `json:"signals_purged"`
	AttachmentsPurged int  `json:"attachments_purged"`
	HeldBack          int  `json:"held_back"` // past their term but under legal hold
}

// Service runs the purge.
type Service struct {
	db    *gorm.DB
	cases *cases.Service
	now   func() time.Time
	log   *slog.Logger
}

// NewService builds the retention service; now nil is the real clock, log
// nil discards.
func NewService(db *gorm.DB, cs *cases.Service, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, cases: cs, now: now, log: log}
}

// Purge destroys closed cases past their retention term and old signals,
// unless a legal hold stops the clock (cases.Service.Destroy says how a case
// goes). Each run is recorded in purge_runs and on the access log, and each
// purged case on the access log. A dry run only counts.
func (s *Service) Purge(ctx context.Context, t Terms, dryRun bool) (*Report, error) {
	started := s.now()
	rep := &Report{DryRun: dryRun}
	caseCutoff := started.AddDate(-t.CaseYears, 0, 0)
	signalCutoff := started.AddDate(-t.SignalYears, 0, 0)
	unmarked := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var due []cases.CaseRecord
		// Locked, so that a legal hold set meanwhile is either seen here or
		// waits for the purge (and then finds the case gone).
		if err := tx.Where("state = 'closed' AND closed_at < ?", caseCutoff).Clauses(clause.Locking{Strength: "UPDATE"}).
			Find(&due).Error; err != nil {
			return err
		}
		for i := range due {
			c := &due[i]
			if c.LegalHold {
				rep.HeldBack++
				continue
			}
			var atts int64
			tx.Table("attachments").Where("case_id = ?", c.ID).Count(&atts)
			rep.CasesPurged++
			rep.AttachmentsPurged += int(atts)
			if dryRun {
				continue
			}
			marked, err := s.cases.Destroy(tx, c)
			if err != nil {
				return err
			}
			if !marked {
				unmarked++
			}
			id := c.ID
			if err := audit.Append(ctx, tx, audit.Entry{At: s.now(), Role: "system", CaseID: &id, Action: "case:purge", Client: "retention-job"}); err != nil {
				return err
			}
		}
		var held int64
		tx.Table("signals").Where("created_at < ? AND legal_hold", signalCutoff).Count(&held)
		rep.HeldBack += int(held)
		if dryRun {
			var n int64
			tx.Table("signals").Where("created_at < ? AND NOT legal_hold", signalCutoff).Count(&n)
			rep.SignalsPurged = int(n)
		} else {
			res := tx.Exec(`DELETE FROM signals WHERE created_at < ? AND NOT legal_hold`, signalCutoff)
			if res.Error != nil {
				return res.Error
			}
			rep.SignalsPurged = int(res.RowsAffected)
		}
		if err := tx.Exec(`INSERT INTO purge_runs (started_at, finished_at, dry_run, cases_purged, signals_purged, attachments_purged, held_back)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, started, s.now(), dryRun, rep.CasesPurged, rep.SignalsPurged, rep.AttachmentsPurged, rep.HeldBack).Error; err != nil {
			return err
		}
		action := audit.ActionPurgeRun
		if dryRun {
			action = audit.ActionPurgeDryRun
		}
		return audit.Append(ctx, tx, audit.Entry{At: s.now(), Role: "system", Action: action, Client: "retention-job"})
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	if unmarked > 0 {
		s.log.Warn("purged cases whose data key could not be opened; their statistical records stay unmarked", "cases", unmarked)
	}
	return rep, nil
}
