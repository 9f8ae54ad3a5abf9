package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// openDataDir is a data folder below a fresh test directory, open to the
// postgres user (proctest.TempDir).
func openDataDir(t *testing.T) string {
	return filepath.Join(proctest.TempDir(t), "var")
}

// demoPassword is the demo accounts' password in these tests.
const demoPassword = "demo-password-1"

// complainantToken signs in as the demo complainant, an account without a
// second factor or a password to replace (start the server with
// demoSettings).
func (s *server) complainantToken(t *testing.T) string {
	t.Helper()
	body := fmt.Sprintf(`{"email":"klager@demo.rkc","password":%q}`, demoPassword)
	res, err := http.Post("http://"+s.addr+"/api/v1/session", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token, Pending string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" || out.Pending != "" {
		t.Fatalf("sign-in: %d, %+v, %v", res.StatusCode, out, err)
	}
	return out.Token
}

// demoSettings start the server with the demo accounts.
var demoSettings = []string{"RKC_DEMO=true", "RKC_DEMO_PASSWORD=" + demoPassword}

// get asks path with the bearer token and returns the status, the
// response's Content-Type and Retry-After, and the problem type if any.
type answer struct {
	status              int
	contentType, retry  string
	problemType, detail string
}

func (s *server) get(t *testing.T, path, token string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var p struct{ Type, Detail string }
	json.Unmarshal(b, &p)
	return answer{res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), p.Type, p.Detail}
}

// isUnavailable checks the answer a client gets while the database is down.
func (a answer) isUnavailable() bool {
	return a.status == http.StatusServiceUnavailable && a.contentType == "application/problem+json" &&
		a.retry != "" && strings.HasSuffix(a.problemType, "/database-unavailable")
}

// waitLog waits until the binary's log holds want, for at most d.
func (s *server) waitLog(t *testing.T, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(s.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within %v; stderr:\n%s", want, d, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmbeddedPostgresKilled kills the embedded PostgreSQL under a running
// binary with kill -9: the binary logs it at once, answers API requests
// with 503 and Retry-After (never 500) while it is gone, restarts it, and
// serves again with the same data.
func TestEmbeddedPostgresKilled(t *testing.T) {
	t.Parallel()
	dataDir := openDataDir(t)
	s := startServer(t, dataDir, demoSettings...)
	token := s.complainantToken(t)
	if a := s.get(t, "/api/v1/me", token); a.status != http.StatusOK {
		t.Fatalf("GET /api/v1/me before the kill = %d", a.status)
	}

	killed := time.Now()
	if err := syscall.Kill(proctest.PostmasterPID(t, filepath.Join(dataDir, "pgdata")), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// A backend of the killed server may still answer a request or two
	// before the binary ends it; so recovery is a 200 after the restart.
	var unavailable int
	for {
		restarted := strings.Contains(s.stderr.String(), "embedded PostgreSQL restarted")
		a := s.get(t, "/api/v1/me", token)
		switch {
		case a.status == http.StatusOK:
		case a.isUnavailable():
			unavailable++
		default:
			t.Fatalf("while the database was down: %+v, want 503 problem+json database-unavailable with Retry-After", a)
		}
		if a.status == http.StatusOK && restarted {
			break
		}
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("not recovered within 30 s; stderr:\n%s", s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("recovered after %v, %d answers of 503", time.Since(killed).Round(time.Millisecond), unavailable)
	if unavailable == 0 {
		t.Error("no request met the outage; the test proved nothing about the 503s")
	}
	if time.Since(killed) > 5*time.Second {
		s.waitLog(t, "embedded PostgreSQL died", 0)
	} else {
		s.waitLog(t, "embedded PostgreSQL died", 5*time.Second-time.Since(killed))
	}
	s.waitLog(t, "embedded PostgreSQL restarted", 5*time.Second)
	if a := s.get(t, "/healthz", ""); a.status != http.StatusOK {
		t.Errorf("/healthz after recovery = %d", a.status)
	}
	if code := s.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code after SIGTERM = %d; stderr:\n%s", code, s.stderr)
	}
}

// TestEmbeddedPostgresKilledNoRestart: with no restart allowed the binary
// exits with code 1 and one line saying why, so that its supervisor
// restarts it.
func TestEmbeddedPostgresKilledNoRestart(t *testing.T) {
	t.Parallel()
	dataDir := openDataDir(t)
	s := startServer(t, dataDir, "RKC_EMBEDDED_MAX_RESTARTS=0")
	killed := time.Now()
	if err := syscall.Kill(proctest.PostmasterPID(t, filepath.Join(dataDir, "pgdata")), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitLog(t, "embedded PostgreSQL died", 5*time.Second)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the binary still runs 20 s after its database died; stderr:\n%s", s.stderr)
	}
	t.Logf("exited %v after the kill", time.Since(killed).Round(time.Millisecond))
	if code := s.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "rkc: embedded PostgreSQL died") {
		t.Errorf("last line = %q, want the reason", last)
	}
	proctest.WaitNoPostgres(t, filepath.Join(dataDir, "pgdata"), 5*time.Second)
}

// TestDatabaseUnreachable stops the database of DATABASE_URL under a
// running binary: API requests answer 503 with Retry-After at once, and
// /healthz keeps answering 200 until the database has been unreachable for
// RKC_DB_UNREACHABLE_LIMIT, then 503, so that a supervisor restarts the
// process.
func TestDatabaseUnreachable(t *testing.T) {
	t.Parallel()
	dir := openDataDir(t)
	pg, err := pgserver.Start(context.Background(), pgserver.Options{DataDir: filepath.Join(dir, "external")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Stop() })
	ctx := context.Background()
	if err := ensureDatabase(ctx, pg.URL("postgres"), "rkc"); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", pg.URL("rkc"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := db.EnsureLoginRole(ctx, admin, "app-password"); err != nil {
		t.Fatal(err)
	}
	const limit = 3 * time.Second
	s := startServer(t, dir, append(demoSettings, "RKC_DB_UNREACHABLE_LIMIT="+limit.String(),
		"DATABASE_URL="+pg.URLAs(db.AppRole, "app-password", "rkc"), "RKC_OWNER_DATABASE_URL="+pg.URL("rkc"))...)
	token := s.complainantToken(t)
	if a := s.get(t, "/api/v1/me", token); a.status != http.StatusOK {
		t.Fatalf("GET /api/v1/me before the stop = %d", a.status)
	}

	stopped := time.Now() // the service sees the database go as soon as its shutdown begins
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if a := s.get(t, "/api/v1/me", token); !a.isUnavailable() {
		t.Fatalf("API request with the database stopped: %+v, want 503 problem+json with Retry-After", a)
	}
	if a := s.get(t, "/healthz", ""); a.status != http.StatusOK {
		t.Fatalf("/healthz right after the database stopped = %d, want 200 until %v have passed", a.status, limit)
	}
	s.waitLog(t, "database unreachable", 5*time.Second)
	for {
		a := s.get(t, "/healthz", "")
		if a.status == http.StatusServiceUnavailable {
			if since := time.Since(stopped); since < limit {
				t.Fatalf("/healthz failed after %v, before the limit of %v", since, limit)
			}
			break
		}
		if a.status != http.StatusOK || time.Since(stopped) > limit+10*time.Second {
			t.Fatalf("/healthz = %d %v after the database stopped, want 503 soon after %v", a.status, time.Since(stopped), limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := s.get(t, "/api/v1/me", token); !a.isUnavailable() {
		t.Errorf("API request later: %+v, want 503", a)
	}
}
