package accounts

import (
	"context"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// The first admin's password is printed to the terminal at the first start
// (EnsureAdmin), where logs and scrollback keep it. It is one-time: the
// sign-in with it opens a session that can do one thing, choose a new
// password (PendingNewPassword); after that the session waits for a second
// factor to be set up, and the printed password never works again.

// PendingNewPassword is what a session signed in with a one-time password
// waits for: the holder's own password (POST /api/v1/session/password).
const PendingNewPassword = "new-password"

var errNoNewPassword = apperr.New(apperr.Conflict, "no-new-password-pending", "This session does not wait for a new password.")

// ReplacedPassword is a session after its one-time password was replaced:
// its new token, and what it waits for next.
type ReplacedPassword struct {
	Token   string `json:"token"`
	Pending string `json:"pending"`
}

// ReplaceOneTimePassword sets the caller's own password in place of the
// one-time one the session signed in with, and rotates the session, which
// then waits for the second factor: its code when the account has one,
// else setting one up. Returns conflict when the session does not wait for
// a new password and invalid for a password that is too short or is the
// one-time one.
func (s *Service) ReplaceOneTimePassword(ctx context.Context, caller *Caller, token, password string) (*ReplacedPassword, error) {
	if caller.Session == nil || caller.Session.Pending != PendingNewPassword {
		return nil, errNoNewPassword
	}
	if len(password) < 12 || len(password) > 1024 {
		return nil, apperr.InvalidFields(map[string]string{"password": "must be 12 to 1024 characters"})
	}
	p, err := s.ByID(ctx, caller.ID)
	if err != nil {
		return nil, err
	}
	if p.PasswordHash != nil {
		if same, _ := CheckPassword(*p.PasswordHash, password); same {
			return nil, apperr.InvalidFields(map[string]string{"password": "must differ from the one-time password"})
		}
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	enrolled, err := s.hasSecondFactor(ctx, caller.ID)
	if err != nil {
		return nil, err
	}
	next := PendingEnrolment
	if enrolled {
		next = PendingOTP
	}
	out := &ReplacedPassword{Pending: next}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE persons SET password_hash = ?, password_must_change = false WHERE id = ? AND password_must_change`, h, caller.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNoNewPassword
		}
		if err := s.recordSelf(ctx, tx, caller.ID, caller.Client, ActFirstPassword); err != nil {
			return err
		}
		// Every other session that signed in with the one-time password ends.
		if err := tx.Exec(`DELETE FROM sessions WHERE person_id = ? AND token_hash <> ?`, caller.ID, tokenHash(token)).Error; err != nil {
			return err
		}
		var err error
		out.Token, err = s.rotate(ctx, tx, token, func(r *sessionRow) { r.Pending = &next })
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return out, nil
}
