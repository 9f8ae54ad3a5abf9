package scaleout_test

import (
	"io"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the catcher accepted.
type Mail struct {
	From      string
	To        []string
	MessageID string
	Subject   string
}

// MailCatcher is an SMTP server on loopback that keeps every message, so
// that a test can count deliveries (RKC_SMTP_TLS=none).
type MailCatcher struct {
	Host string
	Port int
	srv  *smtp.Server
	mu   sync.Mutex
	msgs []Mail
}

// newMailCatcher starts a catcher, stopped when the test ends.
func newMailCatcher(t testing.TB) *MailCatcher {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &MailCatcher{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &catcherSession{m: m}, nil }))
	m.srv.Domain = "localhost"
	m.srv.AllowInsecureAuth = true
	m.srv.ReadTimeout, m.srv.WriteTimeout = 30*time.Second, 30*time.Second
	go m.srv.Serve(ln)
	t.Cleanup(func() { m.srv.Close() })
	return m
}

// Env is the settings that send an instance's mail here.
func (m *MailCatcher) Env() map[string]string {
	return map[string]string{"RKC_SMTP_HOST": m.Host, "RKC_SMTP_PORT": strconv.Itoa(m.Port), "RKC_SMTP_TLS": "none"}
}

// Messages returns what was accepted so far.
func (m *MailCatcher) Messages() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Mail(nil), m.msgs...)
}

type catcherSession struct {
	m    *MailCatcher
	from string
	to   []string
}

func (s *catcherSession) Reset()        { s.from, s.to = "", nil }
func (s *catcherSession) Logout() error { return nil }
func (s *catcherSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *catcherSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *catcherSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, Mail{From: s.from, To: s.to, MessageID: msg.Header.Get("Message-Id"), Subject: msg.Header.Get("Subject")})
	s.m.mu.Unlock()
	return nil
}
