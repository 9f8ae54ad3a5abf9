package pgserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// TestPrivateDataFolder: a data folder below a 0700 directory (a checkout
// under /root, a normal user's private home) works without any manual
// step. As root PostgreSQL runs as the postgres user, who cannot pass that
// directory: the cluster then lives below ClusterRoot, the data folder
// links to it, and every later start finds it there.
func TestPrivateDataFolder(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	private := t.TempDir() // 0700, as /root and many homes are
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	clusterRoot := filepath.Join(proctest.TempDir(t), "clusters")
	dataDir := filepath.Join(private, "checkout", "var", "pgdata")
	o := Options{DataDir: dataDir, ClusterRoot: clusterRoot}

	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("Start below a 0700 directory: %v", err)
	}
	t.Cleanup(func() { s.Stop() })
	app := func(s *Server) string { return s.URL("postgres") }
	exec1(t, connect(t, app(s)), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('kept')")

	target, linkErr := os.Readlink(dataDir)
	if os.Geteuid() == 0 {
		if linkErr != nil || !strings.HasPrefix(target, clusterRoot+string(filepath.Separator)) {
			t.Fatalf("as root the data folder should link into %s; Readlink = %q, %v", clusterRoot, target, linkErr)
		}
		if _, err := os.Stat(filepath.Join(target, "PG_VERSION")); err != nil {
			t.Fatalf("no cluster at the link's target: %v", err)
		}
	} else if linkErr == nil {
		t.Fatalf("a normal user's server runs as that user and needs no link; got one to %s", target)
	}
	// The server's log stays in the data folder, where the operator looks.
	if _, err := os.Stat(dataDir + ".log"); err != nil {
		t.Errorf("server log not beside the data folder: %v", err)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s2, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	t.Cleanup(func() { s2.Stop() })
	var v string
	if err := connect(t, app(s2)).QueryRow(context.Background(), "SELECT v FROM kept").Scan(&v); err != nil || v != "kept" {
		t.Fatalf("after a restart the data is gone: %q, %v", v, err)
	}
	if after, _ := os.Readlink(dataDir); after != target {
		t.Errorf("second start moved the cluster from %q to %q", target, after)
	}
}

// TestClusterRootUnusable: when the cluster cannot be placed anywhere the
// postgres user can reach, Start says so in one error naming both places.
func TestClusterRootUnusable(t *testing.T) {
	needPostgres(t)
	if os.Geteuid() != 0 {
		// A normal user's server runs as that user and reaches any
		// folder the user can; there is no such failure to show.
		return
	}
	t.Parallel()
	private := t.TempDir()
	blocked := filepath.Join(private, "inside") // under a 0700 directory too
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(private, "var", "pgdata"), ClusterRoot: blocked})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), blocked) {
		t.Fatalf("err = %v, want one naming the unreachable data folder and %s", err, blocked)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("error is not one line: %q", err)
	}
}

// TestSupervise kills the postmaster with SIGKILL, as an operator or the
// OOM killer would: Supervise starts it again on the same port, so the
// same URL works, and gives up once the policy's restarts are spent.
func TestSupervise(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	s := start(t, filepath.Join(proctest.TempDir(t), "pgdata"))
	url := s.URL("postgres")
	done := make(chan error, 1)
	go func() { done <- s.Supervise(context.Background(), RestartPolicy{Max: 1, Window: time.Minute}) }()

	kill := func() {
		s.mu.Lock()
		pid := s.proc.cmd.Process.Pid
		s.mu.Unlock()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	kill()
	deadline := time.Now().Add(30 * time.Second)
	for ping(context.Background(), url) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the server did not come back within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	kill() // the second death in the window: more than Max
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "2 times within") {
			t.Fatalf("Supervise = %v, want it to give up after 2 deaths", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Supervise did not give up")
	}
}

// TestSuperviseStop: a deliberate Stop is no death to restart from.
func TestSuperviseStop(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	s := start(t, filepath.Join(proctest.TempDir(t), "pgdata"))
	done := make(chan error, 1)
	go func() { done <- s.Supervise(context.Background(), DefaultRestartPolicy) }()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Supervise after Stop = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Supervise did not return after Stop")
	}
	if ping(context.Background(), s.URL("postgres")) == nil {
		t.Fatal("the server was restarted after Stop")
	}
}

// TestAttach: a second process (an operator's command) reaches the
// running server through the data folder, and leaves it running.
func TestAttach(t *testing.T) {
	needPostgres(t)
	t.Parallel()
	dataDir := filepath.Join(proctest.TempDir(t), "pgdata")
	if _, err := Attach(context.Background(), Options{DataDir: dataDir}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Attach with no server = %v, want ErrNotRunning", err)
	}
	s := start(t, dataDir)
	a, err := Attach(context.Background(), Options{DataDir: dataDir})
	if err != nil {
		t.Fatalf("Attach to a running server: %v", err)
	}
	if a.URL("postgres") != s.URL("postgres") {
		t.Fatalf("Attach found %s, the server is %s", a, s)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	connect(t, s.URL("postgres")) // still running
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(context.Background(), Options{DataDir: dataDir}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Attach after Stop = %v, want ErrNotRunning", err)
	}
}
