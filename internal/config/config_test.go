package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env turns a map into the getenv function Load takes, so tests never touch
// the real environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func load(t *testing.T, args []string, e map[string]string) (*Config, []string) {
	t.Helper()
	var usage bytes.Buffer
	c, rest, err := Load(args, env(e), &usage)
	if err != nil {
		t.Fatalf("Load(%q, %v): %v", args, e, err)
	}
	if usage.Len() > 0 {
		t.Errorf("Load without --help wrote usage:\n%s", usage.String())
	}
	return c, rest
}

// TestDefaults pins the documented defaults: an operator who sets nothing
// gets a service on :8080 with its own database under ./var.
func TestDefaults(t *testing.T) {
	c, rest := load(t, nil, nil)
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"DatabaseURL", c.DatabaseURL, ""},
		{"Addr", c.Addr, ":8080"},
		{"DataDir", c.DataDir, "./var"},
		{"BaseURL", c.BaseURL, "http://localhost:8080"},
		{"LogLevel", c.LogLevel, "info"},
		{"ShutdownTimeout", c.ShutdownTimeout, 15 * time.Second},
		{"Demo", c.Demo, false},
		{"MasterKeyFile", c.MasterKeyFile, "var/master.keys"},
		{"SecureCookies", c.SecureCookies, false},
		{"SessionTTL", c.SessionTTL, 12 * time.Hour},
		{"RetentionYears", c.RetentionYears, 5},
		{"CloseAfterDays", c.CloseAfterDays, 42},
		{"LateComplaintYears", c.LateComplaintYears, 1},
		{"MaxUploadBytes", c.MaxUploadBytes, int64(10 << 20)},
	} {
		if tt.got != tt.want {
			t.Errorf("default %s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if len(rest) != 0 {
		t.Errorf("rest = %q, want none", rest)
	}
}

// TestPrecedence checks default < environment < flag for every kind of
// setting, including a flag that repeats the default: an explicit flag must
// win even then.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		get  func(*Config) any
		want any
	}{
		{"env beats default", nil, map[string]string{"RKC_ADDR": "127.0.0.1:9000"}, func(c *Config) any { return c.Addr }, "127.0.0.1:9000"},
		{"flag beats env", []string{"--addr", ":9001"}, map[string]string{"RKC_ADDR": "127.0.0.1:9000"}, func(c *Config) any { return c.Addr }, ":9001"},
		{"flag equal to default beats env", []string{"--addr=:8080"}, map[string]string{"RKC_ADDR": ":9000"}, func(c *Config) any { return c.Addr }, ":8080"},
		{"empty env is unset", nil, map[string]string{"RKC_ADDR": ""}, func(c *Config) any { return c.Addr }, ":8080"},
		{"database url from env", nil, map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/rkc"}, func(c *Config) any { return c.DatabaseURL }, "postgres://u:p@db:5432/rkc"},
		{"database url with socket host", nil, map[string]string{"DATABASE_URL": "postgres:///rkc?host=/run/postgresql"}, func(c *Config) any { return c.DatabaseURL }, "postgres:///rkc?host=/run/postgresql"},
		{"duration from env", nil, map[string]string{"RKC_SHUTDOWN_TIMEOUT": "2s"}, func(c *Config) any { return c.ShutdownTimeout }, 2 * time.Second},
		{"int flag beats env", []string{"-retention-years", "7"}, map[string]string{"RKC_RETENTION_YEARS": "9"}, func(c *Config) any { return c.RetentionYears }, 7},
		{"bare --demo", []string{"--demo"}, nil, func(c *Config) any { return c.Demo }, true},
		{"bare --demo beats env false", []string{"--demo"}, map[string]string{"RKC_DEMO": "false"}, func(c *Config) any { return c.Demo }, true},
		{"--demo=false beats env true", []string{"--demo=false"}, map[string]string{"RKC_DEMO": "true"}, func(c *Config) any { return c.Demo }, false},
		{"demo from env", nil, map[string]string{"RKC_DEMO": "1"}, func(c *Config) any { return c.Demo }, true},
		{"master key file follows data dir", nil, map[string]string{"RKC_DATA_DIR": "/srv/rkc"}, func(c *Config) any { return c.MasterKeyFile }, "/srv/rkc/master.keys"},
		{"explicit master key file", []string{"--master-key-file", "/k"}, map[string]string{"RKC_DATA_DIR": "/srv/rkc"}, func(c *Config) any { return c.MasterKeyFile }, "/k"},
		{"https base url means secure cookies", nil, map[string]string{"RKC_BASE_URL": "https://rkc.example/"}, func(c *Config) any { return c.SecureCookies }, true},
		{"base url follows the listen port", nil, map[string]string{"RKC_ADDR": ":9000"}, func(c *Config) any { return c.BaseURL }, "http://localhost:9000"},
		{"base url follows the listen host", nil, map[string]string{"RKC_ADDR": "127.0.0.1:9123"}, func(c *Config) any { return c.BaseURL }, "http://127.0.0.1:9123"},
		{"base url of a wildcard host", []string{"--addr", "0.0.0.0:8443"}, nil, func(c *Config) any { return c.BaseURL }, "http://localhost:8443"},
		{"base url of an IPv6 listen address", nil, map[string]string{"RKC_ADDR": "[::1]:9000"}, func(c *Config) any { return c.BaseURL }, "http://[::1]:9000"},
		{"set base url beats the listen address", nil, map[string]string{"RKC_ADDR": ":9000", "RKC_BASE_URL": "https://rkc.example"}, func(c *Config) any { return c.BaseURL }, "https://rkc.example"},
		{"close after days", nil, map[string]string{"RKC_CLOSE_AFTER_DAYS": "14"}, func(c *Config) any { return c.CloseAfterDays }, 14},
		{"base url loses trailing slash", nil, map[string]string{"RKC_BASE_URL": "https://rkc.example/"}, func(c *Config) any { return c.BaseURL }, "https://rkc.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := load(t, tt.args, tt.env)
			if got := tt.get(c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCommand checks that the command and its own arguments come back
// untouched: flags after the command belong to it (purge --dry-run).
func TestCommand(t *testing.T) {
	c, rest := load(t, []string{"--demo", "migrate"}, nil)
	if strings.Join(rest, " ") != "migrate" || !c.Demo {
		t.Errorf("--demo migrate: rest %q, demo %v", rest, c.Demo)
	}
	_, rest = load(t, []string{"purge", "--dry-run"}, nil)
	if strings.Join(rest, " ") != "purge --dry-run" {
		t.Errorf("purge --dry-run: rest %q", rest)
	}
}

// TestInvalid checks that a bad value is refused with a message that names
// the setting (so the operator knows what to fix) and never repeats the
// value, which for DATABASE_URL may carry a password into logs.
func TestInvalid(t *testing.T) {
	const secret = "Sentinel-Pa55word"
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		names string // what the error must name
	}{
		{"database url not a url", nil, map[string]string{"DATABASE_URL": "nonsense-" + secret}, "DATABASE_URL"},
		{"database url wrong scheme", nil, map[string]string{"DATABASE_URL": "mysql://rkc:" + secret + "@db/rkc"}, "DATABASE_URL"},
		{"database url unparsable", nil, map[string]string{"DATABASE_URL": "postgres://rkc:" + secret + "@db:port/rkc"}, "DATABASE_URL"},
		{"database url without host", nil, map[string]string{"DATABASE_URL": "postgres://rkc:" + secret + "@/rkc"}, "DATABASE_URL"},
		{"database url flag", []string{"--database-url", "http://rkc:" + secret + "@db/rkc"}, nil, "--database-url"},
		{"addr", nil, map[string]string{"RKC_ADDR": "8080"}, "RKC_ADDR"},
		{"data dir", []string{"--data-dir="}, nil, "--data-dir"},
		{"base url", nil, map[string]string{"RKC_BASE_URL": "localhost:8080"}, "RKC_BASE_URL"},
		{"close after zero days", nil, map[string]string{"RKC_CLOSE_AFTER_DAYS": "0"}, "RKC_CLOSE_AFTER_DAYS"},
		{"log level", nil, map[string]string{"RKC_LOG_LEVEL": "loud"}, "RKC_LOG_LEVEL"},
		{"duration", nil, map[string]string{"RKC_SHUTDOWN_TIMEOUT": "15"}, "RKC_SHUTDOWN_TIMEOUT"},
		{"negative duration", nil, map[string]string{"RKC_SESSION_TTL": "-1h"}, "RKC_SESSION_TTL"},
		{"demo", nil, map[string]string{"RKC_DEMO": "ja"}, "RKC_DEMO"},
		{"demo flag", []string{"--demo=maybe"}, nil, "--demo"},
		{"int out of range", nil, map[string]string{"RKC_RETENTION_YEARS": "0"}, "RKC_RETENTION_YEARS"},
		{"upload size", nil, map[string]string{"RKC_MAX_UPLOAD_BYTES": "10MB"}, "RKC_MAX_UPLOAD_BYTES"},
		{"unknown flag", []string{"--colour"}, nil, "colour"},
		{"security contact without scheme", nil, map[string]string{"RKC_SECURITY_CONTACT": "security@rkc.example"}, "RKC_SECURITY_CONTACT"},
		{"security contact over http", nil, map[string]string{"RKC_SECURITY_CONTACT": "mailto:a@rkc.example, http://rkc.example/report"}, "RKC_SECURITY_CONTACT"},
		{"security expiry", nil, map[string]string{"RKC_SECURITY_EXPIRES": "next year"}, "RKC_SECURITY_EXPIRES"},
		{"security policy over http", nil, map[string]string{"RKC_SECURITY_POLICY": "http://rkc.example/cvd"}, "RKC_SECURITY_POLICY"},
		{"security languages", nil, map[string]string{"RKC_SECURITY_LANGUAGES": "Nederlands!"}, "RKC_SECURITY_LANGUAGES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var usage bytes.Buffer
			_, _, err := Load(tt.args, env(tt.env), &usage)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.names) {
				t.Errorf("error %q does not name %s", msg, tt.names)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error %q echoes the secret", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			if usage.Len() > 0 {
				t.Errorf("an error also wrote the usage:\n%s", usage.String())
			}
		})
	}
}

// TestSecurityTxtSettings: the security.txt settings are read as lists and
// times; by default there is no contact (the file is not served) and the
// languages are Dutch and English.
func TestSecurityTxtSettings(t *testing.T) {
	c, _ := load(t, nil, nil)
	if c.SecurityContact != nil || !c.SecurityExpires.IsZero() || c.SecurityPolicy != "" || strings.Join(c.SecurityLanguages, ",") != "nl,en" {
		t.Errorf("defaults: %q %v %q %q", c.SecurityContact, c.SecurityExpires, c.SecurityPolicy, c.SecurityLanguages)
	}
	c, _ = load(t, nil, map[string]string{"RKC_SECURITY_CONTACT": " mailto:security@rkc.example , https://rkc.example/report,tel:+31-70-1234567",
		"RKC_SECURITY_EXPIRES": "2027-06-01", "RKC_SECURITY_POLICY": "https://rkc.example/cvd", "RKC_SECURITY_LANGUAGES": "nl"})
	if got := strings.Join(c.SecurityContact, " "); got != "mailto:security@rkc.example https://rkc.example/report tel:+31-70-1234567" {
		t.Errorf("contact %q", got)
	}
	if !c.SecurityExpires.Equal(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)) || c.SecurityPolicy != "https://rkc.example/cvd" || strings.Join(c.SecurityLanguages, ",") != "nl" {
		t.Errorf("expires %v, policy %q, languages %q", c.SecurityExpires, c.SecurityPolicy, c.SecurityLanguages)
	}
	c, _ = load(t, nil, map[string]string{"RKC_SECURITY_EXPIRES": "2027-06-01T12:00:00+02:00"})
	if !c.SecurityExpires.Equal(time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("expires %v", c.SecurityExpires)
	}
}

