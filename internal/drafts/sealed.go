package drafts

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

// sealed keeps each person's draft in PostgreSQL, sealed like a case file:
// a data key of its own, wrapped by the master key, with the person's id in
// the associated data. So a draft survives restarts and is seen by every
// instance (nothing lives in one server's memory), and a database dump shows
// none of its text. Drafts not touched for TTL are dropped.
type sealed struct {
	db   *gorm.DB
	keys *crypto.Keyring
	now  func() time.Time
}

// NewSealed returns the store in PostgreSQL (table complaint_drafts),
// sealed with keys; now is the clock.
func NewSealed(db *gorm.DB, keys *crypto.Keyring, now func() time.Time) Store {
	return &sealed{db: db, keys: keys, now: now}
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

func (s *sealed) Get(ctx context.Context, person uuid.UUID) (*Draft, error) {
	var row draftRow
	err := s.db.WithContext(ctx).Where("person_id = ?", person).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.now().Sub(row.UpdatedAt) > TTL {
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
	var d Draft
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, err
	}
	d.UpdatedAt = row.UpdatedAt
	return &d, nil
}

func (s *sealed) Put(ctx context.Context, person uuid.UUID, d *Draft) error {
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

func (s *sealed) Delete(ctx context.Context, person uuid.UUID) error {
	return s.db.WithContext(ctx).Where("person_id = ?", person).Delete(&draftRow{}).Error
}
