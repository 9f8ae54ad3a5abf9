package accounts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/platform/db"
)

// Session methods: how the holder signed in.
const (
	MethodPassword = "password" // a local password (and a TOTP code where one is needed)
	MethodOIDC     = "oidc"     // an OpenID provider
	MethodDirect   = "direct"   // opened by a tool or a test for a person it vouches for
)

// What a session still waits for before it is usable.
const (
	PendingOTP       = "otp"       // the second factor
	PendingEnrolment = "enrolment" // a second factor to be set up first
)

// StaffRoles must give a second factor when they sign in with a password:
// they handle special-category data or decide on it (BIO; the DPIA).
var StaffRoles = []string{authz.Secretary, authz.Member, authz.Chair, authz.Authority, authz.Admin, authz.PrivacyOfficer}

// IsStaff reports whether any of the grants is a staff role.
func IsStaff(grants []authz.Grant) bool {
	for _, g := range grants {
		if slices.Contains(StaffRoles, g.Role) {
			return true
		}
	}
	return false
}

// SessionInfo is how the caller's session was opened.
type SessionInfo struct {
	ID           uuid.UUID `json:"id"`
	Method       string    `json:"method"`
	Pending      string    `json:"pending,omitempty"`
	SecondFactor bool      `json:"second_factor"`
	// AuthAge is how long ago the holder last proved who they are (sign-in
	// or re-authentication), on the database's clock.
	AuthAge time.Duration `json:"-"`
	// Idle is how long the session had gone unused before this request,
	// on the database's clock (its last use is marked at most every
	// touchEvery): the pages end a session idle for too long.
	Idle time.Duration `json:"-"`
}

var (
	errNoSession = apperr.New(apperr.Unauthenticated, "unauthenticated", "Sign in first.")
	// errSecondFactor answers a session that still waits for its second
	// factor on any route but the ones that give or set one up.
	errSecondFactor = apperr.New(apperr.Unauthenticated, TypeSecondFactorRequired,
		"Give the code of your authenticator app (or set one up) before going on.")
	errReauth = apperr.New(apperr.Unauthenticated, TypeReauthRequired,
		"Confirm who you are again before this action.")
	errBadCredentials = apperr.New(apperr.Unauthenticated, "invalid-credentials", "The e-mail address or password is wrong.")
	errPasswordOff    = apperr.New(apperr.Forbidden, "password-sign-in-off", "Signing in with a password is switched off; use your organisation's sign-in.")
)

// sessionSpec is what a new session records.
type sessionSpec struct {
	person       uuid.UUID
	method       string
	pending      string
	secondFactor bool
	client       string
	userAgent    string
}

// openSession stores a new session and returns its bearer token. Times come
// from the database, whose clock every instance shares.
func (s *Service) openSession(ctx context.Context, tx *gorm.DB, sp sessionSpec) (string, error) {
	if tx == nil {
		tx = s.db
	}
	token := RandomSecret(32)
	var pending *string
	if sp.pending != "" {
		pending = &sp.pending
	}
	err := tx.WithContext(ctx).Exec(`INSERT INTO sessions (person_id, token_hash, expires_at, method, pending, second_factor, client, user_agent)
		VALUES (?, ?, now() + make_interval(secs => ?), ?, ?, ?, ?, ?)`,
		sp.person, tokenHash(token), s.sessionTTL.Seconds(), sp.method, pending, sp.secondFactor,
		clip(sp.client, 64), clip(sp.userAgent, 200)).Error
	if err != nil {
		return "", apperr.Wrap(err)
	}
	return token, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}

// OpenSession opens a fully authenticated session for a person whose
// identity the caller vouches for (tools, and tests acting as people), and
// returns its bearer token. People sign in through SignIn or an OpenID
// provider instead.
func (s *Service) OpenSession(ctx context.Context, personID uuid.UUID) (string, error) {
	return s.openSession(ctx, nil, sessionSpec{person: personID, method: MethodDirect})
}

// SignInInput is a password sign-in.
type SignInInput struct {
	Email, Password string
	OTP             string // the authenticator's code, where the account has one
	RecoveryCode    string // instead of OTP
	Client          string // the client address
	UserAgent       string
}

// SignInResult is an opened session: usable at once, or (Pending) only for
// giving or setting up the second factor.
type SignInResult struct {
	Token   string
	Person  *Person
	Pending string // "", PendingOTP, PendingEnrolment or PendingNewPassword
}

