package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// withFiledComplaint starts the service with a complainant who has filed a
// complaint, so that the access log and the complainant's export hold
// something to verify.
func withFiledComplaint(t *testing.T) (*apptest.Env, *apptest.Person) {
	t.Helper()
	e := apptest.New(t)
	complainant := e.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{
		"category": "bullying", "description": "Mijn leidinggevende maakt mij belachelijk.", "contact": "06-12345678",
	})
	return e, complainant
}

// TestVerifyFile: a fresh data-subject export (JSON, PDF) and a fresh annual
// report (PDF, CSV) pass `rkc verify` with the log's public key alone; the
// same file with one byte changed is refused, and so is a file checked
// against another log's key.
func TestVerifyFile(t *testing.T) {
	t.Parallel()
	e, complainant := withFiledComplaint(t)
	reporter := e.Person("rapportage@test.rkc", "BZK", apptest.Grant("reporter", "*"))
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
	e, _ := withFiledComplaint(t)
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
	owner := dbtest.OpenSQL(t, e.Config.DatabaseURL)
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

// TestLogKeyRotationCommand: `rkc audit key rotate` on the embedded
// default's key file; an export made before the rotation still passes
// `rkc verify` after it (with the key file's chain, or with the public keys
// `rkc audit key` prints), but not with the new key alone; the new public
// key comes with the old key's endorsement, which `rkc verify` checks with
// the old key; the log verifies over both keys. With the key from the
// environment the command refuses to print a private key and writes the new
// keyring to --out.
func TestLogKeyRotationCommand(t *testing.T) {
	t.Parallel()
	e, complainant := withFiledComplaint(t)
	export := filepath.Join(t.TempDir(), "export.json")
	os.WriteFile(export, e.Must(200, complainant, "GET", "/api/v1/me/export", nil).Body, 0o600)
	oldPub := e.App.AuditLog.Key().Public()
	settings := []string{"DATABASE_URL=" + e.Config.DatabaseURL, "RKC_DATA_DIR=" + e.Config.DataDir, "RKC_MASTER_KEYS=" + e.Config.MasterKeys}

	r := runBinary(t, settings, "audit", "key", "rotate")
	var rot struct {
		PublicKey       string   `json:"public_key"`
		Earlier         []string `json:"earlier_keys"`
		EntryID         int64    `json:"entry_id"`
		EndorsementFile string   `json:"endorsement_file"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rot) != nil || rot.PublicKey == oldPub || len(rot.Earlier) != 1 || rot.Earlier[0] != oldPub {
		t.Fatalf("rkc audit key rotate: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if st, err := os.Stat(e.Config.LogKeyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file after the rotation: %v %v", st, err)
	}
	keys := runBinary(t, settings, "audit", "key")
	if keys.code != 0 || strings.Fields(keys.stdout)[0] != rot.PublicKey || !strings.Contains(keys.stdout, oldPub) {
		t.Fatalf("rkc audit key after the rotation: exit %d: %s %s", keys.code, keys.stdout, keys.stderr)
	}
	published := filepath.Join(t.TempDir(), "rkc-log.pub")
	os.WriteFile(published, []byte(keys.stdout), 0o644)

	for name, args := range map[string][]string{
		"the key file's chain":      {"verify", export},
		"the published public keys": {"verify", export, "--key", published},
	} {
		if r := runBinary(t, settings, args...); r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) {
			t.Fatalf("rkc verify of an export from before the rotation with %s: exit %d: %s %s", name, r.code, r.stdout, r.stderr)
		}
	}
	if r := runBinary(t, settings, "verify", export, "--key", rot.PublicKey); r.code != 1 || !strings.Contains(r.stderr, "NOT") {
		t.Fatalf("rkc verify of an old export with the new key alone: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, settings, "verify", rot.EndorsementFile, "--key", oldPub); r.code != 0 || !strings.Contains(r.stdout, "key:log-rotated") {
		t.Fatalf("rkc verify of the new key's endorsement with the old key: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(rot.EndorsementFile); !strings.HasPrefix(string(b), rot.PublicKey+"\n") {
		t.Fatalf("endorsement file does not start with the new public key:\n%s", b)
	}
	if r := runBinary(t, settings, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) {
		t.Fatalf("rkc audit verify after the rotation: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}

	// The key from the environment: the command writes the next keyring
	// to --out and leaves the secret to the operator.
	keyring, err := os.ReadFile(e.Config.LogKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	envSettings := append(settings, "RKC_LOG_SIGNING_KEY="+string(keyring))
	if r := runBinary(t, envSettings, "audit", "key", "rotate"); r.code == 0 || !strings.Contains(r.stderr, "--out") {
		t.Fatalf("rkc audit key rotate with the key from the environment and no --out: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "log-keyring")
	if r := runBinary(t, envSettings, "audit", "key", "rotate", "--out", out); r.code != 0 {
		t.Fatalf("rkc audit key rotate --out: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	next, err := os.ReadFile(out)
	if st, _ := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 || !strings.HasPrefix(string(next), "PRIVATE+KEY+") {
		t.Fatalf("--out keyring: %v", err)
	}
	third := append(settings, "RKC_LOG_SIGNING_KEY="+string(next))
	keys = runBinary(t, third, "audit", "key")
	if keys.code != 0 || len(strings.Fields(keys.stdout)) != 3 {
		t.Fatalf("rkc audit key with the second rotation's keyring: want three keys: %s %s", keys.stdout, keys.stderr)
	}
	for _, args := range [][]string{{"audit", "verify"}, {"verify", export}} {
		if r := runBinary(t, third, args...); r.code != 0 {
			t.Fatalf("rkc %v with the keyring of two rotations: exit %d: %s %s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestCloseLoopClosesFinishedCasesOnce: the scheduled job of two instances
// on one database closes a case that finished longer ago than
// RKC_CLOSE_AFTER_DAYS, once, and leaves a case that finished today.
func TestCloseLoopClosesFinishedCasesOnce(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	complainant := e.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	secretary := e.Person("secretaris@test.rkc", "BZK", apptest.Grant("secretary", "*"))
	withdraw := func() string {
		var out struct {
			ID string `json:"id"`
		}
		e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{"category": "bullying", "description": "Er wordt gepest."}).Decode(t, &out)
		e.Must(200, secretary, "POST", "/api/v1/cases/"+out.ID+"/register", map[string]any{})
		e.Must(200, complainant, "POST", "/api/v1/cases/"+out.ID+"/withdraw", map[string]any{})
		return out.ID
	}
	old, recent := withdraw(), withdraw()
	// The first finished seven weeks ago.
	if err := e.App.DB.Exec(`UPDATE cases SET finished_at = finished_at - interval '49 days' WHERE id = ?`, old).Error; err != nil {
		t.Fatal(err)
	}
	cfg := *e.Config
	cfg.DeadlineWatchInterval = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for range 2 {
		go func() { closeLoop(ctx, &cfg, slog.New(slog.DiscardHandler), e.App); done <- struct{}{} }()
	}
	state := func(id string) string {
		var s string
		e.App.DB.Raw(`SELECT state FROM cases WHERE id = ?`, id).Scan(&s)
		return s
	}
	deadline := time.Now().Add(20 * time.Second)
	for state(old) != "closed" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a few more rounds of both instances
	cancel()
	<-done
	<-done
	if got := state(old); got != "closed" {
		t.Fatalf("the case finished seven weeks ago is %s", got)
	}
	if got := state(recent); got != "withdrawn" {
		t.Errorf("the case finished today is %s", got)
	}
	var closings, rounds int
	e.App.DB.Raw(`SELECT count(*) FROM case_events WHERE case_id = ? AND kind = 'closed'`, old).Scan(&closings)
	e.App.DB.Raw(`SELECT count(*) FROM scheduled_runs WHERE job = 'close_finished'`).Scan(&rounds)
	if closings != 1 || rounds == 0 {
		t.Errorf("%d closings on the timeline, %d rounds recorded; want 1 and some", closings, rounds)
	}
}

// `rkc grants list` shows the first admin's request for a colleague's
// role, `rkc grants confirm ID` gives it (nobody in RKC could), and then
// refuses the next one, which the new admin can confirm in RKC.
func TestGrantsCommand(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	first := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	second := e.Person("beheer2@test.rkc", "BZK")
	var req accounts.GrantRequest
	e.Must(202, first, "POST", "/api/v1/accounts/"+second.ID.String()+"/grants", apptest.Grant(authz.Admin, authz.AnyDomain)).Decode(t, &req)

	var out bytes.Buffer
	if err := grantsCommand(ctx, e.Config, log, []string{"list"}, &out); err != nil || !strings.Contains(out.String(), req.ID.String()) {
		t.Fatalf("grants list: %v\n%s", err, out.String())
	}
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm", req.ID.String()}, &out); err != nil {
		t.Fatalf("grants confirm: %v", err)
	}
	if g, _ := e.App.Accounts.Grants(ctx, second.ID); len(g) != 1 || g[0].Role != authz.Admin {
		t.Fatalf("after the operator's confirmation: %v", g)
	}
	third := e.Person("beheer3@test.rkc", "BZK")
	e.Must(202, first, "POST", "/api/v1/accounts/"+third.ID.String()+"/grants", apptest.Grant(authz.Admin, authz.AnyDomain)).Decode(t, &req)
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm", req.ID.String()}, &out); err == nil || !strings.Contains(err.Error(), "in RKC") {
		t.Errorf("the operator confirmed while an admin in RKC can: %v", err)
	}
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm"}, &out); err == nil {
		t.Error("confirm without an id was accepted")
	}
}
