package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// AccountMailer sends the account e-mails (invitations, password resets)
// straight through a transport, outside the outbox: their links are
// secrets, which the outbox would keep in the database until sent, and a
// message lost to a crash costs only a new request. Each message goes in
// the background, on a connection of its own, so that an answer does not
// take longer for an address that has an account than for one that has not.
type AccountMailer struct {
	// NewTransport opens a transport for one message.
	NewTransport func() (Transport, error)
	From         *mail.Address
	Log          *slog.Logger
}

// NewAccountMailer returns the mailer of the configured transport.
func NewAccountMailer(newTransport func() (Transport, error), from string, log *slog.Logger) (*AccountMailer, error) {
	f, err := ParseFrom(from)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &AccountMailer{NewTransport: newTransport, From: f, Log: log}, nil
}

// RenderAccountMail writes an account e-mail in its language, its times in
// the committee's time zone.
func RenderAccountMail(m accounts.Mail) Message {
	lang := i18n.Lang(m.Lang)
	expires := ""
	if !m.Expires.IsZero() {
		t := m.Expires.In(calendar.Zone())
		expires = i18n.Date(lang, t) + " " + t.Format("15:04")
	}
	args := []any{"link", m.Link, "expires", expires, "committee", i18n.T(lang, "committee.name")}
	body := i18n.T(lang, "mail."+m.Kind+".body", args...) + "\n\n-- \n" + i18n.T(lang, "mail.account.footer", args...) + "\n"
	return Message{ID: uuid.New(), To: m.To, Lang: lang, Subject: i18n.T(lang, "mail."+m.Kind+".subject", args...), Body: body, Date: time.Now()}
}

// SendAccountMail renders the message and sends it in the background.
func (a *AccountMailer) SendAccountMail(_ context.Context, m accounts.Mail) error {
	msg := RenderAccountMail(m)
	go func() {
		if err := a.deliver(msg); err != nil {
			a.Log.Error("account e-mail not delivered", "kind", m.Kind, "error_type", errorType(err))
		}
	}()
	return nil
}

func (a *AccountMailer) deliver(m Message) error {
	t, err := a.NewTransport()
	if err != nil {
		return err
	}
	defer t.Close()
	gm, err := m.mailMsg(a.From)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := t.Send(ctx, m.ID, m.Date, gm); err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	return nil
}

// AccountMailerFromConfig builds the account mailer of the binary: SMTP
// when a host is set, else the mail folder, as for the outbox.
func AccountMailerFromConfig(cfg *config.Config, log *slog.Logger) (*AccountMailer, error) {
	newTransport := func() (Transport, error) {
		if cfg.SMTPHost == "" {
			return &Folder{Dir: cfg.MailDir}, nil
		}
		return NewSMTP(SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS,
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword})
	}
	return NewAccountMailer(newTransport, cfg.MailFrom, log)
}
