// Package app wires RKC's services together once, for the binary and for the
// tests that drive the whole HTTP service.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/caseapi"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/conversations"
	"github.com/rkc-nl/rkc/internal/crypto"
	"github.com/rkc-nl/rkc/internal/drafts"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/dbhealth"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/reporting"
	"github.com/rkc-nl/rkc/internal/retention"
	"github.com/rkc-nl/rkc/internal/server"
	"github.com/rkc-nl/rkc/internal/signals"
	"github.com/rkc-nl/rkc/internal/web"
)

// App holds the services built once at start.
type App struct {
	DB       *gorm.DB
	Accounts *accounts.Service
	Enforcer *authz.Enforcer
	Cases    *cases.Service
	// Retention runs the purge (cmd/api schedules it).
	Retention *retention.Service
	Keys      *crypto.Keyring
	Outbox    *notify.Outbox
	AuditLog  *audit.Log // the access log's sequencer, checks and proofs
	Handler   *echo.Echo
	// Metrics serves /metrics on the operators' listener (RKC_METRICS_ADDR),
	// apart from Handler.
	Metrics http.Handler
}

// Options are what Build needs beyond the configuration.
type Options struct {
	Now    func() time.Time  // the clock; nil for the real one
	Health *dbhealth.Monitor // watches the database (cmd/api runs it); nil: assume it is up
}

// Build creates every service and the HTTP handler on an open, migrated database.
func Build(ctx context.Context, cfg *config.Config, log *slog.Logger, gdb *gorm.DB, o Options) (*App, error) {
	keys, err := LoadKeys(cfg, log)
	if err != nil {
		return nil, err
	}
	logKey, err := LoadLogKey(cfg, log)
	if err != nil {
		return nil, err
	}
	auditLog := audit.New(audit.Options{DB: gdb, Key: logKey, CheckpointFile: cfg.CheckpointFile, WitnessURL: cfg.WitnessURL,
		Interval: cfg.SequenceInterval, Logger: log})
	enf, err := authz.NewEnforcer()
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, gdb)
	if err != nil {
		return nil, err
	}
	mailer, err := notify.AccountMailerFromConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	acc := accounts.NewServiceWith(gdb, log, accounts.Options{SessionTTL: cfg.SessionTTL, IdleTimeout: cfg.SessionIdle,
		ReauthWindow: cfg.ReauthWindow, PasswordLogin: cfg.PasswordLogin, StaffSecondFactor: cfg.StaffSecondFactor,
		UnusedAfter: time.Duration(cfg.AccountUnusedDays) * 24 * time.Hour, InvitationTTL: cfg.InvitationTTL,
		ResetTTL: cfg.PasswordResetTTL, BaseURL: cfg.BaseURL, Providers: providers(cfg), Mailer: mailer, Keys: keys, Now: o.Now})
	if err := acc.SealPlainTOTPSecrets(ctx); err != nil {
		return nil, fmt.Errorf("sealing TOTP secrets: %w", err)
	}
	cs := cases.NewService(cases.Options{DB: gdb, Keys: keys, Calendar: cal, Enforcer: enf, Log: log, Now: o.Now, MaxUploadBytes: cfg.MaxUploadBytes,
		CloseAfterDays: cfg.CloseAfterDays})
	cv := conversations.NewService(cs)
	sg := signals.NewService(signals.Options{DB: gdb, Keys: keys, Cases: cs, Now: o.Now,
		Limits: &signals.SignalLimits{PerAddress: cfg.SignalsPerAddress, Total: cfg.SignalsPerHour, Window: time.Hour}})
	// Every step's messages are written in the step's own transaction.
	outbox := notify.NewOutbox(gdb)
	cs.Notify = outbox.Enqueue
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	// A broken statement of the case store or the report stops the start,
	// not the first request that needs it.
	if err := cases.Check(ctx, gdb); err != nil {
		return nil, err
	}
	if err := reporting.Check(ctx, gdb); err != nil {
		return nil, err
	}
	a := &App{DB: gdb, Accounts: acc, Enforcer: enf, Cases: cs, Retention: retention.NewService(gdb, cs, o.Now, log), Keys: keys, Outbox: outbox, AuditLog: auditLog}
	priv := &privacy.Service{DB: gdb, Accounts: acc, Cases: cs, Now: o.Now}
	reg := prometheus.NewRegistry()
	a.Metrics = server.MetricsHandler(reg, cfg.Pprof)
	// The API and the pages share one access-log reader and one report
	// builder: one implementation of each.
	auditUse := &audit.Handlers{DB: gdb, Log: auditLog, Caller: callerOf, Now: o.Now}
	reports := &reporting.Handlers{DB: gdb, Log: auditLog}
	throttle := accounts.NewThrottle(gdb)
	exports := &privacy.Handlers{Service: priv, Log: auditLog}
	pages, err := web.New(web.Deps{Accounts: acc, Cases: cs, Conversations: cv, Signals: sg, Enforcer: enf, Privacy: priv, Exports: exports,
		Audit: auditUse, Reports: reports, Drafts: drafts.NewSealed(gdb, keys, clock(o.Now)), Throttle: throttle, Log: log, SecureCookies: cfg.SecureCookies, MaxUploadBytes: cfg.MaxUploadBytes, Now: o.Now,
		IdleTimeout: cfg.SessionIdle, AccessibilityContact: cfg.AccessibilityContact, Retention: web.Retention{CaseYears: cfg.RetentionYears, SignalYears: cfg.SignalRetentionYears}})
	if err != nil {
		return nil, err
	}
	a.Handler = server.New(server.Deps{
		Log: log, SQL: sqlDB, Enforcer: enf, TrustedProxies: cfg.TrustedProxies, SecureCookies: cfg.SecureCookies, Metrics: reg, Health: o.Health,
		Accounts: &accounts.Handlers{Service: acc, SecureCookies: cfg.SecureCookies, Synced: func(c *accounts.Caller) error {
			return enf.Sync(c.ID.String(), c.Grants)
		}},
		Cases:         &caseapi.Handlers{Service: cs},
		Conversations: &conversations.Handlers{Service: cv},
		Signals:       &signals.Handlers{Service: sg, Throttle: throttle},
		Audit:         auditUse,
		Privacy:       exports,
		Outbox:        &notify.Handlers{Outbox: outbox},
		Reports:       reports,
		Pages:         pages,
		SecurityTxt: server.SecurityTxt{Contact: cfg.SecurityContact, Expires: cfg.SecurityExpires, Policy: cfg.SecurityPolicy,
			Languages: cfg.SecurityLanguages, Canonical: canonicalSecurityTxt(cfg.BaseURL)},
	})
	return a, nil
}