// TestHelp checks that --help writes the usage once, lists every setting by
// flag and variable, and is told apart from an error (the binary exits 0).
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var usage bytes.Buffer
		c, _, err := Load([]string{arg}, env(nil), &usage)
		if !errors.Is(err, ErrHelp) || c != nil {
			t.Fatalf("Load(%s) = %v, %v; want ErrHelp", arg, c, err)
		}
		out := usage.String()
		if n := strings.Count(out, "Usage:"); n != 1 {
			t.Errorf("%s: usage written %d times", arg, n)
		}
		for _, s := range settings() {
			if !strings.Contains(out, "--"+s.flag) || !strings.Contains(out, s.env) {
				t.Errorf("%s: usage lacks --%s / %s", arg, s.flag, s.env)
			}
		}
		for _, cmd := range []string{"serve", "migrate", "./var", ":8080"} {
			if !strings.Contains(out, cmd) {
				t.Errorf("%s: usage lacks %q", arg, cmd)
			}
		}
	}
}

// TestSettingsAreDocumented keeps the table honest as settings are added:
// RKC_ prefix (DATABASE_URL is the conventional exception), a help text, and
// a default the setting itself accepts.
func TestSettingsAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range settings() {
		if s.env != "DATABASE_URL" && !strings.HasPrefix(s.env, "RKC_") {
			t.Errorf("%s: environment variables start with RKC_", s.env)
		}
		if s.help == "" {
			t.Errorf("%s has no help text", s.env)
		}
		if seen[s.env] || seen[s.flag] {
			t.Errorf("%s / --%s defined twice", s.env, s.flag)
		}
		seen[s.env], seen[s.flag] = true, true
		if err := s.set(&Config{}, s.def); err != nil {
			t.Errorf("%s: default %q is refused: %v", s.env, s.def, err)
		}
	}
}

