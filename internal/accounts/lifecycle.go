package accounts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Token purposes of account_tokens.
const (
	purposeInvitation = "invitation"
	purposeReset      = "reset"
)

var errLink = apperr.New(apperr.NotFound, "link-invalid", "This link is not valid: it was used already, has expired, or never existed.")

// link makes a single-use token for the person and returns the address the
// e-mail links to; only the token's hash is stored.
func (s *Service) link(ctx context.Context, tx *gorm.DB, personID uuid.UUID, purpose string, by *uuid.UUID, ttl time.Duration) (string, time.Time, error) {
	token := RandomSecret(32)
	var expires time.Time
	err := tx.WithContext(ctx).Raw(`INSERT INTO account_tokens (purpose, token_hash, person_id, created_by, expires_at)
		VALUES (?, ?, ?, ?, now() + make_interval(secs => ?)) RETURNING expires_at`,
		purpose, tokenHash(token), personID, by, ttl.Seconds()).Scan(&expires).Error
	if err != nil {
		return "", time.Time{}, err
	}
	return strings.TrimRight(s.opts.BaseURL, "/") + "/password/" + token, expires, nil
}

// send hands an account e-mail to the mailer once its link is committed. A
// failure is logged by kind only and not told to the requester: the answer
// must not differ between addresses.
func (s *Service) send(ctx context.Context, m Mail) {
	if err := s.mailer.SendAccountMail(context.WithoutCancel(ctx), m); err != nil {
		s.log.Error("account e-mail failed", "kind", m.Kind, "error_type", apperr.As(err).Type)
	}
}

// RequestPasswordReset sends a link to set a new password to the address,
// if it belongs to an active account. It answers the same for every
// address, known or not, so that it tells nobody which addresses have an
// account; only too many requests for one address or from one client are
// refused (too_many_requests), again whatever the address.
func (s *Service) RequestPasswordReset(ctx context.Context, email, client string) error {
	email = NormalEmail(email)
	if !emailPattern.MatchString(email) {
		return apperr.InvalidFields(map[string]string{"email": "must be an e-mail address"})
	}
	if err := hit(ctx, s.limits.resetAccount, "reset-account:"+email, s.limits.resetClient, "reset-client:"+client); err != nil {
		return apperr.Wrap(err)
	}
	var p Person
	err := s.db.WithContext(ctx).Where("email = ? AND active", email).Take(&p).Error
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return apperr.Wrap(err)
	}
	var link string
	var expires time.Time
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A new link makes the earlier ones void.
		if err := tx.Exec(`DELETE FROM account_tokens WHERE person_id = ? AND purpose = ? AND used_at IS NULL`, p.ID, purposeReset).Error; err != nil {
			return err
		}
		var err error
		if link, expires, err = s.link(ctx, tx, p.ID, purposeReset, nil, s.opts.ResetTTL); err != nil {
			return err
		}
		// Whoever asked is unknown: the entry names the account and the address.
		return s.record(ctx, tx, audit.Entry{Role: roleAnonymous, Action: ActResetRequested + p.ID.String(), Client: client})
	})
	if err != nil {
		return apperr.Wrap(err)
	}
	s.send(ctx, Mail{Kind: MailReset, To: p.Email, Lang: p.Language, Link: link, Expires: expires})
	return nil
}

// SetPassword sets a password with the token of an e-mailed link (an
// invitation or a reset) and uses the link up. After a reset every session
// of the account ends: whoever knew the old password is out. Returns
// not_found (link-invalid) for a used, expired or unknown link, invalid for
// a password too short, and too_many_requests after many wrong links from
// one client.
func (s *Service) SetPassword(ctx context.Context, token, password, client string) error {
	if len(password) < 12 || len(password) > 1024 {
		return apperr.InvalidFields(map[string]string{"password": "must be 12 to 1024 characters"})
	}
	key := "link-client:" + client
	if wait, err := s.throttle.Check(ctx, key); err != nil {
		return apperr.Wrap(err)
	} else if wait > 0 {
		return tooMany("too-many-attempts", "Too many wrong links; try again later.", wait)
	}
	h, err := HashPassword(password)
	if err != nil {
		return apperr.Wrap(err)
	}
	unlock := ""
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var used []struct {
			PersonID uuid.UUID
			Purpose  string
			Email    string
		}
		if err := tx.Raw(`UPDATE account_tokens SET used_at = now() FROM persons
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > now()
			  AND persons.id = account_tokens.person_id AND persons.active
			RETURNING account_tokens.person_id, account_tokens.purpose, persons.email`, tokenHash(token)).Scan(&used).Error; err != nil {
			return err
		}
		if len(used) == 0 {
			return errLink
		}
		u := used[0]
		if err := tx.Exec(`UPDATE persons SET password_hash = ?, password_must_change = false WHERE id = ?`, h, u.PersonID).Error; err != nil {
			return err
		}
		if err := s.recordSelf(ctx, tx, u.PersonID, client, ActPasswordSetByLink+u.Purpose); err != nil {
			return err
		}
		// Whoever holds the account's e-mail proved it: a lock that attackers
		// keep on the account (throttle.go) does not keep its owner out.
		unlock = "login-account:" + u.Email
		if err := tx.Exec(`DELETE FROM account_tokens WHERE person_id = ? AND used_at IS NULL`, u.PersonID).Error; err != nil {
			return err
		}
		if u.Purpose == purposeReset {
			return endAllSessions(ctx, tx, u.PersonID)
		}
		return nil
	})
	if errors.Is(err, errLink) {
		s.slowDown(ctx, key)
	}
	if err == nil {
		s.signIn.account.Reset(ctx, unlock)
	}
	return apperr.Wrap(err)
}

