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

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
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
	// PasswordMustChange marks a one-time password (firstpassword.go).
	PasswordMustChange bool
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
	TokenHash       []byte `gorm:"primaryKey"`
	ID              uuid.UUID
	PersonID        uuid.UUID
	CreatedAt       time.Time
	LastSeenAt      time.Time
	ExpiresAt       time.Time
	Method          string
	Pending         *string
	SecondFactor    bool
	AuthenticatedAt time.Time
	Client          string
	UserAgent       string
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
	// Session is how the caller signed in; nil for callers made up by
	// tools and tests.
	Session *SessionInfo `json:"session,omitempty"`
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
	signIn     signInLimits
	opts       Options
	limits     rateLimits
	mailer     Mailer
	providers  *providers
}

// Options configure the account service. Zero values take the defaults
// named per field.
type Options struct {
	SessionTTL time.Duration // absolute lifetime of a session; default 12 hours
	// IdleTimeout ends a session unused for this long; default 20 minutes.
	IdleTimeout time.Duration
	// ReauthWindow is how recently the holder of a session must have
	// proved who they are before a sensitive action; default 5 minutes.
	ReauthWindow time.Duration
	// PasswordLogin allows signing in with a local password.
	PasswordLogin bool
	// StaffSecondFactor makes a second factor (TOTP) mandatory for the
	// committee's staff and the authorities when they sign in with a
	// password (StaffRoles).
	StaffSecondFactor bool
	// UnusedAfter flags accounts not used for this long; default 90 days.
	UnusedAfter time.Duration
	// InvitationTTL and ResetTTL bound the e-mailed links; defaults 7 days
	// and 1 hour.
	InvitationTTL, ResetTTL time.Duration
	// BaseURL is the public address, for links in e-mails and the OpenID
	// providers' redirect address.
	BaseURL string
	// Providers are the OpenID providers people may sign in with.
	Providers []ProviderConfig
	// Mailer sends the account e-mails (invitations, password resets).
	Mailer Mailer
	// Keys seal the TOTP secrets; without them no second factor can be
	// set up.
	Keys *crypto.Keyring
	// Now is the clock of TOTP time steps and account dates; nil for the
	// real one. Sessions and links expire on the database's clock, which
	// every instance shares.
	Now func() time.Time
}

// NewService builds the account service with the default options:
// password sign-in on, a second factor mandatory for staff.
func NewService(db *gorm.DB, log *slog.Logger, sessionTTL time.Duration) *Service {
	return NewServiceWith(db, log, Options{SessionTTL: sessionTTL, PasswordLogin: true, StaffSecondFactor: true})
}

// NewServiceWith builds the account service with the given options.
func NewServiceWith(db *gorm.DB, log *slog.Logger, o Options) *Service {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 20 * time.Minute
	}
	if o.ReauthWindow <= 0 {
		o.ReauthWindow = 5 * time.Minute
	}
	if o.UnusedAfter <= 0 {
		o.UnusedAfter = 90 * 24 * time.Hour
	}
	if o.InvitationTTL <= 0 {
		o.InvitationTTL = 7 * 24 * time.Hour
	}
	if o.ResetTTL <= 0 {
		o.ResetTTL = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Mailer == nil {
		o.Mailer = discardMailer{log: log}
	}
	s := &Service{db: db, log: log, sessionTTL: o.SessionTTL, now: o.Now, throttle: NewThrottle(db), signIn: newSignInLimits(db), opts: o,
		limits: newRateLimits(db), mailer: o.Mailer}
	s.providers = newProviders(o.Providers, o.BaseURL)
	return s
}

// SetMailer replaces the sender of account e-mails (tests capture them).
func (s *Service) SetMailer(m Mailer) { s.mailer = m }

// Options returns the options the service runs with.
func (s *Service) Options() Options { return s.opts }

var emailPattern = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]{1,190}\.[a-z]{2,}$`)

// NewPerson describes an account to create.
type NewPerson struct {
	Email    string
	Name     string
	Ministry string
	Password string // empty: no password sign-in until one is set
	Grants   []authz.Grant
	// OneTimePassword makes Password work for one sign-in, which must
	// replace it (firstpassword.go).
	OneTimePassword bool
}

// Create adds an account with its grants, at once, and logs its creation.
// It is for tools that vouch for the account (the first start, the demo
// data, tests); people are invited (Invite) and roles granted (GrantRole)
// under four eyes. Returns invalid for a malformed address, unknown
// ministry or role, and conflict when the address is taken.
func (s *Service) Create(ctx context.Context, np NewPerson, by *uuid.UUID) (*Person, error) {
	email := NormalEmail(np.Email)
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
	p := &Person{ID: uuid.New(), Email: email, Name: strings.TrimSpace(np.Name), Ministry: np.Ministry, Language: "nl", Active: true,
		CreatedAt: s.now(), PasswordMustChange: np.OneTimePassword}
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
		var actor *Caller
		if by != nil {
			actor = &Caller{ID: *by}
		}
		return s.log_(ctx, tx, actor, ActAccountCreated+p.ID.String())
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

// NormalEmail is an e-mail address as accounts store and are found by it:
// without surrounding white space, in lower case.
func NormalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ByEmail returns the account with this address, not_found otherwise.
func (s *Service) ByEmail(ctx context.Context, email string) (*Person, error) {
	var p Person
	err := s.db.WithContext(ctx).Where("email = ?", NormalEmail(email)).Take(&p).Error
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

// EnsureAdmin creates the committee's first admin account on an empty
// database and returns its one-time password; "" when an admin exists. The
// first sign-in with it must choose a new password and set up a second
// factor before anything else (firstpassword.go).
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
	_, err := s.Create(ctx, NewPerson{Email: email, Name: "Functioneel beheer", Ministry: "BZK", Password: pw, OneTimePassword: true,
		Grants: []authz.Grant{{Role: authz.Admin, Domain: authz.AnyDomain}}}, nil)
	if err != nil {
		if n, cerr := admins(); cerr == nil && n > 0 && apperr.CodeOf(err) == apperr.Conflict {
			return "", nil
		}
		return "", fmt.Errorf("creating admin account: %w", err)
	}
	return pw, nil
}

// Ministry is an organisation whose civil servants may complain: a domain
// of the role grants.
type Ministry struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

var ministryCode = regexp.MustCompile(`^[A-Za-z]{2,8}$`)

// Ministries lists every ministry, active ones first.
func (s *Service) Ministries(ctx context.Context) ([]Ministry, error) {
	var out []Ministry
	err := s.db.WithContext(ctx).Raw(`SELECT code, name, active FROM ministries ORDER BY active DESC, code`).Scan(&out).Error
	return out, apperr.Wrap(err)
}

// SaveMinistry adds a ministry or renames and (de)activates an existing one
// (docs/design.md §1: the list is configurable). A deactivated ministry keeps its
// cases and grants but takes no new accounts. Callable by the admin (the
// route checks the role).
func (s *Service) SaveMinistry(ctx context.Context, m Ministry) error {
	bad := map[string]string{}
	if !ministryCode.MatchString(m.Code) {
		bad["code"] = "must be 2 to 8 letters"
	}
	if n := strings.TrimSpace(m.Name); n == "" || len(n) > 200 {
		bad["name"] = "is required, at most 200 characters"
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	return apperr.Wrap(s.db.WithContext(ctx).Exec(`INSERT INTO ministries (code, name, active) VALUES (?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = excluded.active`, m.Code, strings.TrimSpace(m.Name), m.Active).Error)
}
