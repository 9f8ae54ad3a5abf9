package web

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/crypto"
)

// dbDrafts keeps each person's draft in PostgreSQL, sealed like a case file:
// a data key of its own, wrapped by the master key, with the person's id in
// the associated data. So a draft survives restarts and is seen by every
// instance (nothing lives in one server's memory), and a database dump shows
// none of its text. Drafts not touched for draftTTL are dropped.
type dbDrafts struct {
	db   *gorm.DB
	keys *crypto.Keyring
	now  func() time.Time
}

type draftRow struct {
	PersonID  uuid.UUID `gorm:"type:uuid;primaryKey"`
	DataKey   []byte
	DataKeyID string
	BodyEnc   []byte
	UpdatedAt time.Time
}

func (draftRow) TableName() string { return "complaint_drafts" }

func draftAAD(person uuid.UUID) string { return "draft:" + person.String() }

func (s *dbDrafts) Get(ctx context.Context, person uuid.UUID) (*draft, error) {
	var row draftRow
	err := s.db.WithContext(ctx).Where("person_id = ?", person).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.now().Sub(row.UpdatedAt) > draftTTL {
		return nil, s.Delete(ctx, person)
	}
	dk, err := s.keys.Unwrap(row.DataKey, row.DataKeyID, draftAAD(person))
	if errors.Is(err, crypto.ErrDecrypt) {
		// Its master key was retired (drafts are not rewrapped: they live a
		// week at most); the draft is lost, which the form allows for.
		return nil, s.Delete(ctx, person)
	}
	if err != nil {
		return nil, err
	}
	defer dk.Zero()
	body, err := dk.Open(draftAAD(person), "draft", row.BodyEnc)
	if err != nil {
		return nil, err
	}
	var d draft
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, err
	}
	d.UpdatedAt = row.UpdatedAt
	return &d, nil
}

func (s *dbDrafts) Put(ctx context.Context, person uuid.UUID, d *draft) error {
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	dk, err := crypto.NewDataKey()
	if err != nil {
		return err
	}
	defer dk.Zero()
	wrapped, keyID, err := s.keys.Wrap(dk, draftAAD(person))
	if err != nil {
		return err
	}
	row := draftRow{PersonID: person, DataKey: wrapped, DataKeyID: keyID, BodyEnc: dk.Seal(draftAAD(person), "draft", body), UpdatedAt: s.now()}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
}

func (s *dbDrafts) Delete(ctx context.Context, person uuid.UUID) error {
	return s.db.WithContext(ctx).Where("person_id = ?", person).Delete(&draftRow{}).Error
}
