package pgserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// TestMain removes the helper programs the tests built (holdpg).
func TestMain(m *testing.M) {
	code := m.Run()
	proctest.Cleanup()
	os.Exit(code)
}

// needPostgres fails the test on machines without PostgreSQL (scripts/setup.sh
// installs it before the tests); everything here runs against the real server.
func needPostgres(t testing.TB) {
	t.Helper()
	if _, err := FindBinDir(); err != nil {
		t.Fatal(err)
	}
}

func start(t testing.TB, dataDir string) *Server {
	t.Helper()
	s, err := Start(context.Background(), Options{DataDir: dataDir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t testing.TB, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestStartStopRestart(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	dataDir := filepath.Join(proctest.TempDir(t), "var", "pgdata")

	begin := time.Now()
	s := start(t, dataDir)
	t.Logf("cold start (initdb) took %v", time.Since(begin))

	conn := connect(t, s.URL("postgres"))
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	exec1(t, conn, "CREATE DATABASE app")
	app := connect(t, s.URL("app"))
	exec1(t, app, "CREATE TABLE kept (v text)")
	exec1(t, app, "INSERT INTO kept VALUES ('before restart')")
	app.Close(context.Background())
	conn.Close(context.Background())

	fi, err := os.Stat(filepath.Join(dataDir, passwordFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("password file has mode %v, want 0600", perm)
	}
	if len(proctest.PostgresPIDs(t, dataDir)) == 0 {
		t.Fatal("postgresPIDs finds no process for a running server; the checks below would prove nothing")
	}

	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if pids := proctest.PostgresPIDs(t, dataDir); len(pids) != 0 {
		t.Fatalf("after Stop, PostgreSQL processes %v remain", pids)
	}
	log, err := os.ReadFile(dataDir + ".log")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte(s.password)) {
		t.Error("server log contains the password")
	}

	begin = time.Now()
	s2 := start(t, dataDir)
	t.Logf("warm start took %v", time.Since(begin))
	var v string
	if err := connect(t, s2.URL("app")).QueryRow(context.Background(), "SELECT v FROM kept").Scan(&v); err != nil {
		t.Fatalf("reading data written before the restart: %v", err)
	}
	if v != "before restart" {
		t.Fatalf("kept = %q", v)
	}
	if strings.Contains(s2.String(), s2.password) {
		t.Error("String shows the password")
	}
}

func TestStartRefusesRunningCluster(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	dataDir := filepath.Join(proctest.TempDir(t), "pgdata")
	s := start(t, dataDir)

	_, err := Start(context.Background(), Options{DataDir: dataDir})
	if err == nil || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("second Start on a running cluster: err = %v, want 'still running'", err)
	}
	connect(t, s.URL("postgres")) // the first server is unharmed
}

// TestStalePidFile puts a live process that is not PostgreSQL into
// postmaster.pid, as happens when a pid is reused after an unclean stop.
func TestStalePidFile(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	dataDir := filepath.Join(proctest.TempDir(t), "pgdata")
	if err := start(t, dataDir).Stop(); err != nil {
		t.Fatal(err)
	}

	// Run by the server's user: PostgreSQL itself ignores a pid it may
	// not signal, so only then does this test need pgserver's cleanup.
	acct, err := runAccount()
	if err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "60")
	sleep.SysProcAttr = &syscall.SysProcAttr{Credential: acct.cred}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	pidFile := strconv.Itoa(sleep.Process.Pid) + "\n" + dataDir + "\n"
	if err := os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}

	s := start(t, dataDir)
	connect(t, s.URL("postgres"))
}

// TestKill9 kills the process that started the server with SIGKILL, which
// runs no cleanup of ours at all.
func TestKill9(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	holdpg := proctest.Binary(t, proctest.Module+"/internal/testing/holdpg")
	dir := proctest.TempDir(t)

	dataDir := filepath.Join(dir, "pgdata")
	cmd := exec.Command(holdpg, dataDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "postgres://") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("holdpg printed %q; stderr:\n%s", l, stderr.String())
		}
		t.Logf("holdpg serves %s", l)
	case <-time.After(30 * time.Second):
		t.Fatalf("holdpg did not start the server; stderr:\n%s", stderr.String())
	}
	if len(proctest.PostgresPIDs(t, dataDir)) == 0 {
		t.Fatal("postgresPIDs finds no process for holdpg's server")
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	proctest.WaitNoPostgres(t, dataDir, 5*time.Second)

	s := start(t, dataDir)
	connect(t, s.URL("postgres"))
}

func TestFindBinDir(t *testing.T) {
	needPostgres(t)
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
		t.Fatalf("FindBinDir = %s, which has no initdb: %v", dir, err)
	}
}

func TestNotInstalled(t *testing.T) {
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(t.TempDir(), "pgdata"), BinDir: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start with an empty BinDir: err = %v, want ErrNotInstalled", err)
	}
}

func TestDataDirNotACluster(t *testing.T) {
	needPostgres(t)
	dataDir := filepath.Join(proctest.TempDir(t), "pgdata")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: dataDir})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Start on a directory with other files: err = %v, want 'not empty'", err)
	}
}

func BenchmarkWarmStart(b *testing.B) {
	needPostgres(b)
	dataDir := filepath.Join(proctest.TempDir(b), "pgdata")
	if err := start(b, dataDir).Stop(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := Start(context.Background(), Options{DataDir: dataDir})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
