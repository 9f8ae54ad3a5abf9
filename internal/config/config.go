// Package config reads RKC's settings once, from flags and the environment,
// into a typed struct. Every setting has a documented default; a flag beats
// its environment variable.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rkc-nl/rkc/internal/crypto"
)

// Config is every setting of the binary.
type Config struct {
	DatabaseURL          string        // empty: start a private PostgreSQL under DataDir
	Addr                 string        // listen address
	MetricsAddr          string        // listen address of /metrics, apart from Addr; "" when off
	Pprof                bool          // serve /debug/pprof/ beside /metrics
	DataDir              string        // folder for the embedded database, keys and mail
	BaseURL              string        // public address, used in links in e-mails
	LogLevel             string        // debug, info, warn, error
	ShutdownTimeout      time.Duration // how long in-flight requests may take to finish
	Demo                 bool          // create demo accounts and cases
	DemoPassword         string        // password of every demo account; random when empty
	MasterKeyFile        string        // file with the master keys; default <data-dir>/master.keys
	MasterKeys           string        // master keys given directly (overrides the file)
	SecureCookies        bool          // mark cookies Secure; default true when BaseURL is https
	SessionTTL           time.Duration // absolute session lifetime
	RetentionYears       int           // years after closing before a case is purged
	CloseAfterDays       int           // days after a case finished (decided, withdrawn, …) before it closes by itself
	SignalRetentionYears int           // years after filing before a signal is purged
	PurgeInterval        time.Duration // how often the retention job runs
	LateComplaintYears   int           // behaviour older than this at filing is a ground not to handle (Awb 9:8 lid 1 sub d)
	MaxUploadBytes       int64         // largest accepted attachment
	SignalsPerAddress    int           // anonymous signals one address may file per hour (0: no limit)
	SignalsPerHour       int           // anonymous signals everyone together may file per hour (0: no limit)
	// Mail (internal/notify). With no SMTPHost, messages are written as
	// .eml files into MailDir.
	SMTPHost              string        // SMTP server; empty: write mail to MailDir
	SMTPPort              int           // SMTP port
	SMTPTLS               string        // none, starttls or tls (implicit, port 465)
	SMTPUsername          string        // empty: no SMTP authentication
	SMTPPassword          string        // SMTP password
	MailFrom              string        // sender address of every message
	AccessibilityContact  string        // e-mail address the accessibility statement (/toegankelijkheid) gives
	MailDir               string        // mail folder when no SMTP host is set; default <data-dir>/mail
	MailMaxAttempts       int           // failed attempts before a message is given up (dead)
	DeadlineWatchInterval time.Duration // how often the deadline watch runs
	// TrustedProxies are the address ranges of reverse proxies (an
	// ingress controller) whose X-Forwarded-For names the client; empty:
	// the client is the connection's peer.
	TrustedProxies []*net.IPNet
	// Identity (accounts): sign-in, second factor, sessions, lifecycle.
	OIDCProviders     []OIDCProvider // OpenID providers to sign in with; none by default
	PasswordLogin     bool           // sign-in with a local password allowed
	StaffSecondFactor bool           // staff signing in with a password must give a TOTP code
	SessionIdle       time.Duration  // a session unused this long ends
	ReauthWindow      time.Duration  // how recent a proof of identity sensitive actions need
	AccountUnusedDays int            // accounts unused this many days are flagged for review
	InvitationTTL     time.Duration  // how long an invitation link works
	PasswordResetTTL  time.Duration  // how long a password-reset link works

	// Database roles and health (docs/decisions.md, "Database roles").
	OwnerDatabaseURL   string        // the schema owner's login, for migrations; empty: DatabaseURL migrates if it may
	DevOwnerLogin      bool          // development only: serve even when the login can alter the access log
	DBUnreachableLimit time.Duration // /healthz fails once the database has been unreachable this long
	EmbeddedRestarts   int           // restarts of a dead embedded PostgreSQL allowed within ten minutes; then exit 1

	// The access log as a transparency log (internal/audit).
	LogKeyFile       string        // Ed25519 log signing key (signed-note format); default <data-dir>/log.key
	LogKey           string        // the log signing key given directly (overrides the file)
	CheckpointFile   string        // file outside the database every signed checkpoint is appended to
	WitnessURL       string        // optional address every signed checkpoint is POSTed to
	SequenceInterval time.Duration // longest wait before committed log entries are sequenced and signed

	// /.well-known/security.txt (RFC 9116); not served without a contact.
	SecurityContact   []string  // where to report a vulnerability: mailto:, https: or tel: URIs
	SecurityExpires   time.Time // when the file's contents go stale; zero: 180 days after the start
	SecurityPolicy    string    // the vulnerability disclosure policy's https URL, if any
	SecurityLanguages []string  // languages a report may be written in
}

