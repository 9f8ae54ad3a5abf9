package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// binary is the rkc binary built once for the tests below: they test what an
// operator runs, exit codes and signals included, which calling run() in
// process cannot show.
var binary string

func TestMain(m *testing.M) {
	var err error
	// Built as the image builds it, into a directory open to all:
	// TestPrivateHomeAsUser runs it as another user.
	if binary, err = proctest.Build(proctest.Module + "/cmd/api"); err != nil {
		fmt.Fprintln(os.Stderr, "building rkc:", err)
		os.Exit(1)
	}
	code := dbtest.Main(m)
	proctest.Cleanup()
	os.Exit(code)
}

// childEnv is our environment without anything that configures rkc or the
// test database, plus the given settings, so the binary sees only what the
// test means it to.
func childEnv(settings ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DATABASE_URL" || k == dbtest.EnvURL || strings.HasPrefix(k, "RKC_") {
			continue
		}
		env = append(env, kv)
	}
	// The metrics listener on a port of its own (the default 9090 would be
	// shared by the tests running at once); a setting given wins (the last
	// of a repeated variable counts).
	env = append(env, "RKC_METRICS_ADDR=127.0.0.1:0")
	return append(env, settings...)
}

// removeRelocatedCluster removes, when the test ends, the cluster that the
// binary placed outside a data folder in a 0700 directory (as root the
// cluster goes to /var/lib/rkc, and the data folder links to it; see
// pgserver.DefaultClusterRoot): t.TempDir removes only the link. It runs
// after the binary's own cleanup, once its PostgreSQL has gone.
func removeRelocatedCluster(t *testing.T, dataDir string) {
	t.Cleanup(func() {
		target, err := os.Readlink(filepath.Join(dataDir, "pgdata"))
		if err != nil {
			return
		}
		proctest.WaitNoPostgres(t, target, 10*time.Second)
		os.RemoveAll(target)
	})
}

