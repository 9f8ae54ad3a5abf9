package accounts

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// ProviderConfig is one OpenID provider people may sign in with, as the
// configuration names it.
type ProviderConfig struct {
	Name         string   `json:"name"`  // in addresses: /api/v1/oidc/{name}/start
	Label        string   `json:"label"` // on the sign-in page, e.g. "Rijkspas / ADFS"
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"` // default openid, email, profile
	// EmailClaim names the claim with the e-mail address (default "email");
	// MinistryClaim the one with the ministry's code (default "ministry").
	EmailClaim    string `json:"email_claim"`
	MinistryClaim string `json:"ministry_claim"`
	// Ministry is taken for everyone from this provider when the ID token
	// has no ministry claim (a provider of one ministry).
	Ministry string `json:"ministry"`
}

// flowTTL bounds the time between sending someone to the provider and
// their coming back.
const flowTTL = 10 * time.Minute

var (
	errFlow      = apperr.New(apperr.Unauthenticated, "oidc-state-invalid", "This sign-in link was used already, has expired, or was started in another browser; start again.")
	errIDToken   = apperr.New(apperr.Unauthenticated, "oidc-token-invalid", "The identity provider's answer could not be verified; start again.")
	errNonce     = apperr.New(apperr.Unauthenticated, "oidc-nonce-invalid", "The identity provider's answer belongs to another sign-in; start again.")
	errStaleAuth = apperr.New(apperr.Unauthenticated, "oidc-reauth-stale", "The identity provider did not sign you in again just now; start again.")
	errProvider  = apperr.NotFoundError("Identity provider")
	errInactive  = apperr.New(apperr.Unauthenticated, "account-inactive", "This account is switched off; ask the committee's administrator.")
	errLinkTaken = apperr.New(apperr.Conflict, "account-exists",
		"An account with this e-mail address exists already; sign in with it as before, or ask the administrator to link your organisation's account.")
)

type providers struct {
	list    []*provider
	baseURL string
}

// provider is a configured provider, discovered on first use (so that the
// service starts while a provider is down) and then kept.
type provider struct {
	cfg      ProviderConfig
	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newProviders(cfgs []ProviderConfig, baseURL string) *providers {
	ps := &providers{baseURL: strings.TrimRight(baseURL, "/")}
	for _, c := range cfgs {
		if len(c.Scopes) == 0 {
			c.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
		} else if !slices.Contains(c.Scopes, oidc.ScopeOpenID) {
			c.Scopes = append([]string{oidc.ScopeOpenID}, c.Scopes...)
		}
		if c.EmailClaim == "" {
			c.EmailClaim = "email"
		}
		if c.MinistryClaim == "" {
			c.MinistryClaim = "ministry"
		}
		if c.Label == "" {
			c.Label = c.Name
		}
		ps.list = append(ps.list, &provider{cfg: c})
	}
	return ps
}

func (ps *providers) byName(name string) (*provider, error) {
	for _, p := range ps.list {
		if p.cfg.Name == name {
			return p, nil
		}
	}
	return nil, errProvider
}

// setup discovers the provider once.
func (p *provider) setup(ctx context.Context, baseURL string) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(dctx, p.cfg.Issuer)
	if err != nil {
		return nil, nil, apperr.Wrap(&apperr.Error{Code: apperr.Unavailable, Type: "oidc-provider-unavailable",
			Detail: "The identity provider cannot be reached; try again later.", Err: err})
	}
	p.oauth = &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: baseURL + "/api/v1/oidc/" + url.PathEscape(p.cfg.Name) + "/callback", Scopes: p.cfg.Scopes}
	// The verifier checks the signature against the provider's published
	// keys, the issuer, the audience (our client id) and the expiry.
	p.verifier = op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID})
	return p.oauth, p.verifier, nil
}

// ProviderInfo is a provider as the sign-in page offers it.
type ProviderInfo struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Start string `json:"start"` // the address that starts the sign-in
}

// Providers lists the configured OpenID providers.
func (s *Service) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(s.providers.list))
	for _, p := range s.providers.list {
		out = append(out, ProviderInfo{Name: p.cfg.Name, Label: p.cfg.Label, Start: "/api/v1/oidc/" + url.PathEscape(p.cfg.Name) + "/start"})
	}
	return out
}

func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// StartedFlow is where to send the browser, and the value it must keep in
// a cookie until it comes back.
type StartedFlow struct {
	RedirectURL string
	Binding     string
}

