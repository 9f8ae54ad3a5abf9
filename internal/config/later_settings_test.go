package config

import (
	"strings"
	"testing"
	"time"
)

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
