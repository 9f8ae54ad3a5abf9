package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/retention"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// kind lists the officer's search for one event kind.
func (w *world) kind(t *testing.T, kind string, extra url.Values) page {
	t.Helper()
	q := url.Values{"kind": {kind}, "per_page": {"500"}}
	for k, v := range extra {
		q[k] = v
	}
	return w.search(t, q)
}

// TestNewEventKinds: each newly logged kind of event is on the log, and the
// officer finds it by kind (and only it).
func TestNewEventKinds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.E
	ctx := context.Background()

	t.Run("refused case access", func(t *testing.T) {
		// A committee member outside the panel, and the officer, are refused the case.
		for _, p := range []*apptest.Person{w.Member, w.Privacy} {
			if got := e.Do(p, "GET", "/api/v1/cases/"+w.caseID, nil); got.Status != 403 && got.Status != 404 {
				t.Fatalf("%s reading the case: %d", p.Email, got.Status)
			}
		}
		e.Do(w.Member, "GET", "/api/v1/cases/"+w.caseID+"/notes", nil)
		got := w.kind(t, audit.KindAccess, url.Values{"case_id": {w.caseID}})
		if got.Total != 3 {
			t.Fatalf("refusals on the log for the case: %+v, want 3", got)
		}
		for _, it := range got.Items {
			if it.Action != audit.ActionAccessRefused || str(it.CaseID) != w.caseID || it.PersonID == nil {
				t.Errorf("refusal entry %+v", it)
			}
		}
		// An allowed read is not a refusal.
		e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
		if n := w.kind(t, audit.KindAccess, nil).Total; n != 3 {
			t.Errorf("refusals after an allowed read: %d, want 3", n)
		}
	})

	t.Run("exports", func(t *testing.T) {
		e.Must(200, w.Complainant, "GET", "/api/v1/me/export", nil)
		e.Must(200, w.Reporter, "GET", fmt.Sprintf("/api/v1/reports/annual/%d?format=csv", time.Now().Year()), nil)
		got := w.kind(t, audit.KindExport, nil)
		var file, report bool
		for _, it := range got.Items {
			file = file || (it.Action == audit.ActionExportFile && str(it.PersonID) == w.Complainant.ID.String())
			report = report || (it.Action == audit.ActionReportFile && str(it.PersonID) == w.Reporter.ID.String())
		}
		if !file || !report {
			t.Fatalf("export entries %+v: want the data-subject export and the report file", got.Items)
		}
	})

	t.Run("master key rotation", func(t *testing.T) {
		if _, err := privacy.Rotate(ctx, e.App.DB, e.App.Keys); err != nil {
			t.Fatal(err)
		}
		got := w.kind(t, audit.KindKey, nil)
		if got.Total != 1 || got.Items[0].Action != audit.ActionMasterRotated+":"+e.App.Keys.ActiveID() {
			t.Fatalf("key entries %+v", got.Items)
		}
	})

	t.Run("legal hold", func(t *testing.T) {
		e.Must(200, w.Chair, "POST", "/api/v1/cases/"+w.caseID+"/legal-hold", map[string]any{"hold": true, "reason": "Procedure bij de rechter"})
		e.Must(200, w.Chair, "POST", "/api/v1/cases/"+w.caseID+"/legal-hold", map[string]any{"hold": false, "reason": "Uitspraak"})
		got := w.kind(t, audit.KindHold, url.Values{"case_id": {w.caseID}})
		if got.Total != 2 || got.Items[0].Action != audit.ActionHoldSet || got.Items[1].Action != audit.ActionHoldLifted ||
			str(got.Items[0].PersonID) != w.Chair.ID.String() {
			t.Fatalf("hold entries %+v", got.Items)
		}
	})

	t.Run("purge runs", func(t *testing.T) {
		ret := retention.Terms{CaseYears: 5, SignalYears: 2}
		for _, dry := range []bool{true, false} {
			if _, err := e.App.Retention.Purge(ctx, ret, dry); err != nil {
				t.Fatal(err)
			}
		}
		got := w.kind(t, audit.KindPurge, nil)
		if got.Total != 2 || got.Items[0].Action != audit.ActionPurgeDryRun || got.Items[1].Action != audit.ActionPurgeRun {
			t.Fatalf("purge entries %+v", got.Items)
		}
	})

	t.Run("kind filter", func(t *testing.T) {
		for _, it := range w.kind(t, audit.KindCase, nil).Items {
			if audit.Kind(it.Action) != audit.KindCase {
				t.Errorf("entry %s in a search for kind case", it.Action)
			}
		}
		if got := e.Do(w.Privacy, "GET", "/api/v1/audit?kind=Case!", nil); got.Status != 400 {
			t.Errorf("invalid kind: %d", got.Status)
		}
	})
}

