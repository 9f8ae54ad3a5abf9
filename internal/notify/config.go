package notify

import (
	"log/slog"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/config"
)

// TransportFromConfig returns the transport the settings ask for: SMTP when
// a host is set, else the mail folder, and says at start where mail goes.
func TransportFromConfig(cfg *config.Config, log *slog.Logger) (Transport, error) {
	if cfg.SMTPHost == "" {
		f := &Folder{Dir: cfg.MailDir}
		log.Warn("no SMTP server configured (RKC_SMTP_HOST): e-mail is not sent but written as .eml files into the mail folder",
			"mail_dir", cfg.MailDir)
		return f, nil
	}
	t, err := NewSMTP(SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS,
		Username: cfg.SMTPUsername, Password: cfg.SMTPPassword})
	if err != nil {
		return nil, err
	}
	log.Info("e-mail goes out over SMTP", "server", t.String(), "authenticated", cfg.SMTPUsername != "")
	return t, nil
}

// WorkerFromConfig builds the outbox worker of the binary.
func WorkerFromConfig(cfg *config.Config, log *slog.Logger, db *gorm.DB) (*Worker, error) {
	t, err := TransportFromConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	return NewWorker(WorkerOptions{DB: db, Transport: t, Log: log, From: cfg.MailFrom, BaseURL: cfg.BaseURL,
		MaxAttempts: cfg.MailMaxAttempts})
}