// Login checks the password and opens a session; see SignIn.
func (s *Service) Login(ctx context.Context, email, password, client string) (token string, p *Person, err error) {
	r, err := s.SignIn(ctx, SignInInput{Email: email, Password: password, Client: client})
	if err != nil {
		return "", nil, err
	}
	return r.Token, r.Person, nil
}

// SignIn checks the password and opens a session. Failures for one account
// or one client address are counted; after too many, sign-in is refused for
// a while (too_many_requests, with the seconds to wait). An account with a
// second factor must give its code (or a recovery code); without one the
// session waits for it. Staff without a second factor get a session that
// can only set one up. Returns forbidden when password sign-in is off.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (*SignInResult, error) {
	if !s.opts.PasswordLogin {
		return nil, errPasswordOff
	}
	email := NormalEmail(in.Email)
	g := s.signIn.guard("login", email, in.Client)
	if wait, err := g.wait(ctx); err != nil {
		return nil, apperr.Wrap(err)
	} else if wait > 0 {
		return nil, tooMany("too-many-attempts", "Too many failed sign-in attempts; try again later.", wait)
	}
	person, err := s.ByEmail(ctx, email)
	ok := false
	if err == nil && person.Active && person.PasswordHash != nil {
		ok, _ = CheckPassword(*person.PasswordHash, in.Password)
	} else {
		CheckPassword(dummyHash, in.Password) // same time for unknown accounts
	}
	if !ok {
		if err == nil {
			s.recordFailure(ctx, &person.ID, in.Client, ActSignInFailed+":"+MethodPassword)
		} else {
			s.recordFailure(ctx, nil, in.Client, ActSignInFailed+":"+MethodPassword+":unknown-account")
		}
		g.fail(ctx)
		return nil, errBadCredentials
	}
	g.succeed(ctx)

	grants, err := s.Grants(ctx, person.ID)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	enrolled, err := s.hasSecondFactor(ctx, person.ID)
	if err != nil {
		return nil, err
	}
	spec := sessionSpec{person: person.ID, method: MethodPassword, client: in.Client, userAgent: in.UserAgent}
	switch {
	case person.PasswordMustChange:
		spec.pending = PendingNewPassword
	case enrolled && (in.OTP != "" || in.RecoveryCode != ""):
		if err := s.checkSecondFactor(ctx, person.ID, in.OTP, in.RecoveryCode, in.Client); err != nil {
			return nil, err
		}
		spec.secondFactor = true
	case enrolled:
		spec.pending = PendingOTP
	case s.opts.StaffSecondFactor && IsStaff(grants):
		spec.pending = PendingEnrolment
	}
	token, err := s.startSession(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &SignInResult{Token: token, Person: person, Pending: spec.pending}, nil
}

// startSession opens the session of spec, marks the person's last sign-in and
// logs it with its method, in one transaction: the sign-in by password and
// by OpenID Connect end here.
func (s *Service) startSession(ctx context.Context, spec sessionSpec) (string, error) {
	var token string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if token, err = s.openSession(ctx, tx, spec); err != nil {
			return err
		}
		if err := tx.Model(&Person{}).Where("id = ?", spec.person).Update("last_login_at", s.now()).Error; err != nil {
			return err
		}
		return s.recordSelf(ctx, tx, spec.person, spec.client, ActSignIn+":"+spec.method)
	})
	return token, apperr.Wrap(err)
}

// slowDown counts a failure against keys and, past the first few, waits a
// moment before answering, to slow down guessing.
func (s *Service) slowDown(ctx context.Context, keys ...string) {
	if delay, err := s.throttle.Fail(ctx, keys...); err == nil && delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
}

func tooMany(typ, detail string, wait time.Duration) *apperr.Error {
	e := apperr.New(apperr.TooManyRequests, typ, detail)
	e.RetryAfter = int(wait.Seconds()) + 1
	return e
}

// Logout ends the session of this token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return apperr.Wrap(s.db.WithContext(ctx).Where("token_hash = ?", tokenHash(token)).Delete(&sessionRow{}).Error)
}

