package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"image/png"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// TOTP parameters (RFC 6238 with the defaults every authenticator app
// knows): 30-second steps, six digits, HMAC-SHA1. A code of the step before
// or after the current one is accepted too, for clocks that drift and
// people who type slowly.
const (
	totpPeriod  = 30
	totpDigits  = otp.DigitsSix
	totpSkew    = 1
	totpIssuer  = "RKC"
	recoveryNum = 10
)

var (
	errBadOTP = apperr.New(apperr.Unauthenticated, TypeInvalidOTP, "The code is wrong or was used already.")
	errNoTOTP = apperr.New(apperr.Conflict, "no-enrolment", "Set up the authenticator app first.")
)

// totpRow is a person's TOTP secret, sealed (totpseal.go): the secret in
// force and the one being set up, each under the row's own data key.
type totpRow struct {
	PersonID      uuid.UUID `gorm:"primaryKey"`
	SecretSealed  []byte
	PendingSealed []byte
	DataKey       []byte
	DataKeyID     *string
	ConfirmedAt   *time.Time
	LastStep      int64
	CreatedAt     time.Time
}

func (totpRow) TableName() string { return "totp_secrets" }

// hasSecondFactor reports whether the person has a confirmed TOTP secret.
func (s *Service) hasSecondFactor(ctx context.Context, personID uuid.UUID) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&totpRow{}).Where("person_id = ? AND confirmed_at IS NOT NULL", personID).Count(&n).Error
	return n > 0, apperr.Wrap(err)
}

// Enrolment is a TOTP secret being set up: the otpauth URI for an
// authenticator app and the same as a QR code (PNG).
type Enrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauth_uri"`
	QRCodePNG  []byte `json:"qr_code_png"` // base64 in JSON
}

// BeginEnrolment makes a new TOTP secret for the caller, to be confirmed
// with a code (ConfirmEnrolment); the answer is the only time the secret is
// shown. Setting up or replacing a second factor is not itself a proof of
// identity, so it needs a recent one (reauthentication-required): always
// when the account has any role besides complainant, and for replacing a
// confirmed secret. Until the new secret is confirmed, the old one stays in
// force.
func (s *Service) BeginEnrolment(ctx context.Context, caller *Caller) (*Enrolment, error) {
	if caller.Session != nil && (caller.Session.Pending == PendingOTP || caller.Session.Pending == PendingNewPassword) {
		return nil, errSecondFactor // a password alone does not replace the second factor
	}
	if err := s.enrolmentProof(ctx, caller); err != nil {
		return nil, err
	}
	raw := make([]byte, 20)
	rand.Read(raw)
	e, err := enrolment(caller.Email, raw)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.sealPending(ctx, tx, caller.ID, e.Secret); err != nil {
			return err
		}
		return s.recordSelf(ctx, tx, caller.ID, caller.Client, ActEnrolBegin)
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return e, nil
}

// enrolmentProof refuses setting up, confirming or replacing a second
// factor without a recent proof of identity where one is needed (see
// BeginEnrolment).
func (s *Service) enrolmentProof(ctx context.Context, caller *Caller) error {
	if s.RecentlyAuthenticated(caller) {
		return nil
	}
	for _, g := range caller.Grants {
		if g.Role != authz.Complainant {
			return errReauth
		}
	}
	enrolled, err := s.hasSecondFactor(ctx, caller.ID)
	if err != nil {
		return err
	}
	if enrolled {
		return errReauth
	}
	return nil
}

// enrolment describes a secret for an authenticator app: the otpauth URI
// and the same as a QR code.
func enrolment(email string, secret []byte) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: secret})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, apperr.Wrap(err)
	}
	return &Enrolment{Secret: key.Secret(), OTPAuthURI: key.URL(), QRCodePNG: buf.Bytes()}, nil
}

// Enrolled is a confirmed enrolment: the session's new token and the
// recovery codes, shown this once.
type Enrolled struct {
	Token         string   `json:"token"`
	RecoveryCodes []string `json:"recovery_codes"`
}

// ConfirmEnrolment checks a code of the secret being set up, puts it in
// force with a fresh set of recovery codes, and rotates the caller's
// session, which now has its second factor. Returns conflict when nothing
// is being set up and unauthenticated for a wrong code.
func (s *Service) ConfirmEnrolment(ctx context.Context, caller *Caller, token, code string) (*Enrolled, error) {
	if caller.Session != nil && (caller.Session.Pending == PendingOTP || caller.Session.Pending == PendingNewPassword) {
		return nil, errSecondFactor
	}
	if err := s.enrolmentProof(ctx, caller); err != nil {
		return nil, err
	}
	key := "otp-account:" + caller.ID.String()
	if wait, err := s.throttle.Check(ctx, key); err != nil {
		return nil, apperr.Wrap(err)
	} else if wait > 0 {
		return nil, tooMany("too-many-attempts", "Too many wrong codes; try again later.", wait)
	}
	var codes []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row totpRow
		if err := tx.Raw(`SELECT * FROM totp_secrets WHERE person_id = ? FOR UPDATE`, caller.ID).Scan(&row).Error; err != nil {
			return err
		}
		if row.PendingSealed == nil {
			return errNoTOTP
		}
		pending, err := s.openSecret(caller.ID, &row, row.PendingSealed)
		if err != nil {
			return err
		}
		step, ok := s.matchStep(pending, code, 0)
		if !ok {
			return errBadOTP
		}
		if err := tx.Exec(`UPDATE totp_secrets SET secret_sealed = pending_sealed, pending_sealed = NULL, confirmed_at = ?, last_step = ?
			WHERE person_id = ?`, s.now(), step, caller.ID).Error; err != nil {
			return err
		}
		if codes, err = newRecoveryCodes(ctx, tx, caller.ID); err != nil {
			return err
		}
		return s.recordSelf(ctx, tx, caller.ID, caller.Client, ActEnrolConfirm)
	})
	if err != nil {
		if apperr.CodeOf(err) == apperr.Unauthenticated {
			s.recordFailure(ctx, &caller.ID, caller.Client, ActEnrolConfirm+"-failed")
			s.throttle.Fail(ctx, key)
		}
		return nil, apperr.Wrap(err)
	}
	s.throttle.Reset(ctx, key)
	// The session gains its second factor, not a fresh proof of identity:
	// its proof stays as old as the password or provider sign-in it had.
	newToken, err := s.rotateWith(ctx, token, markAuthenticated(true))
	if err != nil {
		return nil, err
	}
	return &Enrolled{Token: newToken, RecoveryCodes: codes}, nil
}

