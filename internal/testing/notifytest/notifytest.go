// Package notifytest holds what the tests of notification share, in the
// product module (internal/notify: the outbox in the step's transaction,
// the mail folder, the deadline watch) and in the e2e module (e2e/notify:
// delivery to a real SMTP server): the service with a person per part of a
// case, the steps that tell someone, and the outbox as the database holds it.
package notifytest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// Cast is casetest's cast with a second chair, who declares conflicts; the
// complainant reads English.
type Cast struct {
	*casetest.Cast
	Chair2 *apptest.Person // SZW
}

// NewCast starts the service on a fresh database with the cast; the
// complainant reads English.
func NewCast(t *testing.T) *Cast {
	t.Helper()
	c := &Cast{Cast: casetest.NewCast(t)}
	c.Chair2 = c.E.Person("voorzitter2@test.rkc", "SZW", apptest.Grant("chair", "*"))
	c.Exec(t, `UPDATE persons SET language = 'en' WHERE id = ?`, c.Complainant.ID)
	return c
}

// Exec runs a statement on the service's database.
func (c *Cast) Exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := c.E.App.DB.Exec(q, args...).Error; err != nil {
		t.Fatal(err)
	}
}

// Registered files casetest.TaggedComplaint(sentinel) as p and has the
// secretary register it, as most notification stories begin, and returns the
// case id.
func (c *Cast) Registered(t *testing.T, p *apptest.Person, sentinel string) string {
	t.Helper()
	id := c.File(t, p, casetest.TaggedComplaint(sentinel))
	c.Step(t, c.Secretary, id, "register", nil)
	return id
}

// Step posts a step of case id as p and expects 200 or 201.
func (c *Cast) Step(t *testing.T, p *apptest.Person, id, path string, body any) *apptest.Response {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := c.E.Do(p, "POST", "/api/v1/cases/"+id+"/"+path, body)
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("%s: status %d: %s", path, r.Status, r.Body)
	}
	return r
}

// Investigate admits case id, composes the panel and informs the respondent.
func (c *Cast) Investigate(t *testing.T, id string) {
	t.Helper()
	c.Step(t, c.Chair, id, "admissibility", map[string]any{"admissible": true})
	c.Step(t, c.Chair, id, "panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})
	c.Step(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email})
}

// OpenPool opens a connection pool of its own on the test database, as
// another instance of the binary would.
func OpenPool(t *testing.T, url string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), url, db.AsAppRole())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// OutboxRow is a row of the outbox as the tests read it.
type OutboxRow struct {
	ID            uuid.UUID
	Kind          string
	CaseID        uuid.UUID
	RecipientID   uuid.UUID
	Language      string
	Status        string
	Attempts      int
	LastErrorType *string
}

// Outbox returns the outbox by row id.
func (c *Cast) Outbox(t *testing.T) map[string]OutboxRow {
	t.Helper()
	var rows []OutboxRow
	if err := c.E.App.DB.Raw(`SELECT id, kind, case_id, recipient_id, language, status, attempts, last_error_type FROM outbox`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]OutboxRow, len(rows))
	for _, r := range rows {
		out[r.ID.String()] = r
	}
	return out
}

// Pending counts the rows not yet sent.
func (c *Cast) Pending(t *testing.T) int64 {
	return c.Count(t, "outbox", "status <> 'sent'")
}

// Amsterdam returns 10:00 in Amsterdam on the given day of 2027.
func Amsterdam(month time.Month, day int) time.Time {
	return time.Date(2027, month, day, 10, 0, 0, 0, calendar.Zone())
}