// OIDCProvider is one OpenID provider (RKC_OIDC_PROVIDERS, a JSON list).
type OIDCProvider struct {
	Name          string   `json:"name"`           // [a-z0-9-], in the sign-in address
	Label         string   `json:"label"`          // shown on the sign-in button
	Issuer        string   `json:"issuer"`         // the issuer URL (discovery at /.well-known/openid-configuration)
	ClientID      string   `json:"client_id"`      // RKC's client id at the provider
	ClientSecret  string   `json:"client_secret"`  // and its secret
	Scopes        []string `json:"scopes"`         // default openid, email, profile
	EmailClaim    string   `json:"email_claim"`    // claim with the e-mail address; default email
	MinistryClaim string   `json:"ministry_claim"` // claim with the ministry code; default ministry
	Ministry      string   `json:"ministry"`       // ministry of everyone from this provider, when it has no such claim
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// parseProviders reads and checks RKC_OIDC_PROVIDERS. Its errors never
// echo a value: the list holds client secrets.
func parseProviders(v string) ([]OIDCProvider, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var list []OIDCProvider
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, errors.New("must be a JSON list of providers ({\"name\",\"issuer\",\"client_id\",\"client_secret\",…})")
	}
	seen := map[string]bool{}
	for i, p := range list {
		u, err := url.Parse(p.Issuer)
		switch {
		case !providerName.MatchString(p.Name):
			return nil, fmt.Errorf("provider %d: name must be lower-case letters, digits and dashes", i+1)
		case seen[p.Name]:
			return nil, fmt.Errorf("provider %d: name given twice", i+1)
		case err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))):
			return nil, fmt.Errorf("provider %s: issuer must be an https URL", p.Name)
		case p.ClientID == "":
			return nil, fmt.Errorf("provider %s: client_id is required", p.Name)
		}
		seen[p.Name] = true
	}
	return list, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// setting describes one configuration entry for flags, env and --help.
