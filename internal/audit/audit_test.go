package audit_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// world is the case tests' cast with one case filed.
type world struct {
	*casetest.Cast
	caseID string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{Cast: casetest.NewCast(t)}
	var out struct{ ID string }
	w.E.Must(201, w.Complainant, "POST", "/api/v1/cases", map[string]any{
		"category": "bullying", "description": "Mijn leidinggevende maakt mij belachelijk.", "contact": "06-12345678",
	}).Decode(t, &out)
	w.caseID = out.ID
	return w
}

// ids lists the access log's entry ids in order.
func (w *world) ids(t *testing.T) []int64 {
	t.Helper()
	var ids []int64
	if err := w.E.App.DB.Raw(`SELECT id FROM access_log ORDER BY id`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestAppRoleCannotChangeLog: the application's own connection (role
// rkc_app) may append to the log but not change or remove entries, even with
// the append-only trigger switched off: the grants alone forbid it.
func TestAppRoleCannotChangeLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := w.E.App.DB
	var role string
	if err := app.Raw(`SELECT current_user`).Scan(&role).Error; err != nil || role != "rkc_app" {
		t.Fatalf("the application works as %q (%v), want rkc_app", role, err)
	}
	first := w.ids(t)[0]
	owner(t, w.E, "access_log") // trigger off: what stops the application now is its grants
	for _, q := range []string{
		`UPDATE access_log SET action = 'case:list' WHERE id = ?`,
		`DELETE FROM access_log WHERE id = ?`,
		`TRUNCATE access_log`,
	} {
		var args []any
		if q != `TRUNCATE access_log` {
			args = append(args, first)
		}
		err := app.Exec(q, args...).Error
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "42501" { // insufficient_privilege
			t.Errorf("%s as the application: %v, want permission denied", q, err)
		}
	}
	// Appending still works, and the log verifies.
	w.E.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	sequence(t, w.E)
	if res, err := w.E.App.AuditLog.Verify(context.Background()); err != nil || !res.OK || res.Entries != int64(len(w.ids(t))) {
		t.Fatalf("log after the refused changes: %+v, %v", res, err)
	}
}

// TestAppendOnlyTrigger: even the owner cannot change the log while the
// trigger is on.
func TestAppendOnlyTrigger(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	db := casetest.OwnerDB(t, w.E)
	for _, q := range []string{`UPDATE access_log SET action = 'x'`, `DELETE FROM access_log`, `TRUNCATE access_log`} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s as the owner with the trigger on: no error", q)
		}
	}
}