// result is a finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs rkc to completion with the given settings and arguments.
func runBinary(t *testing.T, settings []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = childEnv(settings...)
	cmd.Dir = t.TempDir() // the default ./var must not land in the source tree
	dataDir := filepath.Join(cmd.Dir, "var")
	for _, kv := range settings {
		if v, ok := strings.CutPrefix(kv, "RKC_DATA_DIR="); ok {
			dataDir = v
		}
	}
	removeRelocatedCluster(t, dataDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("rkc %q did not finish in 30 s; stderr:\n%s", args, stderr.String())
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// oneErrorLine checks what an operator sees when the binary cannot start:
// one line that says what is wrong, no Go panic or stack trace.
func oneErrorLine(t *testing.T, r result, mentions ...string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("exit code 0, want an error; stdout:\n%s", r.stdout)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "rkc: ") {
		t.Errorf("stderr is not one 'rkc: …' line:\n%s", r.stderr)
	}
	for _, bad := range []string{"panic", "goroutine ", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr looks like a crash (%q):\n%s", bad, r.stderr)
		}
	}
	for _, m := range mentions {
		if !strings.Contains(r.stderr, m) {
			t.Errorf("stderr does not mention %q:\n%s", m, r.stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := runBinary(t, nil, "--help")
	if r.code != 0 {
		t.Fatalf("--help: exit code %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Usage:", "serve", "migrate", "DATABASE_URL", "RKC_ADDR", "RKC_DATA_DIR"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help does not mention %s:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("--help wrote to stderr:\n%s", r.stderr)
	}
}

// TestBadSettings: a mistake in the configuration stops the binary with one
// line naming the setting, and never prints the database password.
func TestBadSettings(t *testing.T) {
	t.Parallel()
	const secret = "Sentinel-Pa55word"
	closed := proctest.FreeAddr(t) // nothing listens there once FreeAddr returns
	_, closedPort, _ := net.SplitHostPort(closed)
	tests := []struct {
		name     string
		settings []string
		args     []string
		mentions []string
	}{
		{"not a url", []string{"DATABASE_URL=nonsense"}, nil, []string{"DATABASE_URL"}},
		{"not postgres", []string{"DATABASE_URL=mysql://rkc:" + secret + "@localhost/rkc"}, nil, []string{"DATABASE_URL"}},
		{"closed port", []string{"DATABASE_URL=postgres://rkc:" + secret + "@" + closed + "/rkc"}, nil, []string{"unreachable", closedPort}},
		{"closed port, migrate", []string{"DATABASE_URL=postgres://rkc:" + secret + "@" + closed + "/rkc"}, []string{"migrate"}, []string{"unreachable"}},
		{"bad address", []string{"RKC_ADDR=8080"}, nil, []string{"RKC_ADDR"}},
		{"unknown flag", nil, []string{"--colour"}, []string{"colour"}},
		{"unknown command", nil, []string{"serv"}, []string{"serv", "--help"}},
		{"setting after the command", nil, []string{"serve", "--addr", ":9000"}, []string{"before the command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runBinary(t, tt.settings, tt.args...)
			oneErrorLine(t, r, tt.mentions...)
			if strings.Contains(r.stderr+r.stdout, secret) {
				t.Errorf("output shows the password:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// TestMigrateCommand runs `rkc migrate` against a database of the operator's
// own (DATABASE_URL): it brings an empty database to the current schema,
// changes nothing when run again, and refuses a newer schema.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url := dbtest.NewEmptyURL(t)
	settings := []string{"DATABASE_URL=" + url}
	for i := range 2 {
		if r := runBinary(t, settings, "migrate"); r.code != 0 {
			t.Fatalf("migrate run %d: exit %d:\n%s", i+1, r.code, r.stderr)
		}
	}
	conn := dbtest.OpenSQL(t, url)
	var n, max int
	if err := conn.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if latest := db.LatestVersion(); n != latest || max != latest {
		t.Fatalf("after migrate: %d versions up to %d, want 1..%d", n, max, latest)
	}

	if _, err := conn.Exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'newer')`, max+1); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, settings, "migrate")
	oneErrorLine(t, r, "newer")
}

// server is the binary running as `rkc serve` with its own PostgreSQL.
type server struct {
	cmd            *exec.Cmd
	done           chan struct{}
	addr           string
	stdout, stderr *proctest.Output
}

// startServer starts the binary on dataDir, with any further settings, and
// waits until /readyz answers 200, as a load balancer would; the issue
// allows 30 s.
func startServer(t *testing.T, dataDir string, settings ...string) *server {
	t.Helper()
	s := &server{done: make(chan struct{}), addr: proctest.FreeAddr(t),
		stdout: &proctest.Output{}, stderr: &proctest.Output{}}
	s.cmd = exec.Command(binary)
	s.cmd.Env = childEnv(append([]string{"RKC_DATA_DIR=" + dataDir, "RKC_ADDR=" + s.addr, "RKC_SHUTDOWN_TIMEOUT=5s"}, settings...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	begin := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	removeRelocatedCluster(t, dataDir)
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	if err := proctest.WaitReady("http://"+s.addr+"/readyz", s.done, 30*time.Second); err != nil {
		t.Fatalf("rkc %v; stderr:\n%s", err, s.stderr)
	}
	t.Logf("ready after %v", time.Since(begin).Round(time.Millisecond))
	return s
}

// stop sends sig and returns the exit code.
func (s *server) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("rkc did not stop within 30 s of %v; stderr:\n%s", sig, s.stderr)
	}
	return s.cmd.ProcessState.ExitCode()
}

// login signs in as the admin, proving the account (and so the database)
// from an earlier start is still there.
func (s *server) login(t *testing.T, password string) int {
	t.Helper()
	body := fmt.Sprintf(`{"email":"beheer@rkc.local","password":%q}`, password)
	res, err := http.Post("http://"+s.addr+"/api/v1/session", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

var oneTimePassword = regexp.MustCompile(`one-time password: (\S+)`)

// TestEmbeddedDatabase walks an operator's life with the embedded default
// database: first start, Ctrl-C, a restart on the same data folder, a
// kill -9, and a start after that. No PostgreSQL may outlive the binary.
func TestEmbeddedDatabase(t *testing.T) {
	if _, err := pgserver.FindBinDir(); err != nil {
		t.Fatal(err) // scripts/setup.sh installs PostgreSQL before the tests
	}
	t.Parallel()
	dataDir := openDataDir(t)
	pgData := filepath.Join(dataDir, "pgdata")

	// First start: a fresh cluster and the admin's one-time password,
	// printed once, to stdout only.
	s := startServer(t, dataDir)
	out := s.stdout.String()
	if n := strings.Count(out, "First start"); n != 1 {
		t.Fatalf("first start printed 'First start' %d times:\n%s", n, out)
	}
	m := oneTimePassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no one-time password on stdout:\n%s", out)
	}
	password := m[1]
	if strings.Contains(s.stderr.String(), password) {
		t.Error("the one-time password is in the log (stderr)")
	}
	if len(proctest.PostgresPIDs(t, pgData)) == 0 {
		t.Fatal("no PostgreSQL process found for the data folder; the checks below would prove nothing")
	}

	// Ctrl-C: a clean stop with exit code 0, and the database goes with it.
	if code := s.stop(t, os.Interrupt); code != 0 {
		t.Fatalf("exit code after SIGINT = %d; stderr:\n%s", code, s.stderr)
	}
	proctest.WaitNoPostgres(t, pgData, 5*time.Second)
	if strings.Contains(s.stderr.String(), "panic") {
		t.Errorf("stderr:\n%s", s.stderr)
	}

	// Second start reuses the data folder: no new admin, the old password works.
	s = startServer(t, dataDir)
	if strings.Contains(s.stdout.String(), "First start") {
		t.Errorf("second start created the admin again:\n%s", s.stdout)
	}
	if code := s.login(t, password); code != http.StatusCreated {
		t.Errorf("admin login after restart = %d, want 201", code)
	}

	// kill -9 runs none of our cleanup; PostgreSQL must still not outlive us.
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
	proctest.WaitNoPostgres(t, pgData, 10*time.Second)

	// And the next start recovers from the unclean stop.
	s = startServer(t, dataDir)
	if code := s.login(t, password); code != http.StatusCreated {
		t.Errorf("admin login after kill -9 = %d, want 201", code)
	}
	if code := s.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d; stderr:\n%s", code, s.stderr)
	}
	proctest.WaitNoPostgres(t, pgData, 5*time.Second)
}

// TestKeyFileTooOpen: a master key file (or the access log's key file)
// that group or others can read stops the service at start with one line,
// as ssh refuses such a key, before it touches the database; given as
// RKC_MASTER_KEYS_FILE or RKC_LOG_SIGNING_KEY_FILE too.
func TestKeyFileTooOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := filepath.Join(dir, "master.keys")
	if err := os.WriteFile(keys, []byte("k1:"+strings.Repeat("A", 43)+"=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keys, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		// root's own files may be group-readable (Kubernetes secrets); this
		// one is an ordinary account's.
		if err := os.Chown(keys, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	closed := "DATABASE_URL=postgres://rkc:x@" + proctest.FreeAddr(t) + "/rkc"
	for _, settings := range [][]string{
		{closed, "RKC_MASTER_KEY_FILE=" + keys},
		{closed, "RKC_MASTER_KEYS_FILE=" + keys},
		// The access log's signing key beside it is held to the same rule.
		{closed, "RKC_LOG_KEY_FILE=" + keys},
		{closed, "RKC_LOG_SIGNING_KEY_FILE=" + keys},
	} {
		r := runBinary(t, settings, "serve")
		oneErrorLine(t, r, keys, "0644", "chmod 600")
		if strings.Contains(r.stderr, "unreachable") {
			t.Errorf("%s: the database was tried before the key file was refused", settings[1])
		}
	}
}

// TestMetricsListener: /metrics is served on RKC_METRICS_ADDR and not on
// the public address, which is all an ingress forwards to.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	metrics := proctest.FreeAddr(t)
	s := startServer(t, t.TempDir(), "RKC_METRICS_ADDR="+metrics)
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("http://" + s.addr + "/metrics"); code == http.StatusOK || strings.Contains(body, "go_goroutines") {
		t.Errorf("the public listener serves /metrics: %d", code)
	}
	if code, body := get("http://" + metrics + "/metrics"); code != http.StatusOK || !strings.Contains(body, "rkc_http_requests_total") {
		t.Errorf("the metrics listener: %d %.200s", code, body)
	}
	if code, _ := get("http://" + metrics + "/healthz"); code != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than /metrics: /healthz %d", code)
	}
}