// TestPurgeForgetsPersons: a person who appears in a case's log entries is
// found there while the case exists; once the case is purged the log still
// verifies, the entries are kept but name no one, and the person's id is
// nowhere in a pg_dump of the database.
func TestPurgeForgetsPersons(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.E
	ctx := context.Background()
	sentinel := uuid.New() // a reader of the case with no account left anywhere else
	caseID := uuid.MustParse(w.caseID)
	if err := e.App.DB.Transaction(func(tx *gorm.DB) error {
		return audit.Append(ctx, tx, audit.Entry{At: time.Now(), PersonID: &sentinel, Role: "staff", CaseID: &caseID, Action: "case:read", Client: "10.1.2.3"})
	}); err != nil {
		t.Fatal(err)
	}
	e.Must(200, w.Secretary, "GET", "/api/v1/cases/"+w.caseID, nil)
	sequence(t, e)

	found := func() int64 { return w.search(t, url.Values{"person_id": {sentinel.String()}}).Total }
	if n := found(); n != 1 {
		t.Fatalf("the sentinel's entries before the purge: %d, want 1", n)
	}
	byCase := w.search(t, url.Values{"case_id": {w.caseID}, "per_page": {"500"}})
	if byCase.Total < 3 {
		t.Fatalf("the case's entries: %+v", byCase)
	}
	raw := hex.EncodeToString(sentinel[:])
	dump := dbtest.Dump(t, e.Config.DatabaseURL)
	if bytes.Contains(dump, []byte(sentinel.String())) || bytes.Contains(dump, []byte(raw)) {
		t.Fatal("the sentinel stands in clear in the dump even before the purge")
	}

	// The case closed long ago; the retention job purges it.
	owner := casetest.OwnerDB(t, e)
	if _, err := owner.Exec(`UPDATE cases SET state = 'closed', closed_at = now() - interval '10 years' WHERE id = $1`, caseID); err != nil {
		t.Fatal(err)
	}
	if rep, err := e.App.Retention.Purge(ctx, retention.Terms{CaseYears: 5, SignalYears: 2}, false); err != nil || rep.CasesPurged != 1 {
		t.Fatalf("purge: %+v, %v", rep, err)
	}
	sequence(t, e)

	if res, err := e.App.AuditLog.Verify(ctx); err != nil || !res.OK {
		t.Fatalf("the log after the purge: %+v, %v", res, err)
	}
	if n := found(); n != 0 {
		t.Errorf("the sentinel's entries after the purge: %d, want none", n)
	}
	// The case's entries are all still there, shown as forgotten.
	var forgotten int64
	for _, it := range w.search(t, url.Values{"per_page": {"500"}}).Items {
		if it.Forgotten {
			if it.PersonID != nil || it.CaseID != nil {
				t.Errorf("a forgotten entry names someone: %+v", it)
			}
			forgotten++
		}
	}
	if forgotten != byCase.Total {
		t.Errorf("forgotten entries after the purge: %d, want the case's %d", forgotten, byCase.Total)
	}
	dump = dbtest.Dump(t, e.Config.DatabaseURL)
	if bytes.Contains(dump, []byte(sentinel.String())) || bytes.Contains(dump, []byte(raw)) {
		t.Error("the sentinel is in the pg_dump after the purge")
	}
	if !bytes.Contains(dump, []byte("log_leaves")) {
		t.Fatal("the dump holds no log: is it the right database?")
	}
}