// StartOIDC begins an authorization-code flow with PKCE at the named
// provider: it stores the state (hashed, single use, expiring), the nonce
// (hashed) and the PKCE verifier, and returns the provider's address. With
// reauth, the flow confirms the identity of that session's holder instead
// of opening a session, and asks the provider to sign in again. next is
// where the browser goes afterwards (a path on this server).
func (s *Service) StartOIDC(ctx context.Context, name, next string, reauth *Caller) (*StartedFlow, error) {
	p, err := s.providers.byName(name)
	if err != nil {
		return nil, err
	}
	oc, _, err := p.setup(ctx, s.providers.baseURL)
	if err != nil {
		return nil, err
	}
	state, nonce, binding, verifier := RandomSecret(32), RandomSecret(32), RandomSecret(32), oauth2.GenerateVerifier()
	var session *uuid.UUID
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if reauth != nil && reauth.Session != nil {
		session = &reauth.Session.ID
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	err = s.db.WithContext(ctx).Exec(`INSERT INTO oidc_flows (provider, state_hash, nonce_hash, code_verifier, binding_hash, next, reauth_session, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?))`,
		p.cfg.Name, sum(state), sum(nonce), verifier, sum(binding), LocalPath(next, ""), session, flowTTL.Seconds()).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return &StartedFlow{RedirectURL: oc.AuthCodeURL(state, opts...), Binding: binding}, nil
}

// CallbackInput is what the provider sent the browser back with.
type CallbackInput struct {
	Provider, State, Code, Error string
	Binding                      string // the cookie set at the start
	Client, UserAgent            string
}

// CallbackResult is a finished flow: a new session (Token) or, for a
// re-authentication, the rotated one; and where to go next.
type CallbackResult struct {
	Token   string
	Next    string
	Person  *Person
	Created bool // the person signed in for the first time
	Reauth  bool
}

type flowRow struct {
	Provider      string
	NonceHash     []byte
	CodeVerifier  string
	BindingHash   []byte
	Next          string
	ReauthSession *uuid.UUID
	Live          bool
}

// FinishOIDC completes a flow: it uses the state up (a replayed state is
// refused), exchanges the code with the PKCE verifier, verifies the ID
// token (signature, issuer, audience, expiry) and its nonce, and finds the
// person by the provider's (issuer, subject). A person seen for the first
// time is created as a complainant of the ministry the claims name: a
// provider never gives a staff role. Every refusal is unauthenticated with
// its own type; an e-mail address that belongs to an account not linked to
// this provider is a conflict.
func (s *Service) FinishOIDC(ctx context.Context, in CallbackInput) (*CallbackResult, error) {
	p, err := s.providers.byName(in.Provider)
	if err != nil {
		return nil, err
	}
	if in.State == "" {
		return nil, errFlow
	}
	var flows []flowRow
	if err := s.db.WithContext(ctx).Raw(`DELETE FROM oidc_flows WHERE state_hash = ?
		RETURNING provider, nonce_hash, code_verifier, binding_hash, next, reauth_session, expires_at > now() AS live`,
		sum(in.State)).Scan(&flows).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	if len(flows) == 0 || !flows[0].Live || flows[0].Provider != p.cfg.Name ||
		subtle.ConstantTimeCompare(sum(in.Binding), flows[0].BindingHash) != 1 {
		return nil, errFlow
	}
	f := flows[0]
	if in.Error != "" || in.Code == "" {
		return nil, apperr.New(apperr.Unauthenticated, "oidc-refused", "The identity provider did not sign you in.")
	}
	oc, verifier, err := p.setup(ctx, s.providers.baseURL)
	if err != nil {
		return nil, err
	}
	xctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(xctx, in.Code, oauth2.VerifierOption(f.CodeVerifier))
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unauthenticated, Type: errIDToken.Type, Detail: errIDToken.Detail, Err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errIDToken
	}
	idt, err := verifier.Verify(xctx, raw)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Unauthenticated, Type: errIDToken.Type, Detail: errIDToken.Detail, Err: err}
	}
	if subtle.ConstantTimeCompare(sum(idt.Nonce), f.NonceHash) != 1 || idt.Nonce == "" {
		return nil, errNonce
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, errIDToken
	}
	if f.ReauthSession != nil {
		return s.finishReauth(ctx, idt, claims, *f.ReauthSession, f.Next, in.Client)
	}
	person, created, err := s.personFor(ctx, p.cfg, idt, claims)
	if err != nil {
		return nil, err
	}
	token, err := s.startSession(ctx, sessionSpec{person: person.ID, method: MethodOIDC, client: in.Client, userAgent: in.UserAgent})
	if err != nil {
		return nil, err
	}
	return &CallbackResult{Token: token, Next: f.Next, Person: person, Created: created}, nil
}