// authRow is a session with its person, as Authenticate reads it.
// authenticateSQL finds the live session of token hash $1 (idle for less
// than $2 seconds) with its person and grants, and says whether its
// last-use mark is older than $3 seconds. It runs on every request: a plain
// read (no data-modifying WITH query, which PostgreSQL would prepare on
// every call), positional parameters, no statement building per call.
const authenticateSQL = `
		SELECT p.id, p.email, p.name, p.ministry, p.language,
		  s.last_seen_at <= now() - make_interval(secs => $3) AS touch_due,
		  s.id AS session_id, s.method, s.pending, s.second_factor,
		  extract(epoch FROM now() - s.authenticated_at)::float8 AS auth_age,
		  extract(epoch FROM now() - s.last_seen_at)::float8 AS idle,
		  coalesce((SELECT json_agg(json_build_object('role', g.role, 'domain', g.domain) ORDER BY g.role, g.domain)
		    FROM role_grants g WHERE g.person_id = p.id), '[]') AS grants
		FROM sessions s JOIN persons p ON p.id = s.person_id
		WHERE s.token_hash = $1 AND s.expires_at > now()
		  AND s.last_seen_at > now() - make_interval(secs => $2) AND p.active`

// touchSQL marks the use of session $1 when its mark is older than $2
// seconds (another request may have marked it meanwhile).
const touchSQL = `UPDATE sessions SET last_seen_at = now() WHERE id = $1 AND last_seen_at <= now() - make_interval(secs => $2)`

type authRow struct {
	ID           uuid.UUID
	Email        string
	Name         string
	Ministry     string
	Language     string
	SessionID    uuid.UUID
	Method       string
	Pending      *string
	SecondFactor bool
	AuthAge      float64
	Idle         float64
	Grants       []byte // JSON array of {role, domain}
}

// touchEvery is how often a session's last use is written. Writing it on
// every request would make every read a write with its own WAL flush; a
// coarser mark only lets a session end up to this much sooner than its idle
// timeout, never later.
const touchEvery = 30 * time.Second

// Companion is a read that a route asks to run in the statement that
// checks the session, so that it costs no round trip of its own (the case
// read loads its case there). SQL is a SELECT evaluated for the session's
// person, whom it names me.id; its parameters are numbered from $4, after
// the session check's own three, and Dest receive the columns of its one
// row. Found says whether that row came: when the session is not live or
// SQL finds nothing, the session is checked again on its own and the route
// does its read as it would without a companion.
type Companion struct {
	SQL   string
	Args  []any
	Dest  []any
	Found bool
}

// companionStatements caches, by a companion's SQL, the statement that runs
// it with the session check: a few routes have companions, and each
// statement is built once and prepared once per connection.
var companionStatements sync.Map // string → string

func companionStatement(companion string) string {
	if q, ok := companionStatements.Load(companion); ok {
		return q.(string)
	}
	q := `WITH me AS (` + authenticateSQL + `)
		SELECT me.*, companion.* FROM me CROSS JOIN LATERAL (` + companion + `) companion`
	companionStatements.Store(companion, q)
	return q
}

// authenticate returns the caller of a live session, pending or not:
// unauthenticated when the token is unknown, past its absolute or idle
// timeout, or the account is deactivated. A valid request counts as use. One
// statement reads the session, its person and their grants (so a grant
// withdrawn or an account deactivated takes effect at the next request, on
// every instance), and comp's read when the route has one; a second marks
// the use when the last mark is older than touchEvery.
func (s *Service) authenticate(ctx context.Context, token string, comp *Companion) (*Caller, error) {
	if token == "" || len(token) > 200 {
		return nil, errNoSession
	}
	var r authRow
	var touchDue bool
	query, args := authenticateSQL, []any{tokenHash(token), s.opts.IdleTimeout.Seconds(), touchEvery.Seconds()}
	dest := []any{&r.ID, &r.Email, &r.Name, &r.Ministry, &r.Language, &touchDue, &r.SessionID, &r.Method, &r.Pending, &r.SecondFactor, &r.AuthAge, &r.Idle, &r.Grants}
	if comp != nil {
		query, args, dest = companionStatement(comp.SQL), append(args, comp.Args...), append(dest, comp.Dest...)
	}
	err := db.QueryRow(ctx, s.db.Statement.ConnPool, query, args, dest...)
	if errors.Is(err, sql.ErrNoRows) {
		if comp != nil {
			return s.authenticate(ctx, token, nil)
		}
		return nil, errNoSession
	}
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	if comp != nil {
		comp.Found = true
	}
	if touchDue {
		if _, err := s.db.Statement.ConnPool.ExecContext(ctx, touchSQL, r.SessionID, touchEvery.Seconds()); err != nil {
			return nil, apperr.Wrap(err)
		}
	}
	var grants []authz.Grant
	if err := json.Unmarshal(r.Grants, &grants); err != nil {
		return nil, apperr.Wrap(err)
	}
	info := &SessionInfo{ID: r.SessionID, Method: r.Method, SecondFactor: r.SecondFactor,
		AuthAge: time.Duration(r.AuthAge * float64(time.Second)), Idle: time.Duration(r.Idle * float64(time.Second))}
	if r.Pending != nil {
		info.Pending = *r.Pending
	}
	return &Caller{ID: r.ID, Email: r.Email, Name: r.Name, Ministry: r.Ministry, Language: r.Language, Grants: grants, Session: info}, nil
}

