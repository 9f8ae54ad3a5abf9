package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestVerifyFile: a fresh data-subject export (JSON, PDF) and a fresh annual
// report (PDF, CSV) pass `rkc verify` with the log's public key alone; the
// same file with one byte changed is refused, and so is a file checked
// against another log's key.
func TestVerifyFile(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	g := apptest.Grant
	complainant := e.Person("klager@test.rkc", "BZK", g("complainant", "BZK"))
	reporter := e.Person("rapportage@test.rkc", "BZK", g("reporter", "*"))
	e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{
		"category": "bullying", "description": "Mijn leidinggevende maakt mij belachelijk.", "contact": "06-12345678",
	})
	year := fmt.Sprint(time.Now().Year())
	files := map[string][]byte{
		"export.json": e.Must(200, complainant, "GET", "/api/v1/me/export", nil).Body,
		"export.pdf":  e.Must(200, complainant, "GET", "/api/v1/me/export?format=pdf", nil).Body,
		"report.pdf":  e.Must(200, reporter, "GET", "/api/v1/reports/annual/"+year+"?format=pdf", nil).Body,
		"report.csv":  e.Must(200, reporter, "GET", "/api/v1/reports/annual/"+year+"?format=csv", nil).Body,
	}
	pub := e.App.AuditLog.Key().Public()
	other := filepath.Join(t.TempDir(), "other.key")
	if r := runBinary(t, []string{"RKC_LOG_KEY_FILE=" + other}, "audit", "key"); r.code != 0 || !strings.HasPrefix(r.stdout, "rkc-access-log-") {
		t.Fatalf("rkc audit key: exit %d: %s %s", r.code, r.stdout, r.stderr)
	} else if strings.TrimSpace(r.stdout) == pub {
		t.Fatal("two generated log keys are the same")
	} else {
		files["other key"] = nil
		defer delete(files, "other key")
		t.Run("another log's key", func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "export.json")
			os.WriteFile(f, e.Must(200, complainant, "GET", "/api/v1/me/export", nil).Body, 0o600)
			if r := runBinary(t, nil, "verify", f, "--key", strings.TrimSpace(r.stdout)); r.code != 1 || !strings.Contains(r.stderr, "NOT") {
				t.Fatalf("verify with another log's key: exit %d: %s", r.code, r.stderr)
			}
		})
	}
	for name, body := range files {
		if body == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, name)
			os.WriteFile(f, body, 0o600)
			r := runBinary(t, nil, "verify", f, "--key", pub)
			var out struct {
				OK     bool   `json:"ok"`
				Action string `json:"action"`
			}
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || !out.OK || !strings.HasPrefix(out.Action, "export:") {
				t.Fatalf("rkc verify %s: exit %d: %s %s", name, r.code, r.stdout, r.stderr)
			}
			// One byte of the document changed (in its first half, before
			// the proof): refused, in one line.
			changed := append([]byte(nil), body...)
			changed[len(changed)/3] ^= 0x01
			os.WriteFile(f, changed, 0o600)
			r = runBinary(t, nil, "verify", f, "--key", pub)
			if r.code != 1 || !strings.Contains(r.stderr, "NOT an unaltered file") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Fatalf("rkc verify of %s with a byte changed: exit %d: %s", name, r.code, r.stderr)
			}
		})
	}
}

// TestAuditCommands: `rkc audit verify` and `rkc audit prove` on the
// database and data folder of a service; verify names a changed entry and
// exits 1.
func TestAuditCommands(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	complainant := e.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{
		"category": "bullying", "description": "Mijn leidinggevende maakt mij belachelijk.", "contact": "06-12345678",
	})
	if _, err := e.App.AuditLog.SequenceOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	settings := []string{"DATABASE_URL=" + e.Config.DatabaseURL, "RKC_DATA_DIR=" + e.Config.DataDir, "RKC_MASTER_KEYS=" + e.Config.MasterKeys}
	if r := runBinary(t, settings, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) {
		t.Fatalf("rkc audit verify: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var id int64
	e.App.DB.Raw(`SELECT min(entry_id) FROM log_leaves`).Scan(&id)
	r := runBinary(t, settings, "audit", "prove", fmt.Sprint(id))
	var p struct {
		EntryID    int64  `json:"entry_id"`
		Checkpoint string `json:"checkpoint"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil || p.EntryID != id || !strings.HasPrefix(p.Checkpoint, e.App.AuditLog.Key().Origin()+"\n") {
		t.Fatalf("rkc audit prove %d: exit %d: %s %s", id, r.code, r.stdout, r.stderr)
	}
	owner, err := sql.Open("pgx", e.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	// As the owner, with the append-only trigger off.
	if _, err := owner.Exec(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(`UPDATE access_log SET client = '10.6.6.6' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, settings, "audit", "verify")
	if r.code != 1 || !strings.Contains(r.stdout, `"problem": "changed"`) || !strings.Contains(r.stderr, "changed") {
		t.Fatalf("rkc audit verify after a change: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}