// personFor finds the person of the provider's subject, or creates them as
// a complainant of the claimed ministry.
func (s *Service) personFor(ctx context.Context, cfg ProviderConfig, idt *oidc.IDToken, claims map[string]any) (*Person, bool, error) {
	var person Person
	err := s.db.WithContext(ctx).Raw(`UPDATE identities SET last_used_at = now() FROM persons
		WHERE identities.issuer = ? AND identities.subject = ? AND persons.id = identities.person_id
		RETURNING persons.*`, idt.Issuer, idt.Subject).Scan(&person).Error
	if err != nil {
		return nil, false, apperr.Wrap(err)
	}
	if person.ID != uuid.Nil {
		if !person.Active {
			return nil, false, errInactive
		}
		return &person, false, nil
	}
	email, _ := claims[cfg.EmailClaim].(string)
	email = NormalEmail(email)
	if !emailPattern.MatchString(email) {
		return nil, false, apperr.New(apperr.Unauthenticated, "oidc-claims-missing", "The identity provider did not give an e-mail address.")
	}
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return nil, false, apperr.New(apperr.Unauthenticated, "oidc-email-unverified", "The identity provider has not verified your e-mail address.")
	}
	ministry, _ := claims[cfg.MinistryClaim].(string)
	if ministry == "" {
		ministry = cfg.Ministry
	}
	if err := s.checkMinistry(ctx, ministry, "ministry"); err != nil {
		return nil, false, apperr.New(apperr.Unauthenticated, "oidc-ministry-unknown", "The identity provider named no ministry RKC knows.")
	}
	name, _ := claims["name"].(string)
	if name = strings.TrimSpace(name); name == "" || len(name) > 200 {
		name, _, _ = strings.Cut(email, "@")
	}
	np := &Person{ID: uuid.New(), Email: email, Name: name, Ministry: ministry, Language: "nl", Active: true, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Person{}).Where("email = ?", email).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			// Linking by e-mail address would let a provider's say-so take
			// over an account, staff roles and all.
			return errLinkTaken
		}
		if err := tx.Create(np).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO identities (issuer, subject, person_id) VALUES (?, ?, ?)`, idt.Issuer, idt.Subject, np.ID).Error; err != nil {
			return err
		}
		if err := s.log_(ctx, tx, nil, ActAccountCreated+np.ID.String()); err != nil {
			return err
		}
		// The one role a provider gives: complainant of the ministry it names.
		_, err := s.grant(ctx, tx, nil, np.ID, authz.Grant{Role: authz.Complainant, Domain: ministry})
		return err
	})
	if err != nil {
		return nil, false, apperr.Wrap(err)
	}
	return np, true, nil
}

// reauthClockSkew is how far the provider's auth_time may be from this
// server's clock for a re-authentication to count as just done.
const reauthClockSkew = 2 * time.Minute

// finishReauth refreshes the proof of identity of the session the flow was
// started from, when the provider signed in the same person, and rotates
// the session.
func (s *Service) finishReauth(ctx context.Context, idt *oidc.IDToken, claims map[string]any, sessionID uuid.UUID, next, client string) (*CallbackResult, error) {
	// max_age=0 asked the provider to sign the person in anew; its answer
	// must say when it did (auth_time, required with max_age), and that
	// must be now, or the provider only passed on an old sign-in.
	authTime, _ := claims["auth_time"].(float64)
	if age := s.now().Sub(time.Unix(int64(authTime), 0)); authTime == 0 || age > reauthClockSkew || age < -reauthClockSkew {
		return nil, errStaleAuth
	}
	var person Person
	if err := s.db.WithContext(ctx).Raw(`SELECT persons.* FROM identities JOIN persons ON persons.id = identities.person_id
		WHERE identities.issuer = ? AND identities.subject = ? AND persons.active`, idt.Issuer, idt.Subject).Scan(&person).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	var token string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old sessionRow
		if err := tx.Raw(`DELETE FROM sessions WHERE id = ? AND person_id = ? AND expires_at > now() RETURNING *`,
			sessionID, person.ID).Scan(&old).Error; err != nil {
			return err
		}
		if old.PersonID == uuid.Nil {
			return errNoSession // another person, or the session ended meanwhile
		}
		token = RandomSecret(32)
		if err := tx.Exec(`INSERT INTO sessions (person_id, token_hash, created_at, expires_at, method, pending, second_factor, client, user_agent)
			VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`, old.PersonID, tokenHash(token), old.CreatedAt, old.ExpiresAt, old.Method,
			old.SecondFactor, old.Client, old.UserAgent).Error; err != nil {
			return err
		}
		return s.recordSelf(ctx, tx, person.ID, client, ActReauth+":"+MethodOIDC)
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return &CallbackResult{Token: token, Next: next, Person: &person, Reauth: true}, nil
}

// LocalPath returns p when it is a path on this server, else fallback: a
// redirect target from a request never leads elsewhere.
func LocalPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return p
}