// Authenticate returns the caller of a usable session token: unauthenticated
// when the token is unknown, expired, idle too long, the account is
// deactivated, or the session still waits for its second factor
// (second-factor-required).
func (s *Service) Authenticate(ctx context.Context, token string) (*Caller, error) {
	c, err := s.authenticate(ctx, token, nil)
	if err != nil {
		return nil, err
	}
	if c.Session.Pending != "" {
		return nil, errSecondFactor
	}
	return c, nil
}

// AuthenticateAny returns the caller of a live session token, also of one
// that still waits for its second factor (Caller.Session.Pending), with
// comp's read when it is not nil: for the pages, whose session middleware
// tells the two apart.
func (s *Service) AuthenticateAny(ctx context.Context, token string, comp *Companion) (*Caller, error) {
	return s.authenticate(ctx, token, comp)
}

// PurgeExpiredSessions removes sessions past their absolute or idle
// timeout, and OpenID flows never completed.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => ?)`,
		s.opts.IdleTimeout.Seconds())
	if res.Error != nil {
		return 0, res.Error
	}
	s.db.WithContext(ctx).Exec(`DELETE FROM oidc_flows WHERE expires_at <= now()`)
	return res.RowsAffected, nil
}

// rotate replaces the session of token by a new one of the same person,
// with what upgrade changes, and returns the new token: the session id
// changes whenever the session gains a privilege (a second factor, a fresh
// proof of identity), so a token seen before is worth nothing after.
func (s *Service) rotate(ctx context.Context, tx *gorm.DB, token string, upgrade func(*sessionRow)) (string, error) {
	var old sessionRow
	err := tx.WithContext(ctx).Raw(`DELETE FROM sessions WHERE token_hash = ? AND expires_at > now() RETURNING *`, tokenHash(token)).Scan(&old).Error
	if err != nil {
		return "", apperr.Wrap(err)
	}
	if old.PersonID == uuid.Nil {
		return "", errNoSession
	}
	upgrade(&old)
	newToken := RandomSecret(32)
	// The new session keeps the old one's absolute end: rotation never
	// extends a session's life.
	err = tx.WithContext(ctx).Exec(`INSERT INTO sessions (person_id, token_hash, created_at, expires_at, method, pending, second_factor, authenticated_at, client, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		old.PersonID, tokenHash(newToken), old.CreatedAt, old.ExpiresAt, old.Method, old.Pending, old.SecondFactor,
		old.AuthenticatedAt, old.Client, old.UserAgent).Error
	if err != nil {
		return "", apperr.Wrap(err)
	}
	return newToken, nil
}

// markAuthenticated is a rotate upgrade: the holder just proved who they
// are, with a second factor when secondFactor is set.
func markAuthenticated(secondFactor bool) func(*sessionRow) {
	return func(r *sessionRow) {
		r.Pending = nil
		r.SecondFactor = r.SecondFactor || secondFactor
	}
}

// rotateWith rotates the session with upgrade, in a transaction of its own.
func (s *Service) rotateWith(ctx context.Context, token string, upgrade func(*sessionRow)) (string, error) {
	var out string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = s.rotate(ctx, tx, token, upgrade)
		return err
	})
	return out, apperr.Wrap(err)
}

// rotateAuthenticated rotates the session and stamps the proof of
// identity with the database's clock.
func (s *Service) rotateAuthenticated(ctx context.Context, token string, secondFactor bool) (string, error) {
	var out string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := s.rotate(ctx, tx, token, markAuthenticated(secondFactor))
		if err != nil {
			return err
		}
		out = t
		return tx.Exec(`UPDATE sessions SET authenticated_at = now(), last_seen_at = now() WHERE token_hash = ?`, tokenHash(t)).Error
	})
	return out, apperr.Wrap(err)
}

// Reauthenticate confirms the identity of a session's holder again with
// their password, and their second factor where they have one, before a
// sensitive action. It returns the session's new token (the old one ends).
// Returns unauthenticated for a wrong password or code, too_many_requests
// after too many, and invalid for a session opened through an OpenID
// provider (which re-authenticates there).
func (s *Service) Reauthenticate(ctx context.Context, caller *Caller, token, password, otp, recovery string) (string, error) {
	if caller.Session == nil || caller.Session.Method == MethodOIDC {
		return "", apperr.New(apperr.Invalid, "reauthenticate-with-provider",
			"This session was opened through an organisation's sign-in; confirm who you are there.")
	}
	g := s.signIn.guard("reauth", caller.ID.String(), caller.Client)
	if wait, err := g.wait(ctx); err != nil {
		return "", apperr.Wrap(err)
	} else if wait > 0 {
		return "", tooMany("too-many-attempts", "Too many failed attempts; try again later.", wait)
	}
	p, err := s.ByID(ctx, caller.ID)
	if err != nil {
		return "", err
	}
	ok := false
	if p.PasswordHash != nil {
		ok, _ = CheckPassword(*p.PasswordHash, password)
	}
	if !ok {
		s.recordFailure(ctx, &caller.ID, caller.Client, ActReauth+"-failed:"+MethodPassword)
		g.fail(ctx)
		return "", errBadCredentials
	}
	enrolled, err := s.hasSecondFactor(ctx, caller.ID)
	if err != nil {
		return "", err
	}
	if enrolled {
		if otp == "" && recovery == "" {
			return "", apperr.InvalidFields(map[string]string{"otp": "is required: give the code of your authenticator app"})
		}
		if err := s.checkSecondFactor(ctx, caller.ID, otp, recovery, caller.Client); err != nil {
			return "", err
		}
	}
	g.succeed(ctx)
	t, err := s.rotateAuthenticated(ctx, token, enrolled)
	if err != nil {
		return "", err
	}
	return t, s.recordSelf(ctx, nil, caller.ID, caller.Client, ActReauth+":"+MethodPassword)
}

// RecentlyAuthenticated reports whether the caller proved who they are
// within the re-authentication window. Sessions opened directly (tools,
// tests) count from their opening, like any other.
func (s *Service) RecentlyAuthenticated(c *Caller) bool {
	return c != nil && c.Session != nil && c.Session.AuthAge <= s.opts.ReauthWindow
}

// SessionView is one of a person's sessions, as they see it in "my
// sessions".
type SessionView struct {
	ID           uuid.UUID `json:"id"`
	Method       string    `json:"method"`
	SecondFactor bool      `json:"second_factor"`
	CreatedAt    time.Time `json:"created_at"`
	LastSeenAt   time.Time `json:"last_seen_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	Client       string    `json:"client"`
	UserAgent    string    `json:"user_agent"`
	Current      bool      `json:"current"`
}

// Sessions lists the caller's live sessions, the newest first.
func (s *Service) Sessions(ctx context.Context, caller *Caller) ([]SessionView, error) {
	var rows []sessionRow
	err := s.db.WithContext(ctx).Where(`person_id = ? AND expires_at > now() AND last_seen_at > now() - make_interval(secs => ?)`,
		caller.ID, s.opts.IdleTimeout.Seconds()).Order("created_at DESC").Find(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	out := make([]SessionView, len(rows))
	for i, r := range rows {
		out[i] = SessionView{ID: r.ID, Method: r.Method, SecondFactor: r.SecondFactor, CreatedAt: r.CreatedAt,
			LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, Client: r.Client, UserAgent: r.UserAgent,
			Current: caller.Session != nil && r.ID == caller.Session.ID}
	}
	return out, nil
}

// EndSession ends one of the caller's own sessions. Returns not_found when
// the caller has no session with that id.
func (s *Service) EndSession(ctx context.Context, caller *Caller, id uuid.UUID) error {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE id = ? AND person_id = ?`, id, caller.ID)
	if res.Error != nil {
		return apperr.Wrap(res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundError("Session")
	}
	return nil
}

// endAllSessions ends every session of the person, in tx.
func endAllSessions(ctx context.Context, tx *gorm.DB, personID uuid.UUID) error {
	return tx.WithContext(ctx).Exec(`DELETE FROM sessions WHERE person_id = ?`, personID).Error
}

// isNotFound reports whether err is gorm's missing row.
func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
