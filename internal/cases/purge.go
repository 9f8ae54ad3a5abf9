package cases

import (
	"context"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// Retention says how long closed cases and signals are kept (docs/design.md §4.4).
type Retention struct {
	CaseYears   int // after closing
	SignalYears int // after filing
}

// PurgeReport says what a purge run did: counts, never content.
type PurgeReport struct {
	DryRun            bool `json:"dry_run"`
	CasesPurged       int  `json:"cases_purged"`
	SignalsPurged     int  `json:"signals_purged"`
	AttachmentsPurged int  `json:"attachments_purged"`
	HeldBack          int  `json:"held_back"` // past their term but under legal hold
}

// Purge destroys closed cases past their retention term and old signals,
// unless a legal hold stops the clock. For each case it marks the anonymous
// statistical record as purged, then deletes the case row with its wrapped
// data key (crypto-shredding: copies of the content in backups become
// unreadable once the master keys of those backups are retired) and, by
// cascade, every row and attachment of the case. A dry run only counts.
func (s *Service) Purge(ctx context.Context, ret Retention, dryRun bool) (*PurgeReport, error) {
	started := s.now()
	rep := &PurgeReport{DryRun: dryRun}
	caseCutoff := started.AddDate(-ret.CaseYears, 0, 0)
	signalCutoff := started.AddDate(-ret.SignalYears, 0, 0)
	unmarked := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var due []CaseRecord
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
			marked, err := s.purgeCase(ctx, tx, c)
			if err != nil {
				return err
			}
			if !marked {
				unmarked++
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

// purgeCase marks the case's statistical record as purged and deletes the
// case. A case whose key or stats link cannot be opened (its master key was
// retired, or the row was tampered with) is deleted all the same: its
// content is unreadable already, and one such case must not stop the
// retention job for every other case. Only its statistical record then stays
// unmarked; the return value says so.
func (s *Service) purgeCase(ctx context.Context, tx *gorm.DB, c *CaseRecord) (statsMarked bool, err error) {
	if c.StatsIDEnc != nil {
		if statsID, ok := s.statsIDOf(c); ok {
			if err := tx.Exec(`UPDATE case_stats SET purged_on = ? WHERE id = ?`, DateOf(s.now()), statsID).Error; err != nil {
				return false, err
			}
			statsMarked = true
		}
	}
	if err := tx.Exec(`DELETE FROM cases WHERE id = ?`, c.ID).Error; err != nil {
		return false, err
	}
	id := c.ID
	return statsMarked, audit.Append(ctx, tx, audit.Entry{At: s.now(), Role: "system", CaseID: &id, Action: "case:purge", Client: "retention-job"})
}

// statsIDOf opens the case's link to its statistical record.
func (s *Service) statsIDOf(c *CaseRecord) (uuid.UUID, bool) {
	dk, err := s.keys.Unwrap(c.DataKey, c.DataKeyID, c.ID.String())
	if err != nil {
		return uuid.Nil, false
	}
	defer dk.Zero()
	raw, err := dk.Open(c.ID.String(), "stats_id", c.StatsIDEnc)
	if err != nil {
		return uuid.Nil, false
	}
	id, err := uuid.FromBytes(raw)
	return id, err == nil
}

// LegalHoldInput sets or lifts a legal hold.
type LegalHoldInput struct {
	Hold   *bool  `json:"hold"`
	Reason string `json:"reason"`
}

// SetLegalHold sets or lifts a legal hold, which stops the retention clock
// (for example during court proceedings). Callable by the chair.
func (s *Service) SetLegalHold(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in LegalHoldInput) (*Result, error) {
	bad := map[string]string{}
	if in.Hold == nil {
		bad["hold"] = "is required (true or false)"
	}
	CheckText(bad, "reason", in.Reason, true, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	r, err := s.step(ctx, caller, id, 0, "case:legal-hold", func(tx *gorm.DB, r *relRow, rel authz.Relation, dk *crypto.DataKey) error {
		if err := tx.Model(&CaseRecord{}).Where("id = ?", r.ID).Updates(map[string]any{"legal_hold": *in.Hold,
			"legal_hold_reason_enc": dk.SealString(r.ID.String(), "legal_hold_reason", in.Reason)}).Error; err != nil {
			return err
		}
		kind, action := "legal_hold_lifted", audit.ActionHoldLifted
		if *in.Hold {
			kind, action = "legal_hold_set", audit.ActionHoldSet
		}
		// Besides the step's own case entry, a hold is an event of its own
		// kind on the access log.
		if err := s.logAccess(ctx, tx, caller, string(rel), &r.ID, action); err != nil {
			return err
		}
		return s.event(tx, r, caller, rel, kind, nil, dk, in.Reason, false)
	})
	if err != nil {
		return nil, err
	}
	return result(r), nil
}

// LegalHold handles POST /api/v1/cases/{id}/legal-hold.
func (h *Handlers) LegalHold(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *LegalHoldInput) (any, error) {
		return s.SetLegalHold(c.Request().Context(), caller(c), id, *in)
	}, nil)(h)(c)
}