// newRecoveryCodes replaces the person's recovery codes and returns the new
// ones; only their hashes are kept.
func newRecoveryCodes(ctx context.Context, tx *gorm.DB, personID uuid.UUID) ([]string, error) {
	if err := tx.WithContext(ctx).Exec(`DELETE FROM recovery_codes WHERE person_id = ?`, personID).Error; err != nil {
		return nil, err
	}
	codes := make([]string, recoveryNum)
	for i := range codes {
		b := make([]byte, 10) // 80 bits: no need for a slow hash
		rand.Read(b)
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b)) // 16 characters
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		if err := tx.WithContext(ctx).Exec(`INSERT INTO recovery_codes (person_id, code_hash) VALUES (?, ?)`,
			personID, recoveryHash(codes[i])).Error; err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func recoveryHash(code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("rkc-recovery:" + norm))
	return h[:]
}

// matchStep returns the time step (within the allowed skew around the
// clock's current one) whose code is code, if it is newer than after.
func (s *Service) matchStep(secret, code string, after int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	now := s.now().Unix() / totpPeriod
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// checkSecondFactor checks a TOTP code or a recovery code of the person.
// A TOTP code is accepted once: after it, no code of its step or an
// earlier one is. Wrong codes are counted per account; after too many the
// account's codes are refused for a while.
func (s *Service) checkSecondFactor(ctx context.Context, personID uuid.UUID, code, recovery, client string) error {
	g := s.signIn.guard("otp", personID.String(), client)
	if wait, err := g.wait(ctx); err != nil {
		return apperr.Wrap(err)
	} else if wait > 0 {
		return tooMany("too-many-attempts", "Too many wrong codes; try again later.", wait)
	}
	ok := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if recovery != "" {
			res := tx.Exec(`UPDATE recovery_codes SET used_at = now() WHERE person_id = ? AND code_hash = ? AND used_at IS NULL`,
				personID, recoveryHash(recovery))
			if res.Error != nil || res.RowsAffected != 1 {
				return res.Error
			}
			ok = true
			return s.recordSelf(ctx, tx, personID, client, ActRecoveryCodeUsed)
		}
		var row totpRow
		if err := tx.Raw(`SELECT * FROM totp_secrets WHERE person_id = ? AND confirmed_at IS NOT NULL FOR UPDATE`, personID).Scan(&row).Error; err != nil {
			return err
		}
		if row.SecretSealed == nil {
			return nil
		}
		secret, err := s.openSecret(personID, &row, row.SecretSealed)
		if err != nil {
			return err
		}
		step, match := s.matchStep(secret, code, row.LastStep)
		if !match {
			return nil
		}
		ok = true
		return tx.Exec(`UPDATE totp_secrets SET last_step = ? WHERE person_id = ?`, step, personID).Error
	})
	if err != nil {
		return apperr.Wrap(err)
	}
	if !ok {
		s.recordFailure(ctx, &personID, client, ActSignInFailed+":otp")
		g.fail(ctx)
		return errBadOTP
	}
	g.succeed(ctx)
	return nil
}

// CompleteSignIn gives the second factor of a session that waits for it
// and returns the session's new token (the old one ends). Returns conflict
// when the session waits for no code.
func (s *Service) CompleteSignIn(ctx context.Context, caller *Caller, token, code, recovery string) (string, error) {
	if caller.Session == nil || caller.Session.Pending != PendingOTP {
		return "", apperr.New(apperr.Conflict, "no-second-factor-pending", "This session does not wait for a code.")
	}
	if code == "" && recovery == "" {
		return "", apperr.InvalidFields(map[string]string{"otp": "is required"})
	}
	if err := s.checkSecondFactor(ctx, caller.ID, code, recovery, caller.Client); err != nil {
		return "", err
	}
	return s.rotateAuthenticated(ctx, token, true)
}

// RecoveryCodesLeft returns how many unused recovery codes the person has.
func (s *Service) RecoveryCodesLeft(ctx context.Context, personID uuid.UUID) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM recovery_codes WHERE person_id = ? AND used_at IS NULL`, personID).Scan(&n).Error
	return n, apperr.Wrap(err)
}