// clock is now, or the real clock when now is nil.
func clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// providers turns the configured OpenID providers into the account
// service's.
func providers(cfg *config.Config) []accounts.ProviderConfig {
	out := make([]accounts.ProviderConfig, len(cfg.OIDCProviders))
	for i, p := range cfg.OIDCProviders {
		out[i] = accounts.ProviderConfig{Name: p.Name, Label: p.Label, Issuer: p.Issuer, ClientID: p.ClientID,
			ClientSecret: p.ClientSecret, Scopes: p.Scopes, EmailClaim: p.EmailClaim, MinistryClaim: p.MinistryClaim, Ministry: p.Ministry}
	}
	return out
}

// callerOf gives the audit handlers the caller's id and address.
func callerOf(c echo.Context) (uuid.UUID, string) {
	cl, ok := accounts.CallerFrom(c)
	if !ok {
		return uuid.Nil, c.RealIP()
	}
	return cl.ID, cl.Client
}

// SQL returns the database/sql handle behind the app's gorm DB.
func (a *App) SQL() *sql.DB {
	s, _ := a.DB.DB()
	return s
}

// CheckKeyFiles refuses to go on when a key file that exists is readable
// by group or others (crypto.CheckKeyFileMode); serve calls it before
// anything else, so the operator sees that one line and nothing starts.
func CheckKeyFiles(cfg *config.Config) error {
	for _, k := range []struct{ file, inline string }{
		{cfg.MasterKeyFile, cfg.MasterKeys}, // the master keys
		{cfg.LogKeyFile, cfg.LogKey},        // the access log's signing key
	} {
		if k.inline != "" {
			continue // the key comes from the environment
		}
		if _, err := os.Stat(k.file); errors.Is(err, os.ErrNotExist) {
			continue // generated, 0600, on first start
		}
		if err := crypto.CheckKeyFileMode(k.file); err != nil {
			return err
		}
	}
	return nil
}

// LoadKeys reads the master keys from the environment or the key file. The
// embedded default generates a key file on first start; production supplies
// its own (a secret mounted as a file, or RKC_MASTER_KEYS).
func LoadKeys(cfg *config.Config, log *slog.Logger) (*crypto.Keyring, error) {
	if cfg.MasterKeys != "" {
		return crypto.LoadKeyring(crypto.KeySource{EnvKeys: cfg.MasterKeys})
	}
	if _, err := os.Stat(cfg.MasterKeyFile); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(cfg.MasterKeyFile), 0o700); err != nil {
			return nil, err
		}
		if err := crypto.GenerateKeyFile(cfg.MasterKeyFile); err != nil {
			return nil, err
		}
		log.Warn("generated a new master key file; production must supply its own key (RKC_MASTER_KEY_FILE or RKC_MASTER_KEYS) and back it up apart from the database",
			"file", cfg.MasterKeyFile)
	}
	return crypto.LoadKeyring(crypto.KeySource{File: cfg.MasterKeyFile})
}

// LoadLogKey reads the access log's signing key from the environment or the
// key file, generating the file on first start as LoadKeys does for the
// master key; production supplies its own and keeps it apart from the
// database.
func LoadLogKey(cfg *config.Config, log *slog.Logger) (*audit.Key, error) {
	if cfg.LogKey != "" {
		return audit.ParseKey(cfg.LogKey)
	}
	if _, err := os.Stat(cfg.LogKeyFile); errors.Is(err, os.ErrNotExist) {
		if err := audit.GenerateKeyFile(cfg.LogKeyFile); err != nil {
			return nil, err
		}
		log.Warn("generated a new access log signing key; production must supply its own (RKC_LOG_KEY_FILE or RKC_LOG_SIGNING_KEY), keep it apart from the database and publish its public key (rkc audit key)",
			"file", cfg.LogKeyFile)
	}
	if err := crypto.CheckKeyFileMode(cfg.LogKeyFile); err != nil {
		return nil, err
	}
	return audit.LoadKeyFile(cfg.LogKeyFile)
}

// canonicalSecurityTxt is the public https URL of security.txt, or "" when
// the service is not served over https (RFC 9116 asks for https).
func canonicalSecurityTxt(baseURL string) string {
	if !strings.HasPrefix(baseURL, "https://") {
		return ""
	}
	return baseURL + "/.well-known/security.txt"
}