// Invitation is an account the admin invites by e-mail.
type Invitation struct {
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Ministry string        `json:"ministry"`
	Language string        `json:"language,omitempty"` // nl (default) or en
	Roles    []authz.Grant `json:"roles,omitempty"`
}

// Invite creates an account without a password, with the given roles
// (each recorded in the access log; one that needs confirmation becomes a
// request, see GrantRole), and e-mails the person a link to set
// one, valid for the invitation term. An address that has an account gets
// a message saying so instead, and the answer is the same, so the answer
// does not tell which addresses have accounts. Returns invalid for a
// malformed invitation and too_many_requests after too many invitations to
// one address or from one client. Callable by an admin.
func (s *Service) Invite(ctx context.Context, admin *Caller, in Invitation) error {
	email := NormalEmail(in.Email)
	lang := in.Language
	if lang == "" {
		lang = "nl"
	}
	bad := map[string]string{}
	if !emailPattern.MatchString(email) {
		bad["email"] = "must be an e-mail address"
	}
	if strings.TrimSpace(in.Name) == "" || len(in.Name) > 200 {
		bad["name"] = "is required, at most 200 characters"
	}
	if lang != "nl" && lang != "en" {
		bad["language"] = "must be nl or en"
	}
	for _, g := range in.Roles {
		if !validRole(g.Role) {
			bad["roles"] = "unknown role " + g.Role
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	if err := s.checkMinistry(ctx, in.Ministry, "ministry"); err != nil {
		return err
	}
	for _, g := range in.Roles {
		if err := s.checkDomain(ctx, g.Domain); err != nil {
			return err
		}
	}
	if err := hit(ctx, s.limits.inviteAccount, "invite-account:"+email, s.limits.inviteClient, "invite-client:"+admin.Client); err != nil {
		return apperr.Wrap(err)
	}
	var mail Mail
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing []Person
		if err := tx.Where("email = ?", email).Limit(1).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) > 0 {
			mail = Mail{Kind: MailAccountExists, To: email, Lang: existing[0].Language}
			return nil
		}
		p := &Person{ID: uuid.New(), Email: email, Name: strings.TrimSpace(in.Name), Ministry: in.Ministry, Language: lang,
			Active: true, CreatedAt: s.now()}
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		if err := s.log_(ctx, tx, admin, "account:invite:"+p.ID.String()); err != nil {
			return err
		}
		for _, g := range in.Roles {
			var err error
			if NeedsConfirmation(g.Role) {
				_, err = s.requestGrant(ctx, tx, admin, p.ID, g)
			} else {
				_, err = s.grant(ctx, tx, admin, p.ID, g)
			}
			if err != nil {
				return err
			}
		}
		link, expires, err := s.link(ctx, tx, p.ID, purposeInvitation, &admin.ID, s.opts.InvitationTTL)
		if err != nil {
			return err
		}
		mail = Mail{Kind: MailInvitation, To: email, Lang: lang, Link: link, Expires: expires}
		return nil
	})
	if err != nil {
		return apperr.Wrap(err)
	}
	s.send(ctx, mail)
	return nil
}

func (s *Service) checkMinistry(ctx context.Context, code, field string) error {
	var n int64
	if err := s.db.WithContext(ctx).Table("ministries").Where("code = ? AND active", code).Count(&n).Error; err != nil {
		return apperr.Wrap(err)
	}
	if n == 0 {
		return apperr.InvalidFields(map[string]string{field: "unknown ministry"})
	}
	return nil
}

func (s *Service) checkDomain(ctx context.Context, domain string) error {
	if domain == authz.AnyDomain {
		return nil
	}
	return s.checkMinistry(ctx, domain, "domain")
}

