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

	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// cast is one service on a fresh database with a person per part.
type cast struct {
	e            *apptest.Env
	complainant  *apptest.Person // BZK, reads English
	complainant2 *apptest.Person // FIN
	adviser      *apptest.Person
	respondent   *apptest.Person
	secretary    *apptest.Person
	chair        *apptest.Person
	chair2       *apptest.Person // a second chair, who declares conflicts
	member       *apptest.Person
	authority    *apptest.Person // BZK
	authorityFIN *apptest.Person
}

func newCast(t *testing.T) *cast {
	t.Helper()
	e := apptest.New(t)
	g := apptest.Grant
	c := &cast{
		e:            e,
		complainant:  e.Person("klager@test.rkc", "BZK", g("complainant", "BZK")),
		complainant2: e.Person("klager2@test.rkc", "FIN", g("complainant", "FIN")),
		adviser:      e.Person("vertrouwenspersoon@test.rkc", "BZK", g("adviser", "BZK")),
		respondent:   e.Person("aangeklaagde@test.rkc", "BZK", g("respondent", "BZK")),
		secretary:    e.Person("secretaris@test.rkc", "BZK", g("secretary", "*")),
		chair:        e.Person("voorzitter@test.rkc", "OCW", g("chair", "*")),
		chair2:       e.Person("voorzitter2@test.rkc", "SZW", g("chair", "*")),
		member:       e.Person("lid@test.rkc", "JenV", g("member", "*")),
		authority:    e.Person("gezag-bzk@test.rkc", "BZK", g("authority", "BZK")),
		authorityFIN: e.Person("gezag-fin@test.rkc", "FIN", g("authority", "FIN")),
	}
	c.exec(t, `UPDATE persons SET language = 'en' WHERE id = ?`, c.complainant.ID)
	return c
}

func (c *cast) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := c.e.App.DB.Exec(q, args...).Error; err != nil {
		t.Fatal(err)
	}
}

func (c *cast) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := c.e.App.DB.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// file files body as p and returns the case id.
func (c *cast) file(t *testing.T, p *apptest.Person, body map[string]any) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	c.e.Must(201, p, "POST", "/api/v1/cases", body).Decode(t, &out)
	return out.ID
}

// step posts a step of case id as p and expects 200 or 201.
func (c *cast) step(t *testing.T, p *apptest.Person, id, path string, body any) *apptest.Response {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := c.e.Do(p, "POST", "/api/v1/cases/"+id+"/"+path, body)
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("%s: status %d: %s", path, r.Status, r.Body)
	}
	return r
}

// complaint is a complaint against a respondent at BZK; every free text
// carries the sentinel.
func complaint(sentinel string) map[string]any {
	return map[string]any{
		"category":       "bullying",
		"description":    "Beschrijving " + sentinel,
		"elements":       []string{"Eerste onderdeel " + sentinel, "Tweede onderdeel " + sentinel},
		"incident_when":  "Voorjaar " + sentinel,
		"incident_where": "Den Haag " + sentinel,
		"respondent":     map[string]any{"name": "A. " + sentinel, "ministry": "BZK", "function": "Hoofd " + sentinel},
		"witnesses":      "Getuige " + sentinel,
		"wished_outcome": "Excuses " + sentinel,
		"contact":        "06-" + sentinel,
	}
}

// investigate admits case id, composes the panel and informs the respondent.
func (c *cast) investigate(t *testing.T, id string) {
	t.Helper()
	c.step(t, c.chair, id, "admissibility", map[string]any{"admissible": true})
	c.step(t, c.chair, id, "panel", map[string]any{"member_ids": []string{c.member.ID.String(), c.chair.ID.String()}})
	c.step(t, c.secretary, id, "investigation", map[string]any{"respondent_email": c.respondent.Email})
}

// worker options fast enough for tests.
func testOptions(gdb *gorm.DB, t notify.Transport) notify.WorkerOptions {
	return notify.WorkerOptions{DB: gdb, Transport: t, From: "RKC <noreply@rkc.test>", BaseURL: "https://rkc.test",
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, PollInterval: 20 * time.Millisecond, MaxAttempts: 100}
}

func smtpTo(t testing.TB, m *mailServer) *notify.SMTP {
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
func newWorker(t *testing.T, c *cast, m *mailServer) *notify.Worker {
	t.Helper()
	w, err := notify.NewWorker(testOptions(c.e.App.DB, smtpTo(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// openPool opens a connection pool of its own on the test database, as
// another instance of the binary would.
func openPool(t *testing.T, url string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), url, db.AsAppRole())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// outboxRow is a row of the outbox as the tests read it.
type outboxRow struct {
	ID            uuid.UUID
	Kind          string
	CaseID        uuid.UUID
	RecipientID   uuid.UUID
	Language      string
	Status        string
	Attempts      int
	LastErrorType *string
}

func (c *cast) outbox(t *testing.T) map[string]outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := c.e.App.DB.Raw(`SELECT id, kind, case_id, recipient_id, language, status, attempts, last_error_type FROM outbox`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]outboxRow, len(rows))
	for _, r := range rows {
		out[r.ID.String()] = r
	}
	return out
}

// pending counts the rows not yet sent.
func (c *cast) pending(t *testing.T) int {
	return c.count(t, `SELECT count(*) FROM outbox WHERE status <> 'sent'`)
}

// checkOnce checks that the messages are exactly the outbox rows, each
// received once, with the Message-ID naming the row.
func checkOnce(t *testing.T, c *cast, msgs []received) {
	t.Helper()
	rows := c.outbox(t)
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