// TestFileVariants reads a setting from NAME_FILE, as compose and
// Kubernetes mount secrets, and refuses NAME and NAME_FILE together.
func TestFileVariants(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "database_url")
	if err := os.WriteFile(secret, []byte("postgres://rkc:s3cret@db:5432/rkc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := load(t, nil, map[string]string{"DATABASE_URL_FILE": secret})
	if c.DatabaseURL != "postgres://rkc:s3cret@db:5432/rkc" {
		t.Errorf("DatabaseURL = %q from DATABASE_URL_FILE", c.DatabaseURL)
	}

	_, _, err := Load(nil, env(map[string]string{"DATABASE_URL_FILE": secret, "DATABASE_URL": "postgres://x@y/z"}), nil)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("both set: err = %v, want a refusal", err)
	}
	_, _, err = Load(nil, env(map[string]string{"DATABASE_URL_FILE": filepath.Join(dir, "missing")}), nil)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL_FILE") {
		t.Errorf("missing file: err = %v, want one naming DATABASE_URL_FILE", err)
	}
	// A bad value read from a file is named by the variable, never echoed.
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("mysql://root:hunter2@db/rkc"), 0o600)
	_, _, err = Load(nil, env(map[string]string{"DATABASE_URL_FILE": bad}), nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "DATABASE_URL_FILE") {
		t.Errorf("bad value: err = %v, want one naming the variable without the value", err)
	}
}