type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"database-url", "DATABASE_URL", "", "PostgreSQL URL the service logs in with (a role that owns nothing); empty starts a private PostgreSQL under the data folder", databaseURLSetter(func(c *Config) *string { return &c.DatabaseURL })},
		{"owner-database-url", "RKC_OWNER_DATABASE_URL", "", "PostgreSQL URL of the schema owner, used only to migrate and grant (rkc migrate, and serve at start); empty: DATABASE_URL migrates when it may", databaseURLSetter(func(c *Config) *string { return &c.OwnerDatabaseURL })},
		{"dev-owner-login", "RKC_DEV_OWNER_LOGIN", "false", "development only: serve even when the DATABASE_URL login could alter or empty the access log (an owner or superuser login)", boolSetter(func(c *Config) *bool { return &c.DevOwnerLogin })},
		{"embedded-max-restarts", "RKC_EMBEDDED_MAX_RESTARTS", "3", "restarts of a dead embedded PostgreSQL allowed within ten minutes before the binary exits with code 1 (0: exit at the first death)", intSetter(0, 100, func(c *Config) *int { return &c.EmbeddedRestarts })},
		{"db-unreachable-limit", "RKC_DB_UNREACHABLE_LIMIT", "30s", "/healthz fails once the database has been unreachable this long, so that a supervisor restarts the process; API requests answer 503 from the first failure", durationSetter(func(c *Config) *time.Duration { return &c.DBUnreachableLimit })},
		{"security-contact", "RKC_SECURITY_CONTACT", "", "where to report a vulnerability, for /.well-known/security.txt: mailto:, https: or tel: URIs separated by commas; empty: the file is not served", func(c *Config, v string) error {
			c.SecurityContact = nil
			for _, s := range splitList(v) {
				if u, err := url.Parse(s); err != nil || (u.Scheme != "mailto" && u.Scheme != "https" && u.Scheme != "tel") || u.Opaque == "" && u.Host == "" {
					return errors.New("must be mailto:, https: or tel: URIs separated by commas")
				}
				c.SecurityContact = append(c.SecurityContact, s)
			}
			return nil
		}},
		{"security-expires", "RKC_SECURITY_EXPIRES", "", "when security.txt goes stale, an RFC 3339 time or a date (UTC); empty: 180 days after the start", func(c *Config, v string) error {
			c.SecurityExpires = time.Time{}
			if v == "" {
				return nil
			}
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				if t, err = time.Parse(time.DateOnly, v); err != nil {
					return errors.New("must be an RFC 3339 time or a date (2027-06-01)")
				}
			}
			c.SecurityExpires = t.UTC()
			return nil
		}},
		{"security-policy", "RKC_SECURITY_POLICY", "", "https URL of the vulnerability disclosure policy, for security.txt", checkedSetter(httpsURL, func(c *Config) *string { return &c.SecurityPolicy })},
		{"security-languages", "RKC_SECURITY_LANGUAGES", "nl, en", "languages a vulnerability report may be written in, for security.txt (language tags separated by commas)", func(c *Config, v string) error {
			c.SecurityLanguages = nil
			for _, s := range splitList(v) {
				if !languageTag.MatchString(s) {
					return errors.New("must be language tags such as nl or en, separated by commas")
				}
				c.SecurityLanguages = append(c.SecurityLanguages, s)
			}
			return nil
		}},
		{"addr", "RKC_ADDR", ":8080", "listen address", checkedSetter(hostPort(":8080"), func(c *Config) *string { return &c.Addr })},
		{"metrics-addr", "RKC_METRICS_ADDR", "127.0.0.1:9090", "listen address of /metrics, apart from the public one (loopback by default; in a pod :9090 for the scraper); off: no metrics", func(c *Config, v string) error {
			if v == "off" {
				c.MetricsAddr = ""
				return nil
			}
			return checkedSetter(hostPort("127.0.0.1:9090, or off"), func(c *Config) *string { return &c.MetricsAddr })(c, v)
		}},
		{"pprof", "RKC_PPROF", "false", "also serve Go's profiles (/debug/pprof/) on the metrics address, for operators measuring the hot paths", boolSetter(func(c *Config) *bool { return &c.Pprof })},
		{"data-dir", "RKC_DATA_DIR", "./var", "data folder (embedded database, master key, mail folder)", checkedSetter(notEmpty, func(c *Config) *string { return &c.DataDir })},
		{"base-url", "RKC_BASE_URL", "", "public address of the service, used in links in e-mails; empty: http:// and the listen address (localhost when it names no host)", func(c *Config, v string) error {
			if err := httpURL(v); err != nil {
				return err
			}
			c.BaseURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"log-level", "RKC_LOG_LEVEL", "info", "log level: debug, info, warn or error", oneOfSetter([]string{"debug", "info", "warn", "error"}, func(c *Config) *string { return &c.LogLevel })},
		{"shutdown-timeout", "RKC_SHUTDOWN_TIMEOUT", "15s", "time for in-flight requests at shutdown", durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"demo", "RKC_DEMO", "false", "create the demo accounts and cases (idempotent)", boolSetter(func(c *Config) *bool { return &c.Demo })},
		{"demo-password", "RKC_DEMO_PASSWORD", "", "password of every demo account; a random one is printed when empty", stringSetter(func(c *Config) *string { return &c.DemoPassword })},
		{"master-key-file", "RKC_MASTER_KEY_FILE", "", "master key file (default <data-dir>/master.keys, generated on first start)", stringSetter(func(c *Config) *string { return &c.MasterKeyFile })},
		{"master-keys", "RKC_MASTER_KEYS", "", "master keys as id:base64 lines separated by ';' (overrides the file)", stringSetter(func(c *Config) *string { return &c.MasterKeys })},
		{"log-key-file", "RKC_LOG_KEY_FILE", "", "access log signing key (default <data-dir>/log.key, generated on first start)", stringSetter(func(c *Config) *string { return &c.LogKeyFile })},
		{"log-signing-key", "RKC_LOG_SIGNING_KEY", "", "access log signing keyring: a signed-note private key PRIVATE+KEY+…, then the earlier keys' public keys (overrides the file)", func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "PRIVATE+KEY+") {
				return errors.New("must be a signed-note private key (PRIVATE+KEY+name+hash+key)")
			}
			c.LogKey = v
			return nil
		}},
		{"checkpoint-file", "RKC_CHECKPOINT_FILE", "", "file outside the database every signed access log checkpoint is appended to (default <data-dir>/checkpoints.log)", stringSetter(func(c *Config) *string { return &c.CheckpointFile })},
		{"witness-url", "RKC_WITNESS_URL", "", "address every signed access log checkpoint is POSTed to; empty: none", checkedSetter(httpURL, func(c *Config) *string { return &c.WitnessURL })},
		{"sequence-interval", "RKC_SEQUENCE_INTERVAL", "1s", "longest wait before committed access log entries are put in the tree and signed", durationSetter(func(c *Config) *time.Duration { return &c.SequenceInterval })},
		{"session-ttl", "RKC_SESSION_TTL", "12h", "absolute lifetime of a session", durationSetter(func(c *Config) *time.Duration { return &c.SessionTTL })},
		{"retention-years", "RKC_RETENTION_YEARS", "5", "years after closing before a case is purged", intSetter(1, 100, func(c *Config) *int { return &c.RetentionYears })},
		{"close-after-days", "RKC_CLOSE_AFTER_DAYS", "42", "days a finished case (decided, inadmissible, withdrawn, resolved informally) stays open for the parties to react before it closes by itself; the retention term runs from closing", intSetter(1, 365, func(c *Config) *int { return &c.CloseAfterDays })},
		{"signal-retention-years", "RKC_SIGNAL_RETENTION_YEARS", "2", "years after filing before a signal is purged", intSetter(1, 100, func(c *Config) *int { return &c.SignalRetentionYears })},
		{"purge-interval", "RKC_PURGE_INTERVAL", "24h", "how often the retention job runs", durationSetter(func(c *Config) *time.Duration { return &c.PurgeInterval })},
		{"late-complaint-years", "RKC_LATE_COMPLAINT_YEARS", "1", "behaviour older than this many years at filing is a ground not to handle", intSetter(1, 100, func(c *Config) *int { return &c.LateComplaintYears })},
		{"max-upload-bytes", "RKC_MAX_UPLOAD_BYTES", "10485760", "largest accepted attachment in bytes", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 || n > 1<<30 {
				return errors.New("must be a number of bytes between 1024 and 1073741824")
			}
			c.MaxUploadBytes = n
			return nil
		}},
		{"signals-per-address", "RKC_SIGNALS_PER_ADDRESS", "5", "anonymous signals one client address may file per hour (counted in memory per instance; 0: no limit)", intSetter(0, 100000, func(c *Config) *int { return &c.SignalsPerAddress })},
		{"signals-per-hour", "RKC_SIGNALS_PER_HOUR", "100", "anonymous signals everyone together may file per hour (0: no limit)", intSetter(0, 1000000, func(c *Config) *int { return &c.SignalsPerHour })},
		{"smtp-host", "RKC_SMTP_HOST", "", "SMTP server for e-mail; empty writes each message as an .eml file into the mail folder", func(c *Config, v string) error {
			if net.ParseIP(v) == nil && strings.ContainsAny(v, " /:@") {
				return errors.New("must be a host name or address, without port or scheme")
			}
			c.SMTPHost = v
			return nil
		}},
		{"smtp-port", "RKC_SMTP_PORT", "587", "SMTP port", intSetter(1, 65535, func(c *Config) *int { return &c.SMTPPort })},
		{"smtp-tls", "RKC_SMTP_TLS", "starttls", "SMTP encryption: none, starttls (required STARTTLS) or tls (implicit TLS, usually port 465)", oneOfSetter([]string{"none", "starttls", "tls"}, func(c *Config) *string { return &c.SMTPTLS })},
		{"smtp-username", "RKC_SMTP_USERNAME", "", "SMTP user name; empty: no authentication", stringSetter(func(c *Config) *string { return &c.SMTPUsername })},
		{"smtp-password", "RKC_SMTP_PASSWORD", "", "SMTP password", stringSetter(func(c *Config) *string { return &c.SMTPPassword })},
		{"mail-from", "RKC_MAIL_FROM", "RKC <noreply@rkc.localhost>", "sender of every e-mail, an address or Name <address>", func(c *Config, v string) error {
			if _, err := mail.ParseAddress(v); err != nil {
				return errors.New("must be an e-mail address, optionally as Name <address>")
			}
			c.MailFrom = v
			return nil
		}},
		{"accessibility-contact", "RKC_ACCESSIBILITY_CONTACT", "toegankelijkheid@rkc.localhost", "e-mail address the accessibility statement gives for questions", func(c *Config, v string) error {
			if a, err := mail.ParseAddress(v); err != nil || a.Name != "" {
				return errors.New("must be an e-mail address")
			}
			c.AccessibilityContact = v
			return nil
		}},
		{"mail-dir", "RKC_MAIL_DIR", "", "mail folder used when no SMTP host is set (default <data-dir>/mail)", stringSetter(func(c *Config) *string { return &c.MailDir })},
		{"mail-max-attempts", "RKC_MAIL_MAX_ATTEMPTS", "12", "failed delivery attempts before a message is given up and shown as dead", intSetter(1, 100, func(c *Config) *int { return &c.MailMaxAttempts })},
		{"trusted-proxies", "RKC_TRUSTED_PROXIES", "", "comma-separated address ranges (CIDR) of reverse proxies whose X-Forwarded-For is believed; empty: none", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				_, n, err := net.ParseCIDR(part)
				if err != nil {
					return errors.New("must be address ranges like 10.42.0.0/16, separated by commas")
				}
				c.TrustedProxies = append(c.TrustedProxies, n)
			}
			return nil
		}},
		{"deadline-watch-interval", "RKC_DEADLINE_WATCH_INTERVAL", "1h", "how often the deadline watch looks for cases due soon or overdue", durationSetter(func(c *Config) *time.Duration { return &c.DeadlineWatchInterval })},
		{"oidc-providers", "RKC_OIDC_PROVIDERS", "", "OpenID providers to sign in with, a JSON list of {name, label, issuer, client_id, client_secret, scopes, email_claim, ministry_claim, ministry}; best given as RKC_OIDC_PROVIDERS_FILE", func(c *Config, v string) error {
			list, err := parseProviders(v)
			c.OIDCProviders = list
			return err
		}},
		{"password-login", "RKC_PASSWORD_LOGIN", "true", "allow signing in with a local password (false: only through an OpenID provider)", boolSetter(func(c *Config) *bool { return &c.PasswordLogin })},
		{"staff-second-factor", "RKC_STAFF_SECOND_FACTOR", "true", "staff (secretary, member, chair, authority, admin, privacy officer) signing in with a password must give a TOTP code", boolSetter(func(c *Config) *bool { return &c.StaffSecondFactor })},
		{"session-idle", "RKC_SESSION_IDLE", "20m", "a session unused this long ends", durationSetter(func(c *Config) *time.Duration { return &c.SessionIdle })},
		{"reauth-window", "RKC_REAUTH_WINDOW", "5m", "how recently a person must have confirmed who they are before adopting advice, recording a decision or exporting someone else's data", durationSetter(func(c *Config) *time.Duration { return &c.ReauthWindow })},
		{"account-unused-days", "RKC_ACCOUNT_UNUSED_DAYS", "90", "accounts not used for this many days are flagged for the admin's review", intSetter(1, 3650, func(c *Config) *int { return &c.AccountUnusedDays })},
		{"invitation-ttl", "RKC_INVITATION_TTL", "168h", "how long an invitation link works", durationSetter(func(c *Config) *time.Duration { return &c.InvitationTTL })},
		{"password-reset-ttl", "RKC_PASSWORD_RESET_TTL", "1h", "how long a password-reset link works", durationSetter(func(c *Config) *time.Duration { return &c.PasswordResetTTL })},
	}
}

