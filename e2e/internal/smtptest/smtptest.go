// Package smtptest is a real SMTP server on loopback (go-smtp) for the
// tests of the e2e module that deliver mail: notification delivery
// (e2e/notify) and the scale-out test's count of deliveries (e2e/scaleout).
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From      string
	Rcpt      []string
	Raw       []byte
	Header    mail.Header
	Subject   string
	Body      string // decoded
	MessageID string // without the angle brackets
}

// Options are what a Server asks of its clients; the zero value asks
// nothing (RKC_SMTP_TLS=none, no credentials).
type Options struct {
	TLS            *tls.Config // offered with STARTTLS when set
	User, Password string      // AUTH PLAIN required when set
}

// Server is a real SMTP server on loopback (go-smtp) that keeps what it
// accepts. It can be stopped and started again on the same address, and it
// can hold the next message before answering, to catch a client mid-delivery.
type Server struct {
	t    testing.TB
	addr string
	o    Options

	mu      sync.Mutex
	srv     *smtp.Server
	ln      net.Listener
	msgs    []Message
	changed chan struct{}
	hold    *Hold
}

// Hold, when armed (HoldNext), makes the next DATA wait after reading the
// message and before answering: Entered is closed then, and the answer is
// 451 (not accepted) once the test closes Release.
type Hold struct {
	Entered, Release chan struct{}
}

// New starts a server on a free loopback port, stopped when the test ends.
func New(t testing.TB, o Options) *Server {
	m := &Server{t: t, addr: "127.0.0.1:0", o: o, changed: make(chan struct{})}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// Start starts (or restarts) the server on its address.
func (m *Server) Start() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	// The port of a server just closed may take a moment to be free.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", m.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatalf("test SMTP server: %v", err)
	}
	m.addr = ln.Addr().String()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{m: m}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.TLSConfig = m.o.TLS
	s.ErrorLog = log.New(io.Discard, "", 0)
	m.srv, m.ln = s, ln
	go s.Serve(ln)
}

// Stop closes the server and every open connection.
func (m *Server) Stop() {
	m.mu.Lock()
	s, ln := m.srv, m.ln
	m.srv, m.ln = nil, nil
	m.mu.Unlock()
	if s != nil {
		// Closing the listener ourselves as well: Serve may not have
		// registered it with the server yet.
		ln.Close()
		s.Close()
	}
}

// Host says where the server listens.
func (m *Server) Host() string { h, _, _ := net.SplitHostPort(m.addr); return h }

// Port says on which port the server listens.
func (m *Server) Port() int {
	_, p, _ := net.SplitHostPort(m.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Env is the settings that send an instance's mail here (without TLS and
// credentials).
func (m *Server) Env() map[string]string {
	return map[string]string{"RKC_SMTP_HOST": m.Host(), "RKC_SMTP_PORT": strconv.Itoa(m.Port()), "RKC_SMTP_TLS": "none"}
}

// HoldNext arms the gate for the next message.
func (m *Server) HoldNext() *Hold {
	g := &Hold{Entered: make(chan struct{}), Release: make(chan struct{})}
	m.mu.Lock()
	m.hold = g
	m.mu.Unlock()
	return g
}

// Messages returns a copy of what was accepted so far.
func (m *Server) Messages() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.msgs...)
}

// WaitFor waits until at least n messages arrived, failing the test after
// the timeout.
func (m *Server) WaitFor(n int, timeout time.Duration) []Message {
	m.t.Helper()
	deadline := time.After(timeout)
	for {
		m.mu.Lock()
		got, ch := len(m.msgs), m.changed
		m.mu.Unlock()
		if got >= n {
			return m.Messages()
		}
		select {
		case <-ch:
		case <-deadline:
			m.t.Fatalf("test SMTP server: %d messages after %s, want %d", got, timeout, n)
		}
	}
}

type session struct {
	m      *Server
	authed bool
	from   string
	rcpt   []string
}

func (s *session) AuthMechanisms() []string {
	if s.m.o.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.m.o.User || pass != s.m.o.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.m.o.User != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	g := s.m.hold
	s.m.hold = nil
	s.m.mu.Unlock()
	if g != nil {
		close(g.Entered)
		<-g.Release
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "not accepted"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		if body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return err
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	rec := Message{From: s.from, Rcpt: append([]string(nil), s.rcpt...), Raw: raw, Header: msg.Header, Subject: subject,
		Body: string(body), MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>")}
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, rec)
	close(s.m.changed)
	s.m.changed = make(chan struct{})
	s.m.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.from, s.rcpt = "", nil }

func (s *session) Logout() error { return nil }

// SelfSigned returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func SelfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rkc test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}