// TestConcurrentAppendWhileSequencing: 50 goroutines append while the
// sequencer runs; every committed entry ends up at exactly one position,
// the positions are consecutive, entries rolled back are nowhere, and the
// log verifies.
func TestConcurrentAppendWhileSequencing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	l := audit.New(audit.Options{DB: e.App.DB, Key: e.App.AuditLog.Key(), CheckpointFile: e.Config.CheckpointFile, Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()

	const writers, each = 50, 20
	person := uuid.New()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := e.App.DB.Transaction(func(tx *gorm.DB) error {
					if err := audit.Append(ctx, tx, audit.Entry{At: time.Now(), PersonID: &person, Role: "staff",
						Action: fmt.Sprintf("test:w%d-%d", g, i), Client: "127.0.0.1"}); err != nil {
						return err
					}
					if i%5 == 4 {
						return errRollback // this one never commits
					}
					return nil
				})
				if err != nil && err != errRollback {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	committed := int64(writers * each * 4 / 5)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var queued int64
		e.App.DB.Raw(`SELECT count(*) FROM access_log_queue`).Scan(&queued)
		if queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still queued after 20 s", queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done

	var got struct{ N, Distinct, MinPos, MaxPos, Tests int64 }
	e.App.DB.Raw(`SELECT count(*) AS n, count(DISTINCT entry_id) AS distinct, min(position) AS min_pos, max(position) AS max_pos,
		count(*) FILTER (WHERE a.action LIKE 'test:%') AS tests
		FROM log_leaves l JOIN access_log a ON a.id = l.entry_id`).Scan(&got)
	var entries int64
	e.App.DB.Raw(`SELECT count(*) FROM access_log`).Scan(&entries)
	if got.Tests != committed || got.N != entries || got.Distinct != got.N || got.MinPos != 0 || got.MaxPos != got.N-1 {
		t.Fatalf("tree: %+v with %d entries in the log, want %d test entries, each once, at positions 0..n-1", got, entries, committed)
	}
	res, err := l.Verify(context.Background())
	if err != nil || !res.OK || res.Entries != entries {
		t.Fatalf("Verify: %+v, %v", res, err)
	}
}

var errRollback = fmt.Errorf("roll back")

type entry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	PersonID  *string   `json:"person_id"`
	Role      string    `json:"role"`
	CaseID    *string   `json:"case_id"`
	Action    string    `json:"action"`
	Client    string    `json:"client"`
	Forgotten bool      `json:"forgotten"`
}

type page struct {
	Items   []entry `json:"items"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Total   int64   `json:"total"`
}

func (w *world) search(t *testing.T, q url.Values) page {
	t.Helper()
	var p page
	w.E.Must(200, w.Privacy, "GET", "/api/v1/audit?"+q.Encode(), nil).Decode(t, &p)
	return p
}

// resultCount is the number of entries the audit page says it found.
var resultCount = regexp.MustCompile(`(\d+) (?:regels gevonden|entries found)`)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestAuditSearch: only the privacy officer reads the log, every read of a
// case is in it, and it can be searched by case, person and period.
func TestAuditSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.E
	id := w.caseID

	t.Run("only the privacy officer", func(t *testing.T) {
		for _, p := range []*apptest.Person{w.Complainant, w.Secretary, w.Chair, w.Member, w.Authority, w.Reporter, w.Admin} {
			for _, r := range []struct{ method, path string }{{"GET", "/api/v1/audit"}, {"GET", "/api/v1/audit?caseId=" + id}, {"POST", "/api/v1/audit/verify"}} {
				if got := e.Do(p, r.method, r.path, nil); got.Status != 403 {
					t.Errorf("%s %s %s: %d, want 403", p.Email, r.method, r.path, got.Status)
				}
			}
		}
		if got := e.Do(nil, "GET", "/api/v1/audit", nil); got.Status != 401 {
			t.Errorf("anonymous: %d, want 401", got.Status)
		}
		e.Must(200, w.Privacy, "GET", "/api/v1/audit", nil)
		// Separation of duties: the officer reads the log, not the case file.
		for _, p := range []*apptest.Person{w.Privacy, w.Admin} {
			if got := e.Do(p, "GET", "/api/v1/cases/"+id, nil); got.Status != 403 && got.Status != 404 {
				t.Errorf("%s reading the case: %d, want 403 or 404", p.Email, got.Status)
			}
		}
	})

	t.Run("every case read is logged", func(t *testing.T) {
		before := w.search(t, url.Values{"caseId": {id}}).Total
		e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+id, nil)
		e.Must(200, w.Complainant, "GET", "/api/v1/cases/"+id, nil)
		e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+id+"/events", nil)
		got := w.search(t, url.Values{"caseId": {id}, "perPage": {"500"}})
		if got.Total != before+3 {
			t.Fatalf("%d entries for the case after three reads, want %d", got.Total, before+3)
		}
		want := []string{"staff case:read " + w.Secretary.ID.String(), "complainant case:read " + w.Complainant.ID.String(),
			"staff case:events " + w.Secretary.ID.String()}
		tail := got.Items[len(got.Items)-3:]
		for i, it := range tail {
			if s := it.Role + " " + it.Action + " " + str(it.PersonID); s != want[i] || str(it.CaseID) != id || it.Client == "" {
				t.Errorf("entry %d: %+v, want %s on the case with a client address", i, it, want[i])
			}
		}
		if first := got.Items[0]; first.Action != "case:file" || str(first.PersonID) != w.Complainant.ID.String() {
			t.Errorf("first entry of the case: %+v, want the filing", first)
		}
	})

	t.Run("by person", func(t *testing.T) {
		got := w.search(t, url.Values{"personId": {w.Complainant.ID.String()}, "perPage": {"500"}})
		if got.Total < 2 {
			t.Fatalf("complainant's entries: %+v", got)
		}
		for _, it := range got.Items {
			if str(it.PersonID) != w.Complainant.ID.String() {
				t.Errorf("entry of someone else in a search by person: %+v", it)
			}
		}
	})

	t.Run("by period", func(t *testing.T) {
		// The case service's clock stamps its entries; put two reads on
		// known days well after everything else.
		e.Clock.Set(time.Date(2031, 3, 1, 10, 0, 0, 0, time.UTC))
		e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+id, nil)
		e.Clock.Set(time.Date(2031, 4, 1, 10, 0, 0, 0, time.UTC))
		e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+id, nil)
		for _, tc := range []struct {
			from, to string
			want     []string
		}{
			{"2031-03-01", "2031-03-02", []string{"2031-03-01"}},
			{"2031-03-01", "", []string{"2031-03-01", "2031-04-01"}},
			{"2031-03-02", "2031-12-31", []string{"2031-04-01"}},
			{"2031-03-01T09:00:00Z", "2031-03-01T11:00:00+00:00", []string{"2031-03-01"}},
			{"2031-03-01T10:00:01Z", "2031-04-01T10:00:00Z", nil}, // from inclusive, to exclusive
		} {
			q := url.Values{"caseId": {id}, "from": {tc.from}}
			if tc.to != "" {
				q.Set("to", tc.to)
			}
			got := w.search(t, q)
			var days []string
			for _, it := range got.Items {
				days = append(days, it.At.UTC().Format(time.DateOnly))
			}
			if fmt.Sprint(days) != fmt.Sprint(tc.want) || got.Total != int64(len(tc.want)) {
				t.Errorf("from %s to %s: days %v (total %d), want %v", tc.from, tc.to, days, got.Total, tc.want)
			}
		}
		// Before that period: everything else, none of the two.
		got := w.search(t, url.Values{"caseId": {id}, "to": {"2031-01-01"}, "perPage": {"500"}})
		for _, it := range got.Items {
			if it.At.Year() == 2031 {
				t.Errorf("entry of 2031 in a search up to 2031-01-01: %+v", it)
			}
		}
	})

	t.Run("a day is the committee's day, on the API and the page alike", func(t *testing.T) {
		// Four reads around 20 May 2031 in Amsterdam (UTC+2 in summer): the
		// middle two are on that day there, though the first of them is
		// still 19 May in UTC and the last of those outside it is 20 May.
		zone := calendar.Zone()
		var inDay []int64
		for _, at := range []time.Time{
			time.Date(2031, 5, 19, 23, 40, 0, 0, zone),
			time.Date(2031, 5, 20, 0, 10, 0, 0, zone),
			time.Date(2031, 5, 20, 23, 50, 0, 0, zone),
			time.Date(2031, 5, 21, 0, 20, 0, 0, zone),
		} {
			e.Clock.Set(at)
			e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+id, nil)
			if at.Day() == 20 {
				latest := w.search(t, url.Values{"caseId": {id}, "perPage": {"500"}}).Items
				inDay = append(inDay, latest[len(latest)-1].ID)
			}
		}
		got := w.search(t, url.Values{"caseId": {id}, "from": {"2031-05-20"}, "to": {"2031-05-20"}})
		var ids []int64
		for _, it := range got.Items {
			ids = append(ids, it.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(inDay) || got.Total != 2 {
			t.Errorf("API, from and to 2031-05-20: entries %v (total %d), want %v", ids, got.Total, inDay)
		}
		page := accountstest.NewWebClient(t, e)
		page.Login(url.Values{"email": {w.Privacy.Email}, "password": {apptest.Password}})
		status, _, body := page.Get("/audit?" + url.Values{"case_id": {id}, "from": {"2031-05-20"}, "to": {"2031-05-20"}}.Encode())
		if found := resultCount.FindStringSubmatch(body); status != 200 || found == nil || found[1] != "2" {
			t.Errorf("page, from and to 2031-05-20: %d, %q found, want 2 entries", status, found)
		}
	})

	t.Run("pages", func(t *testing.T) {
		all := w.search(t, url.Values{"caseId": {id}, "perPage": {"500"}})
		if all.Total < 3 {
			t.Fatalf("too few entries to page: %d", all.Total)
		}
		// The snake_case names of API 1.0 still work (deprecated until 2.0).
		if old := w.search(t, url.Values{"case_id": {id}, "per_page": {"500"}}); old.Total != all.Total || old.PerPage != 500 {
			t.Errorf("with case_id and per_page: %d entries per %d, want %d per 500", old.Total, old.PerPage, all.Total)
		}
		second := w.search(t, url.Values{"caseId": {id}, "perPage": {"1"}, "page": {"2"}})
		if second.Total != all.Total || len(second.Items) != 1 || second.Items[0].ID != all.Items[1].ID || second.Page != 2 || second.PerPage != 1 {
			t.Errorf("page 2 of 1: %+v, want entry %d of %d", second, all.Items[1].ID, all.Total)
		}
	})

	t.Run("invalid parameters", func(t *testing.T) {
		for _, q := range []string{"caseId=12", "personId=x", "from=yesterday", "to=2031-13-01", "page=0", "perPage=501", "perPage=x",
			"case_id=12", "per_page=501", "caseId=" + id + "&case_id=" + id} { // the deprecated names too
			if got := e.Do(w.Privacy, "GET", "/api/v1/audit?"+q, nil); got.Status != 400 {
				t.Errorf("%s: %d, want 400: %s", q, got.Status, got.Body)
			}
		}
	})

	t.Run("reading the log is logged", func(t *testing.T) {
		before := w.search(t, url.Values{"personId": {w.Privacy.ID.String()}}).Total
		got := w.search(t, url.Values{"personId": {w.Privacy.ID.String()}, "perPage": {"500"}})
		if got.Total != before+1 {
			t.Fatalf("officer's entries went from %d to %d after one search, want one more", before, got.Total)
		}
		last := got.Items[len(got.Items)-1]
		if last.Action != "audit:search" || last.Role != "privacy_officer" || last.CaseID != nil {
			t.Errorf("officer's last entry: %+v", last)
		}
	})
}