// TestTrustedProxies reads the proxy ranges whose X-Forwarded-For is
// believed, and refuses anything that is not a range.
func TestTrustedProxies(t *testing.T) {
	c, _ := load(t, nil, map[string]string{"RKC_TRUSTED_PROXIES": "10.244.0.0/16, 192.0.2.7/32"})
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.244.0.0/16" || c.TrustedProxies[1].String() != "192.0.2.7/32" {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
	if c, _ := load(t, nil, nil); c.TrustedProxies != nil {
		t.Errorf("default TrustedProxies = %v, want none", c.TrustedProxies)
	}
	if _, _, err := Load(nil, env(map[string]string{"RKC_TRUSTED_PROXIES": "10.0.0.1"}), nil); err == nil {
		t.Error("an address without a prefix length was accepted")
	}
}

// TestMailAndIdentityDefaults pins the documented defaults of the settings
// for mail, scheduled jobs and sign-in: an operator who sets nothing gets
// mail in a folder, hourly deadline checks, and a second factor for staff.
func TestMailAndIdentityDefaults(t *testing.T) {
	c, _ := load(t, nil, nil)
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"SignalRetentionYears", c.SignalRetentionYears, 2},
		{"PurgeInterval", c.PurgeInterval, 24 * time.Hour},
		{"SMTPHost", c.SMTPHost, ""},
		{"SMTPPort", c.SMTPPort, 587},
		{"SMTPTLS", c.SMTPTLS, "starttls"},
		{"MailDir", c.MailDir, "var/mail"},
		{"MailMaxAttempts", c.MailMaxAttempts, 12},
		{"DeadlineWatchInterval", c.DeadlineWatchInterval, time.Hour},
		{"PasswordLogin", c.PasswordLogin, true},
		{"StaffSecondFactor", c.StaffSecondFactor, true},
		{"SessionIdle", c.SessionIdle, 20 * time.Minute},
		{"ReauthWindow", c.ReauthWindow, 5 * time.Minute},
		{"AccountUnusedDays", c.AccountUnusedDays, 90},
		{"InvitationTTL", c.InvitationTTL, 168 * time.Hour},
		{"PasswordResetTTL", c.PasswordResetTTL, time.Hour},
	} {
		if tt.got != tt.want {
			t.Errorf("default %s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestMailAndIdentityFromEnvironment: every such setting can be given in
// the environment, and a nonsensical value is refused by name, never echoed.
func TestMailAndIdentityFromEnvironment(t *testing.T) {
	c, _ := load(t, nil, map[string]string{
		"RKC_SMTP_HOST": "smtp.rijk.example", "RKC_SMTP_PORT": "465", "RKC_SMTP_TLS": "tls",
		"RKC_MAIL_DIR": "/srv/mail", "RKC_STAFF_SECOND_FACTOR": "false", "RKC_REAUTH_WINDOW": "10m",
	})
	if c.SMTPHost != "smtp.rijk.example" || c.SMTPPort != 465 || c.SMTPTLS != "tls" || c.MailDir != "/srv/mail" ||
		c.StaffSecondFactor || c.ReauthWindow != 10*time.Minute {
		t.Fatalf("settings from the environment not taken: %+v", c)
	}
	for name, value := range map[string]string{
		"RKC_SMTP_TLS":            "sometimes-secret-value",
		"RKC_SMTP_PORT":           "port-secret-value",
		"RKC_REAUTH_WINDOW":       "soon-secret-value",
		"RKC_STAFF_SECOND_FACTOR": "maybe-secret-value",
	} {
		_, _, err := Load(nil, env(map[string]string{name: value}), nil)
		if err == nil {
			t.Errorf("%s=%s accepted", name, value)
			continue
		}
		if !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("%s: error %q should name the setting and not echo its value", name, err)
		}
	}
}
