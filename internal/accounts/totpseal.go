package accounts

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// TOTP secrets are stored sealed, like a case's personal data (docs/design.md §4):
// each row of totp_secrets has its own data key, wrapped under the master
// keys, which never are in the database, so a dump or a raw SELECT holds no
// secret that makes codes. `rkc keys rotate` rewraps these keys with the
// cases' (privacy.Rotate). The associated data binds a sealed secret to its
// person, so a row copied to another account does not open.

// totpField is the associated-data field of both the secret in force and
// the one being set up, so that confirming moves the sealed bytes as they
// are.
const totpField = "totp.secret"

var errNoKeys = errors.New("accounts: no master keys to seal TOTP secrets with")

// totpAAD is the "case id" the row's data key and secrets are bound to;
// privacy.Rotate rewraps with the same prefix.
func totpAAD(personID uuid.UUID) string { return "totp:" + personID.String() }

// rowKey returns the data key of a TOTP row, making and wrapping one for a
// row that has none yet.
func (s *Service) rowKey(personID uuid.UUID, row *totpRow) (*crypto.DataKey, error) {
	if s.opts.Keys == nil {
		return nil, errNoKeys
	}
	if row.DataKey != nil && row.DataKeyID != nil {
		return s.opts.Keys.Unwrap(row.DataKey, *row.DataKeyID, totpAAD(personID))
	}
	dk, err := crypto.NewDataKey()
	if err != nil {
		return nil, err
	}
	wrapped, id, err := s.opts.Keys.Wrap(dk, totpAAD(personID))
	if err != nil {
		dk.Zero()
		return nil, err
	}
	row.DataKey, row.DataKeyID = wrapped, &id
	return dk, nil
}

// sealPending stores secret, sealed, as the secret being set up, in tx.
func (s *Service) sealPending(ctx context.Context, tx *gorm.DB, personID uuid.UUID, secret string) error {
	var row totpRow
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM totp_secrets WHERE person_id = ? FOR UPDATE`, personID).Scan(&row).Error; err != nil {
		return err
	}
	dk, err := s.rowKey(personID, &row)
	if err != nil {
		return apperr.Wrap(err)
	}
	defer dk.Zero()
	sealed := dk.SealString(totpAAD(personID), totpField, secret)
	return tx.WithContext(ctx).Exec(`INSERT INTO totp_secrets (person_id, pending_sealed, data_key, data_key_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET pending_sealed = EXCLUDED.pending_sealed`,
		personID, sealed, row.DataKey, row.DataKeyID).Error
}

// openSecret opens a sealed secret of row (in force or being set up).
func (s *Service) openSecret(personID uuid.UUID, row *totpRow, sealed []byte) (string, error) {
	if row.DataKey == nil {
		return "", apperr.Wrap(errNoKeys)
	}
	dk, err := s.rowKey(personID, row)
	if err != nil {
		return "", apperr.Wrap(err)
	}
	defer dk.Zero()
	secret, err := dk.OpenString(totpAAD(personID), totpField, sealed)
	return secret, apperr.Wrap(err)
}

// SealPlainTOTPSecrets seals the secrets that an older version stored in
// plain text (migration 0014 kept them aside as plain_secret) and removes
// the plain copies; a secret still being set up is dropped (the person
// starts that again). Run at start; it does nothing once all are sealed.
func (s *Service) SealPlainTOTPSecrets(ctx context.Context) error {
	var rows []struct {
		PersonID    uuid.UUID
		PlainSecret *string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT person_id, plain_secret FROM totp_secrets
		WHERE plain_secret IS NOT NULL OR plain_pending IS NOT NULL`).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var row totpRow
			if err := tx.Raw(`SELECT * FROM totp_secrets WHERE person_id = ? FOR UPDATE`, r.PersonID).Scan(&row).Error; err != nil {
				return err
			}
			if r.PlainSecret != nil {
				dk, err := s.rowKey(r.PersonID, &row)
				if err != nil {
					return err
				}
				sealed := dk.SealString(totpAAD(r.PersonID), totpField, *r.PlainSecret)
				dk.Zero()
				if err := tx.Exec(`UPDATE totp_secrets SET secret_sealed = ?, data_key = ?, data_key_id = ? WHERE person_id = ?`,
					sealed, row.DataKey, *row.DataKeyID, r.PersonID).Error; err != nil {
					return err
				}
			}
			return tx.Exec(`UPDATE totp_secrets SET plain_secret = NULL, plain_pending = NULL WHERE person_id = ?`, r.PersonID).Error
		})
		if err != nil {
			return err
		}
	}
	return nil
}
