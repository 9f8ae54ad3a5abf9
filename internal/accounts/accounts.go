// Package accounts holds people, their roles per ministry domain, sessions and
// sign-in throttling. Passwords are hashed with argon2id; session tokens are
// stored only as hashes.
package accounts

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Person is an account.
type Person struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	Email        string
	Name         string
	Ministry     string
	PasswordHash *string
	Language     string
	Active       bool
	CreatedAt    time.Time
	LastLoginAt  *time.Time
}

// TableName is the accounts table.
func (Person) TableName() string { return "persons" }

// grantRow is a row of role_grants.
type grantRow struct {
	PersonID  uuid.UUID `gorm:"type:uuid;primaryKey"`
	Role      string    `gorm:"primaryKey"`
	Domain    string    `gorm:"primaryKey"`
	GrantedBy *uuid.UUID
	GrantedAt time.Time
}

func (grantRow) TableName() string { return "role_grants" }

type sessionRow struct {
	TokenHash  []byte `gorm:"primaryKey"`
	PersonID   uuid.UUID
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// Caller is the authenticated person of a request, with their grants.
type Caller struct {
	ID       uuid.UUID     `json:"id"`
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Ministry string        `json:"ministry"`
	Language string        `json:"language"`
	Grants   []authz.Grant `json:"roles"`
	Client   string        `json:"-"` // the client address, for the access log
}

// Has reports whether the caller holds role in domain (or in '*').
func (c *Caller) Has(role, domain string) bool {
	for _, g := range c.Grants {
		if g.Role == role && (g.Domain == domain || g.Domain == authz.AnyDomain) {
			return true
		}
	}
	return false
}

// HasRole reports whether the caller holds role in any domain.
func (c *Caller) HasRole(role string) bool {
	for _, g := range c.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// Service manages accounts and sessions.
type Service struct {
	db         *gorm.DB
	log        *slog.Logger
	sessionTTL time.Duration
	now        func() time.Time
	throttle   *Throttle
}

// NewService builds the account service.
func NewService(db *gorm.DB, log *slog.Logger, sessionTTL time.Duration) *Service {
	return &Service{db: db, log: log, sessionTTL: sessionTTL, now: time.Now, throttle: NewThrottle(db)}
}

var emailPattern = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]{1,190}\.[a-z]{2,}$`)

// NewPerson describes an account to create.
type NewPerson struct {
	Email    string
	Name     string
	Ministry string
	Password string // empty: no password sign-in until one is set
	Grants   []authz.Grant
}

// Create adds an account with its grants. Returns invalid for a malformed
// address, unknown ministry or role, and conflict when the address is taken.
func (s *Service) Create(ctx context.Context, np NewPerson, by *uuid.UUID) (*Person, error) {
	email := strings.ToLower(strings.TrimSpace(np.Email))
	bad := map[string]string{}
	if !emailPattern.MatchString(email) {
		bad["email"] = "must be an e-mail address"
	}
	if strings.TrimSpace(np.Name) == "" || len(np.Name) > 200 {
		bad["name"] = "is required, at most 200 characters"
	}
	if np.Password != "" && len(np.Password) < 12 {
		bad["password"] = "must be at least 12 characters"
	}
	for _, g := range np.Grants {
		if !validRole(g.Role) {
			bad["roles"] = "unknown role " + g.Role
		}
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	p := &Person{ID: uuid.New(), Email: email, Name: strings.TrimSpace(np.Name), Ministry: np.Ministry, Language: "nl", Active: true, CreatedAt: s.now()}
	if np.Password != "" {
		h, err := HashPassword(np.Password)
		if err != nil {
			return nil, apperr.Wrap(err)
		}
		p.PasswordHash = &h
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("ministries").Where("code = ? AND active", np.Ministry).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.InvalidFields(map[string]string{"ministry": "unknown ministry"})
		}
		if err := tx.Create(p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return apperr.New(apperr.Conflict, "email-taken", "An account with this e-mail address exists.")
			}
			return err
		}
		for _, g := range np.Grants {
			if err := tx.Create(&grantRow{PersonID: p.ID, Role: g.Role, Domain: g.Domain, GrantedBy: by, GrantedAt: s.now()}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return p, nil
}

func validRole(r string) bool {
	for _, x := range authz.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Grant gives a person a role in a domain (idempotent).
func (s *Service) Grant(ctx context.Context, personID uuid.UUID, g authz.Grant, by *uuid.UUID) error {
	if !validRole(g.Role) {
		return apperr.InvalidFields(map[string]string{"role": "unknown role"})
	}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&grantRow{PersonID: personID, Role: g.Role, Domain: g.Domain, GrantedBy: by, GrantedAt: s.now()}).Error
}

// ByEmail returns the account with this address, not_found otherwise.
func (s *Service) ByEmail(ctx context.Context, email string) (*Person, error) {
	var p Person
	err := s.db.WithContext(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.NotFoundError("Person")
	}
	return &p, apperr.Wrap(err)
}

// ByID returns the account with this id, not_found otherwise.
func (s *Service) ByID(ctx context.Context, id uuid.UUID) (*Person, error) {
	var p Person
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.NotFoundError("Person")
	}
	return &p, apperr.Wrap(err)
}

// Grants returns the person's role grants.
func (s *Service) Grants(ctx context.Context, personID uuid.UUID) ([]authz.Grant, error) {
	var rows []grantRow
	if err := s.db.WithContext(ctx).Where("person_id = ?", personID).Order("role, domain").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]authz.Grant, len(rows))
	for i, r := range rows {
		out[i] = authz.Grant{Role: r.Role, Domain: r.Domain}
	}
	return out, nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

var errBadCredentials = apperr.New(apperr.Unauthenticated, "invalid-credentials", "The e-mail address or password is wrong.")

// Login checks the password and opens a session. Failures for one account
// or one client address are counted; after too many, sign-in is refused
// for a while (too_many_requests, with the seconds to wait).
func (s *Service) Login(ctx context.Context, email, password, client string) (token string, p *Person, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := []string{"login-account:" + email, "login-client:" + client}
	if wait, err := s.throttle.Check(ctx, keys...); err != nil {
		return "", nil, apperr.Wrap(err)
	} else if wait > 0 {
		e := apperr.New(apperr.TooManyRequests, "too-many-attempts", "Too many failed sign-in attempts; try again later.")
		e.RetryAfter = int(wait.Seconds()) + 1
		return "", nil, e
	}
	person, err := s.ByEmail(ctx, email)
	ok := false
	if err == nil && person.Active && person.PasswordHash != nil {
		ok, _ = CheckPassword(*person.PasswordHash, password)
	} else {
		CheckPassword(dummyHash, password) // same time for unknown accounts
	}
	if !ok {
		if delay, ferr := s.throttle.Fail(ctx, keys...); ferr == nil && delay > 0 {
			select { // slow down guessing before refusing outright
			case <-time.After(delay):
			case <-ctx.Done():
			}
		}
		return "", nil, errBadCredentials
	}
	s.throttle.Reset(ctx, keys[0])
	token, err = s.OpenSession(ctx, person.ID)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	s.db.WithContext(ctx).Model(&Person{}).Where("id = ?", person.ID).Update("last_login_at", now)
	return token, person, nil
}

// OpenSession creates a session for the person and returns its bearer token.
func (s *Service) OpenSession(ctx context.Context, personID uuid.UUID) (string, error) {
	token := RandomSecret(32)
	now := s.now()
	row := sessionRow{TokenHash: tokenHash(token), PersonID: personID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", apperr.Wrap(err)
	}
	return token, nil
}

// Logout ends the session of this token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return apperr.Wrap(s.db.WithContext(ctx).Where("token_hash = ?", tokenHash(token)).Delete(&sessionRow{}).Error)
}

// Authenticate returns the caller of a session token: unauthenticated when
// the token is unknown, expired, or the account is deactivated.
func (s *Service) Authenticate(ctx context.Context, token string) (*Caller, error) {
	if token == "" || len(token) > 200 {
		return nil, errNoSession
	}
	var p Person
	err := s.db.WithContext(ctx).Raw(`
		UPDATE sessions SET last_seen_at = now() FROM persons
		WHERE sessions.token_hash = ? AND sessions.expires_at > now()
		  AND persons.id = sessions.person_id AND persons.active
		RETURNING persons.*`, tokenHash(token)).Scan(&p).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	if p.ID == uuid.Nil {
		return nil, errNoSession
	}
	grants, err := s.Grants(ctx, p.ID)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return &Caller{ID: p.ID, Email: p.Email, Name: p.Name, Ministry: p.Ministry, Language: p.Language, Grants: grants}, nil
}

var errNoSession = apperr.New(apperr.Unauthenticated, "unauthenticated", "Sign in first.")

// PurgeExpiredSessions removes sessions past their expiry.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= now()").Delete(&sessionRow{})
	return res.RowsAffected, res.Error
}

// EnsureAdmin creates the committee's first admin account on an empty
// database and returns its one-time password; "" when an admin exists.
// Several instances starting together may all find no admin: one creates
// it, and the others, refused for the taken address, find it made.
func (s *Service) EnsureAdmin(ctx context.Context, email string) (string, error) {
	admins := func() (int64, error) {
		var n int64
		err := s.db.WithContext(ctx).Model(&grantRow{}).Where("role = ?", authz.Admin).Count(&n).Error
		return n, err
	}
	if n, err := admins(); err != nil || n > 0 {
		return "", err
	}
	pw := RandomSecret(15)
	_, err := s.Create(ctx, NewPerson{Email: email, Name: "Functioneel beheer", Ministry: "BZK", Password: pw,
		Grants: []authz.Grant{{Role: authz.Admin, Domain: authz.AnyDomain}}}, nil)
	if err != nil {
		if n, cerr := admins(); cerr == nil && n > 0 && apperr.CodeOf(err) == apperr.Conflict {
			return "", nil
		}
		return "", fmt.Errorf("creating admin account: %w", err)
	}
	return pw, nil
}