// log_ appends an account action of the admin to the access log, in tx.
func (s *Service) log_(ctx context.Context, tx *gorm.DB, actor *Caller, action string) error {
	var id *uuid.UUID
	client, role := "", "system"
	if actor != nil {
		id, client, role = &actor.ID, actor.Client, authz.Admin
	}
	return audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: id, Role: role, Action: action, Client: client})
}

// grant adds a role grant in tx and, when it is new, records it in the
// access log and ends the person's sessions: a privilege change takes a new
// session (and, for a staff role, the second factor at the next sign-in).
func (s *Service) grant(ctx context.Context, tx *gorm.DB, actor *Caller, personID uuid.UUID, g authz.Grant) (bool, error) {
	var by *uuid.UUID
	if actor != nil {
		by = &actor.ID
	}
	res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&grantRow{PersonID: personID, Role: g.Role, Domain: g.Domain, GrantedBy: by, GrantedAt: s.now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	if err := s.log_(ctx, tx, actor, "account:grant:"+g.Role+"@"+g.Domain+":"+personID.String()); err != nil {
		return false, err
	}
	return true, s.endSessionsFor(ctx, tx, actor, personID)
}

// GrantRole gives a person a role in a domain, or, for a role that needs
// a second person's confirmation (NeedsConfirmation), records a request
// for it and returns that (foureyes.go). A new grant or request is
// recorded in the access log; a new grant ends the person's sessions.
// Granting a role the person holds changes nothing. Returns forbidden
// (own-grant) for the admin's own account, not_found for an unknown person
// and invalid for an unknown role or domain. Callable by an admin.
func (s *Service) GrantRole(ctx context.Context, admin *Caller, personID uuid.UUID, g authz.Grant) (*GrantRequest, error) {
	if admin != nil && admin.ID == personID {
		return nil, errOwnGrant
	}
	if !validRole(g.Role) {
		return nil, apperr.InvalidFields(map[string]string{"role": "unknown role"})
	}
	if err := s.checkDomain(ctx, g.Domain); err != nil {
		return nil, err
	}
	var req *GrantRequest
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := personExists(ctx, tx, personID); err != nil {
			return err
		}
		if NeedsConfirmation(g.Role) {
			var err error
			req, err = s.requestGrant(ctx, tx, admin, personID, g)
			return err
		}
		_, err := s.grant(ctx, tx, admin, personID, g)
		return err
	})
	return req, apperr.Wrap(err)
}

// WithdrawRole takes a role grant away, records it in the access log and
// ends the person's sessions. Returns not_found when the person does not
// hold the grant. Callable by an admin.
func (s *Service) WithdrawRole(ctx context.Context, admin *Caller, personID uuid.UUID, g authz.Grant) error {
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM role_grants WHERE person_id = ? AND role = ? AND domain = ?`, personID, g.Role, g.Domain)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFoundError("Grant")
		}
		if err := s.log_(ctx, tx, admin, "account:withdraw:"+g.Role+"@"+g.Domain+":"+personID.String()); err != nil {
			return err
		}
		return s.endSessionsFor(ctx, tx, admin, personID)
	}))
}

func personExists(ctx context.Context, tx *gorm.DB, id uuid.UUID) error {
	var n int64
	if err := tx.WithContext(ctx).Model(&Person{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundError("Person")
	}
	return nil
}

// Deactivate switches an account off and ends every session of it at once;
// the next request with any of its tokens is unauthenticated. Returns
// not_found for an unknown person and conflict for the admin's own
// account. Callable by an admin.
func (s *Service) Deactivate(ctx context.Context, admin *Caller, personID uuid.UUID) error {
	if admin != nil && admin.ID == personID {
		return apperr.New(apperr.Conflict, "own-account", "You cannot deactivate your own account.")
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var by *uuid.UUID
		if admin != nil {
			by = &admin.ID
		}
		res := tx.Exec(`UPDATE persons SET active = false, deactivated_at = ?, deactivated_by = ? WHERE id = ? AND active`, s.now(), by, personID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := personExists(ctx, tx, personID); err != nil {
				return err
			}
			return nil // already inactive
		}
		if err := tx.Exec(`DELETE FROM account_tokens WHERE person_id = ?`, personID).Error; err != nil {
			return err
		}
		if err := s.log_(ctx, tx, admin, "account:deactivate:"+personID.String()); err != nil {
			return err
		}
		return s.endSessionsFor(ctx, tx, admin, personID)
	}))
}

// Activate switches a deactivated account on again. Returns not_found for
// an unknown person. Callable by an admin.
func (s *Service) Activate(ctx context.Context, admin *Caller, personID uuid.UUID) error {
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE persons SET active = true, deactivated_at = NULL, deactivated_by = NULL WHERE id = ? AND NOT active`, personID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return personExists(ctx, tx, personID)
		}
		return s.log_(ctx, tx, admin, "account:activate:"+personID.String())
	}))
}

