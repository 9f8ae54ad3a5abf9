package notify_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/e2e/internal/smtptest"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/testing/notifytest"
)

// worker options fast enough for tests.
func testOptions(gdb *gorm.DB, t notify.Transport) notify.WorkerOptions {
	return notify.WorkerOptions{DB: gdb, Transport: t, From: "RKC <noreply@rkc.test>", BaseURL: "https://rkc.test",
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, PollInterval: 20 * time.Millisecond, MaxAttempts: 100}
}

func smtpTo(t testing.TB, m *smtptest.Server) *notify.SMTP {
	t.Helper()
	tr, err := notify.NewSMTP(notify.SMTPConfig{Host: m.Host(), Port: m.Port(), TLS: notify.TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// runWorker runs w until the test ends.
func runWorker(t *testing.T, w *notify.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// newWorker runs a worker on the service's database delivering to m.
func newWorker(t *testing.T, c *notifytest.Cast, m *smtptest.Server) *notify.Worker {
	t.Helper()
	w, err := notify.NewWorker(testOptions(c.E.App.DB, smtpTo(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkOnce checks that the messages are exactly the outbox rows, each
// received once, with the Message-ID naming the row.
func checkOnce(t *testing.T, c *notifytest.Cast, msgs []smtptest.Message) {
	t.Helper()
	rows := c.Outbox(t)
	seen := map[string]int{}
	for _, m := range msgs {
		id, _, _ := cutAt(m.MessageID)
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s received %d times", id, n)
		}
		if _, ok := rows[id]; !ok {
			t.Errorf("message %s is no outbox row", id)
		}
	}
	for id, r := range rows {
		if seen[id] == 0 {
			t.Errorf("outbox row %s (%s, %s) never arrived", id, r.Kind, r.Status)
		}
		if r.Status != "sent" {
			t.Errorf("outbox row %s is %s, want sent", id, r.Status)
		}
	}
}

func cutAt(messageID string) (string, string, bool) {
	for i := 0; i < len(messageID); i++ {
		if messageID[i] == '@' {
			return messageID[:i], messageID[i+1:], true
		}
	}
	return messageID, "", false
}

// counting counts what a transport delivered.
type counting struct {
	notify.Transport
	n atomic.Int64
}

func (c *counting) Send(ctx context.Context, id uuid.UUID, date time.Time, msg *gomail.Msg) error {
	err := c.Transport.Send(ctx, id, date, msg)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