// languageTag is the simple form of an RFC 5646 language tag (nl, en, en-GB).
var languageTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

// splitList splits a comma-separated setting into its trimmed, non-empty parts.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// databaseURLSetter checks a PostgreSQL URL without ever echoing it: it
// holds a password.
func databaseURLSetter(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			*field(c) = ""
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" && u.Query().Get("host") == "" {
			return errors.New("must be a URL like postgres://user:password@host:5432/dbname")
		}
		*field(c) = v
		return nil
	}
}

// checkedSetter sets a string setting that check accepts; check's error
// says what the setting must be.
func checkedSetter(check func(string) error, field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if err := check(v); err != nil {
			return err
		}
		*field(c) = v
		return nil
	}
}

// hostPort accepts a listen address; example completes the error.
func hostPort(example string) func(string) error {
	return func(v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("must be host:port, for example " + example)
		}
		return nil
	}
}

// httpURL and httpsURL accept nothing (the setting is off) or an absolute
// URL of their schemes.
var (
	httpURL  = webURL("must be an http(s) URL", "http", "https")
	httpsURL = webURL("must be an https URL", "https")
)

func webURL(problem string, schemes ...string) func(string) error {
	return func(v string) error {
		if u, err := url.Parse(v); v != "" && (err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "") {
			return errors.New(problem)
		}
		return nil
	}
}

func notEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func stringSetter(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*field(c) = v
		return nil
	}
}

// oneOfSetter takes one of the allowed words; the error lists them.
func oneOfSetter(allowed []string, field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("must be %s or %s", strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1])
		}
		*field(c) = v
		return nil
	}
}

func durationSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration like 15s or 2h")
		}
		*field(c) = d
		return nil
	}
}

func boolSetter(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*field(c) = b
		return nil
	}
}

func intSetter(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

// keyFileSettings hold keys: given as NAME_FILE, the file must be private
// to its owner (crypto.CheckKeyFileMode), like the key files themselves.
var keyFileSettings = map[string]bool{"RKC_MASTER_KEYS": true, "RKC_LOG_SIGNING_KEY": true}

// baseURLOf is the address links lead to when no base URL is set: the
// listen address over http, with localhost for a wildcard host (":8080",
// "0.0.0.0:8080", "[::]:8080"), so that a link in an e-mail reaches the
// server that sent it.
func baseURLOf(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// ErrHelp is returned when --help was asked; the usage has been written.
var ErrHelp = flag.ErrHelp

// Load reads the settings from args (without the program name) and the
// environment lookup function. It returns the remaining arguments (the
// subcommand and its arguments). Errors name the setting and never echo its
// value, since a URL may hold a password.
func Load(args []string, getenv func(string) string, usage io.Writer) (*Config, []string, error) {
	c := &Config{}
	all := settings()
	fs := flag.NewFlagSet("rkc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	given := map[string]*flagValue{}
	for _, s := range all {
		v := &flagValue{isBool: s.def == "true" || s.def == "false"}
		given[s.flag] = v
		fs.Var(v, s.flag, s.help)
	}
	// The flag package calls Usage itself on -help and on every parse error;
	// we write the usage once, for -help only, so an error stays one line.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			WriteUsage(usage)
			return nil, nil, ErrHelp
		}
		return nil, nil, err
	}
	for _, s := range all {
		v, source := s.def, "default of --"+s.flag
		if e := getenv(s.env); e != "" {
			v, source = e, s.env
		}
		// NAME_FILE reads the setting from a file, as container secrets
		// are mounted (/run/secrets/…), so that a password or key never
		// sits in the environment or a compose file.
		if f := getenv(s.env + "_FILE"); f != "" {
			if source == s.env {
				return nil, nil, fmt.Errorf("invalid %s: set %s or %s_FILE, not both", s.env, s.env, s.env)
			}
			if keyFileSettings[s.env] {
				if err := crypto.CheckKeyFileMode(f); err != nil {
					return nil, nil, fmt.Errorf("invalid %s_FILE: %v", s.env, err)
				}
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("invalid %s_FILE: %v", s.env, err)
			}
			v, source = strings.TrimRight(string(b), "\r\n"), s.env+"_FILE"
		}
		if f := given[s.flag]; f.set {
			v, source = f.value, "--"+s.flag
		}
		if err := s.set(c, v); err != nil {
			return nil, nil, fmt.Errorf("invalid %s: %v", source, err)
		}
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.keys")
	}
	if c.LogKeyFile == "" {
		c.LogKeyFile = filepath.Join(c.DataDir, "log.key")
	}
	if c.CheckpointFile == "" {
		c.CheckpointFile = filepath.Join(c.DataDir, "checkpoints.log")
	}
	if c.MailDir == "" {
		c.MailDir = filepath.Join(c.DataDir, "mail")
	}
	if c.BaseURL == "" {
		c.BaseURL = baseURLOf(c.Addr)
	}
	c.SecureCookies = strings.HasPrefix(c.BaseURL, "https://")
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return nil, nil, errors.New("invalid RKC_METRICS_ADDR: must differ from RKC_ADDR, so the public listener never serves /metrics")
	}
	if !c.PasswordLogin && len(c.OIDCProviders) == 0 {
		return nil, nil, errors.New("invalid RKC_PASSWORD_LOGIN: with password sign-in off, RKC_OIDC_PROVIDERS must name a provider")
	}
	return c, fs.Args(), nil
}