// ResetSecondFactor removes a person's TOTP secret and recovery codes (a
// lost phone) and ends their sessions; a staff member sets up a new one at
// the next sign-in. Returns not_found for an unknown person and conflict
// for the admin's own account. Callable by an admin.
func (s *Service) ResetSecondFactor(ctx context.Context, admin *Caller, personID uuid.UUID) error {
	if admin != nil && admin.ID == personID {
		// Replacing one's own second factor takes a recent proof of identity
		// (POST /api/v1/me/totp), which this route does not ask.
		return apperr.New(apperr.Conflict, "own-account", "You cannot reset your own second factor here; set up a new one in your account.")
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := personExists(ctx, tx, personID); err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM totp_secrets WHERE person_id = ?`, personID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM recovery_codes WHERE person_id = ?`, personID).Error; err != nil {
			return err
		}
		if err := s.log_(ctx, tx, admin, "account:second-factor-reset:"+personID.String()); err != nil {
			return err
		}
		return s.endSessionsFor(ctx, tx, admin, personID)
	}))
}

// AccountView is an account as the admin sees it: no case content.
type AccountView struct {
	ID           uuid.UUID     `json:"id"`
	Email        string        `json:"email"`
	Name         string        `json:"name"`
	Ministry     string        `json:"ministry"`
	Active       bool          `json:"active"`
	Roles        []authz.Grant `json:"roles"`
	Staff        bool          `json:"staff"`
	SecondFactor bool          `json:"second_factor"`
	Password     bool          `json:"password"`  // may sign in with a password
	Providers    int           `json:"providers"` // accounts at OpenID providers linked
	CreatedAt    time.Time     `json:"created_at"`
	LastLoginAt  *time.Time    `json:"last_login_at"`
	// Unused flags an active account not used for the configured period:
	// its roles are due for review.
	Unused bool `json:"unused"`
}

// Accounts lists the accounts for the admin, by e-mail address; with
// unusedOnly, only active accounts not used (signed in) for the configured
// period, the longest unused first. Callable by an admin.
func (s *Service) Accounts(ctx context.Context, unusedOnly bool) ([]AccountView, error) {
	since := s.now().Add(-s.opts.UnusedAfter)
	q := s.db.WithContext(ctx).Table("persons p").Select(`p.id, p.email, p.name, p.ministry, p.active, p.created_at, p.last_login_at,
		p.password_hash IS NOT NULL AS password,
		EXISTS (SELECT 1 FROM totp_secrets t WHERE t.person_id = p.id AND t.confirmed_at IS NOT NULL) AS second_factor,
		(SELECT count(*) FROM identities i WHERE i.person_id = p.id) AS providers,
		p.active AND coalesce(p.last_login_at, p.created_at) < ? AS unused`, since)
	if unusedOnly {
		q = q.Where("p.active AND coalesce(p.last_login_at, p.created_at) < ?", since).Order("coalesce(p.last_login_at, p.created_at), p.email")
	} else {
		q = q.Order("p.email")
	}
	var rows []struct {
		ID                                     uuid.UUID
		Email, Name, Ministry                  string
		Active, SecondFactor, Password, Unused bool
		Providers                              int
		CreatedAt                              time.Time
		LastLoginAt                            *time.Time
	}
	if err := q.Limit(5000).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var grants []grantRow
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("person_id IN ?", ids).Order("role, domain").Find(&grants).Error; err != nil {
			return nil, apperr.Wrap(err)
		}
	}
	byPerson := map[uuid.UUID][]authz.Grant{}
	for _, g := range grants {
		byPerson[g.PersonID] = append(byPerson[g.PersonID], authz.Grant{Role: g.Role, Domain: g.Domain})
	}
	out := make([]AccountView, len(rows))
	for i, r := range rows {
		roles := byPerson[r.ID]
		if roles == nil {
			roles = []authz.Grant{}
		}
		out[i] = AccountView{ID: r.ID, Email: r.Email, Name: r.Name, Ministry: r.Ministry, Active: r.Active, Roles: roles,
			Staff: IsStaff(roles), SecondFactor: r.SecondFactor, Password: r.Password, Providers: r.Providers,
			CreatedAt: r.CreatedAt, LastLoginAt: r.LastLoginAt, Unused: r.Unused}
	}
	return out, nil
}
