package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"
)

// Transport delivers rendered messages. A transport is used by one worker
// at a time; it may keep a connection open between Send calls, which Close
// ends.
type Transport interface {
	// Send delivers msg, identified by the outbox row id; it returns once the
	// message was accepted (the SMTP server's 250) or has failed.
	Send(ctx context.Context, id uuid.UUID, date time.Time, msg *gomail.Msg) error
	// Close ends any connection kept open.
	Close() error
	// String says where mail goes, for the start-up log; never a password.
	String() string
}

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"     // plain text: only for a relay on the same host or network
	TLSStartTLS = "starttls" // upgrade with STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// SMTPConfig configures the SMTP transport.
type SMTPConfig struct {
	Host     string
	Port     int
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit
	Username string // empty: no authentication
	Password string
	Timeout  time.Duration // per connection and command; default 30s
	// TLSConfig overrides the TLS settings (tests trust their own
	// certificate); nil verifies the server against the system roots.
	TLSConfig *tls.Config
}

// SMTP delivers over SMTP with go-mail, keeping one connection open for a
// burst of messages.
type SMTP struct {
	cfg    SMTPConfig
	client *gomail.Client
	open   bool
}

// NewSMTP checks the configuration and returns the transport; it does not
// connect until the first message.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(cfg.Timeout)}
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP TLS mode %q: want none, starttls or tls", cfg.TLS)
	}
	if cfg.TLSConfig != nil {
		tc := cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = cfg.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers and
		// never sends a password in the clear over an unencrypted connection.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP: %w", err)
	}
	return &SMTP{cfg: cfg, client: c}, nil
}

// Send implements Transport. A connection that went stale between bursts
// is noticed before MAIL FROM (go-mail's NOOP check), so redialling once
// cannot send a message twice.
func (s *SMTP) Send(ctx context.Context, _ uuid.UUID, _ time.Time, msg *gomail.Msg) error {
	reused := s.open
	if err := s.dial(ctx); err != nil {
		return err
	}
	err := s.client.Send(msg)
	var se *gomail.SendError
	if err != nil && reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
		s.Close()
		if err := s.dial(ctx); err != nil {
			return err
		}
		err = s.client.Send(msg)
	}
	if err != nil {
		// After a failure the session state is unknown; start afresh.
		s.Close()
	}
	return err
}

func (s *SMTP) dial(ctx context.Context) error {
	if s.open {
		return nil
	}
	if err := s.client.DialWithContext(ctx); err != nil {
		return &dialError{err}
	}
	s.open = true
	return nil
}

// Close implements Transport.
func (s *SMTP) Close() error {
	if !s.open {
		return nil
	}
	s.open = false
	return s.client.Close()
}

func (s *SMTP) String() string {
	mode := s.cfg.TLS
	if mode == "" {
		mode = TLSStartTLS
	}
	return fmt.Sprintf("smtp://%s (tls %s)", net.JoinHostPort(s.cfg.Host, fmt.Sprint(s.cfg.Port)), mode)
}

// dialError marks a failure to connect, greet, secure or authenticate.
type dialError struct{ err error }

func (e *dialError) Error() string { return "SMTP connection: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// Folder writes each message as an .eml file into a folder: the embedded
// default when no SMTP server is configured, for development and
// demonstrations. The file is named after the outbox row and written under
// a temporary name first, so a message written again after a crash replaces
// itself instead of appearing twice.
type Folder struct {
	Dir string
}

// Send implements Transport.
func (f *Folder) Send(_ context.Context, id uuid.UUID, date time.Time, msg *gomail.Msg) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return &folderError{err}
	}
	name := date.UTC().Format("20060102T150405Z") + "-" + id.String() + ".eml"
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*")
	if err != nil {
		return &folderError{err}
	}
	defer os.Remove(tmp.Name())
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return &folderError{err}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return &folderError{err}
	}
	if err := tmp.Close(); err != nil {
		return &folderError{err}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.Dir, name)); err != nil {
		return &folderError{err}
	}
	return nil
}

// Close implements Transport.
func (f *Folder) Close() error { return nil }

func (f *Folder) String() string { return "folder " + f.Dir }

type folderError struct{ err error }

func (e *folderError) Error() string { return "mail folder: " + e.err.Error() }
func (e *folderError) Unwrap() error { return e.err }

// errorType names the kind of a delivery failure for the outbox row and the
// log. Error texts are never stored: an SMTP server's answer may quote the
// address it refused.
func errorType(err error) string {
	var (
		se  *gomail.SendError
		de  *dialError
		fe  *folderError
		tpe *textproto.Error
		ne  net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errAddress):
		return "bad_address"
	case errors.As(err, &fe):
		return "folder"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &se):
		return "smtp_" + sendPhase(se.Reason) + "_" + map[bool]string{true: "temporary", false: "permanent"}[se.IsTemp()]
	case errors.As(err, &de):
		var (
			rhe  tls.RecordHeaderError
			ae   tls.AlertError
			cve  *tls.CertificateVerificationError
			oe   *net.OpError
			auth bool
		)
		if errors.As(err, &tpe) {
			auth = tpe.Code == 530 || tpe.Code == 534 || tpe.Code == 535 || tpe.Code == 538
		}
		switch {
		case auth || strings.Contains(err.Error(), "AUTH"):
			return "smtp_auth"
		case errors.As(err, &rhe) || errors.As(err, &ae) || errors.As(err, &cve) || strings.Contains(err.Error(), "STARTTLS") || strings.Contains(err.Error(), "tls:"):
			return "smtp_tls"
		case errors.As(err, &oe):
			return "smtp_connect"
		}
		return "smtp_session"
	}
	return "other"
}

func sendPhase(r gomail.SendErrReason) string {
	switch r {
	case gomail.ErrSMTPMailFrom:
		return "mail"
	case gomail.ErrSMTPRcptTo:
		return "rcpt"
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
		return "data"
	case gomail.ErrConnCheck:
		return "conn"
	}
	return "send"
}