// WriteUsage lists the subcommands and every setting with its variable and default.
func WriteUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: rkc [settings] [command]

Commands:
  serve              run the web service (default)
  migrate            apply database migrations and exit
  keys rotate        add a new master key to the key file and rewrap every case key under it
  keys rewrap        rewrap every case key under the active master key (after changing RKC_MASTER_KEYS)
  keys retire ID     remove an old master key that no case key uses any more
  audit verify       check the access log's tree against the newest signed checkpoint outside the
                     database; names a changed, removed or reordered entry, a truncated tail, a
                     rebuilt tree or a forged checkpoint
  audit prove ID     print the inclusion proof of access log entry ID in the newest checkpoint
  audit key          print the access log's public keys, the current one first, then the earlier
                     ones (to check checkpoints and signed files)
  audit key rotate [--out FILE]
                     hand the access log to a new signing key (stop the service first): the first
                     checkpoint is signed by both keys; the new keyring replaces the key file, or
                     goes to FILE when the key comes from RKC_LOG_SIGNING_KEY
  verify FILE [--key K]
                     check offline that an export or report came from RKC unaltered and is on the
                     access log (K: the public keys or a file holding them, as rkc audit key prints
                     them; default this installation's)
  purge [--dry-run]  purge cases and signals past their retention term now
  deadlines check    remind staff of cases due within 10 working days or overdue, once per deadline,
                     and of the four weeks to rule a complaint out (Awb 9:8 lid 3)
  outbox retry-dead  put every message given up on back in the mail queue
  grants list        the role requests waiting for a second person's confirmation
  grants confirm ID  confirm one as the operator, only when nobody in RKC can (the first admin's first colleague)
  healthcheck [ready] ask this instance (RKC_ADDR, on loopback) for /healthz or /readyz; exit 1 unless 200
  seed synthetic --cases N --years Y [--force]
                     fill the statistical record with a synthetic population (for the
                     report benchmark and for trying reports); refuses a database with
                     cases or statistics in it unless --force

Settings (flag, environment variable, default). Every variable may instead
be given as NAME_FILE, the path of a file holding the value (a container
secret such as /run/secrets/database_url); a trailing newline is dropped.
`)
	for _, s := range settings() {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  --%-20s %-26s %s\n      %s\n", s.flag, s.env, def, s.help)
	}
}

// flagValue remembers whether a flag was given at all, so that an explicit
// flag beats the environment even when it repeats the default. Boolean
// settings may be given bare (--demo).
type flagValue struct {
	value  string
	set    bool
	isBool bool
}

func (f *flagValue) String() string   { return f.value }
func (f *flagValue) IsBoolFlag() bool { return f.isBool }
func (f *flagValue) Set(v string) error {
	f.value, f.set = v, true
	return nil
}
