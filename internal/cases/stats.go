package cases

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/crypto"
)

// statsRow is the anonymous statistical record of a case (migration 3): no
// names, no text, no link to the case but through the case's encrypted
// stats_id. It survives the purge, so the annual report counts purged cases.
type statsRow struct {
	ID                 uuid.UUID `gorm:"type:uuid;primaryKey"`
	Ministry           string
	RespondentMinistry *string
	Category           string
	Ground             *string
	FiledOn            time.Time
	ReceivedOn         *time.Time
	DueOn              *time.Time
	Extended           bool
	State              string
	Admissible         *bool
	InadmissibleGround *string
	Withdrawn          bool
	ResolvedInformally bool
	Judgement          *string
	ElementsFounded    int
	ElementsPartly     int
	ElementsUnfounded  int
	FollowsAdvice      *bool
	AdvisedOn          *time.Time
	DecidedOn          *time.Time
	ClosedOn           *time.Time
	HearingsHeld       int
	PurgedOn           *time.Time
}

func (statsRow) TableName() string { return "case_stats" }

func dateOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := DateOf(*t)
	return &d
}

// syncStats rewrites the statistical record of a case from its current
// state, inside the transaction of the step that changed it.
func (s *Service) syncStats(tx *gorm.DB, id uuid.UUID, dk *crypto.DataKey) error {
	var c CaseRecord
	if found, err := one(tx, &c, caseByIDSQL, id); err != nil || !found {
		if err == nil {
			err = gorm.ErrRecordNotFound
		}
		return err
	}
	sid := c.ID.String()
	var statsID uuid.UUID
	if c.StatsIDEnc == nil {
		statsID = uuid.New()
		if err := updateCase(tx, c.ID, map[string]any{"stats_id_enc": dk.Seal(sid, "stats_id", statsID[:])}); err != nil {
			return err
		}
	} else {
		raw, err := dk.Open(sid, "stats_id", c.StatsIDEnc)
		if err != nil {
			return err
		}
		if statsID, err = uuid.FromBytes(raw); err != nil {
			return err
		}
	}
	row := newStatsRow(&c, statsID)
	if c.GroundEnc != nil {
		g, err := dk.OpenString(sid, "ground", c.GroundEnc)
		if err != nil {
			return err
		}
		row.Ground = &g
	}
	var facts struct {
		Withdrawn, Resolved                  bool
		Founded, Partly, Unfounded, Hearings int
		Judgement                            *string
		FollowsAdvice                        *bool
	}
	if err := tx.Raw(statsFactsSQL, c.ID).Scan(&facts).Error; err != nil {
		return err
	}
	row.Withdrawn, row.ResolvedInformally = facts.Withdrawn, facts.Resolved
	row.ElementsFounded, row.ElementsPartly, row.ElementsUnfounded = facts.Founded, facts.Partly, facts.Unfounded
	row.HearingsHeld, row.Judgement, row.FollowsAdvice = facts.Hearings, facts.Judgement, facts.FollowsAdvice
	return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
}

// newStatsRow is the statistical record of case c as far as the case row
// tells it; the ground and the facts of its parts are the caller's to add.
func newStatsRow(c *CaseRecord, statsID uuid.UUID) statsRow {
	return statsRow{ID: statsID, Ministry: c.Ministry, RespondentMinistry: c.RespondentMinistry, Category: c.Category,
		FiledOn: DateOf(c.FiledAt), ReceivedOn: c.ReceivedOn, DueOn: c.DueOn, Extended: c.Extended, State: string(c.State),
		Admissible: c.Admissible, InadmissibleGround: c.InadmissibleGround, AdvisedOn: dateOf(c.AdvisedAt),
		DecidedOn: dateOf(c.DecidedAt), ClosedOn: dateOf(c.ClosedAt)}
}

// Destroy deletes a case past its retention term (the retention job in
// internal/retention chooses which): it first marks the case's anonymous
// statistical record as purged, then deletes the case row with its wrapped
// data key (crypto-shredding: copies of the content in backups become
// unreadable once the master keys of those backups are retired) and, by
// cascade, every row and attachment of the case. A case whose key or stats
// link cannot be opened (its master key was retired, or the row was
// tampered with) is deleted all the same: its content is unreadable
// already, and one such case must not stop the retention of every other
// case. Only its statistical record then stays unmarked; statsMarked says so.
func (s *Service) Destroy(tx *gorm.DB, c *CaseRecord) (statsMarked bool, err error) {
	if c.StatsIDEnc != nil {
		if statsID, ok := s.statsIDOf(c); ok {
			if err := tx.Exec(markStatsPurgedSQL, DateOf(s.now()), statsID).Error; err != nil {
				return false, err
			}
			statsMarked = true
		}
	}
	return statsMarked, tx.Exec(deleteCaseSQL, c.ID).Error
}

// statsIDOf opens the case's link to its statistical record.
func (s *Service) statsIDOf(c *CaseRecord) (uuid.UUID, bool) {
	dk, err := s.caseKey(c)
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
