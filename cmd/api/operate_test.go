package main

import (
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// TestCommandsWhileServing: an operator's commands work on the embedded
// default while the service runs, through the server it started, and
// leave it running.
func TestCommandsWhileServing(t *testing.T) {
	t.Parallel()
	dataDir := openDataDir(t)
	s := startServer(t, dataDir)
	pgData := filepath.Join(dataDir, "pgdata")
	before := proctest.PostmasterPID(t, pgData)
	for _, args := range [][]string{{"audit", "verify"}, {"purge", "--dry-run"}, {"outbox", "dead"}, {"migrate"}} {
		r := runBinary(t, []string{"RKC_DATA_DIR=" + dataDir}, args...)
		if r.code != 0 {
			t.Errorf("rkc %s while serving: exit %d:\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if after := proctest.PostmasterPID(t, pgData); after != before {
		t.Errorf("the commands replaced the service's PostgreSQL (pid %d, now %d)", before, after)
	}
	if a := s.get(t, "/readyz", ""); a.status != http.StatusOK {
		t.Errorf("/readyz after the commands = %d", a.status)
	}
	if code := s.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code = %d; stderr:\n%s", code, s.stderr)
	}
	// With the service gone, a command starts the server itself, and
	// stops it again.
	if r := runBinary(t, []string{"RKC_DATA_DIR=" + dataDir}, "audit", "verify"); r.code != 0 {
		t.Errorf("rkc audit verify with the service stopped: exit %d:\n%s", r.code, r.stderr)
	}
	proctest.WaitNoPostgres(t, pgData, 5*time.Second)
}

// TestServeRefusesOwnerLogin: a DATABASE_URL whose login could alter or
// empty the access log (here a superuser) stops the service with one line
// naming the fix, unless the development flag allows it.
func TestServeRefusesOwnerLogin(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	r := runBinary(t, []string{"DATABASE_URL=" + url, "RKC_LOG_LEVEL=error"})
	oneErrorLine(t, r, "access log", "superuser", "RKC_OWNER_DATABASE_URL", "RKC_DEV_OWNER_LOGIN")

	s := startServer(t, openDataDir(t), "DATABASE_URL="+url, "RKC_DEV_OWNER_LOGIN=true")
	if !strings.Contains(s.stderr.String(), "never do this in production") {
		t.Errorf("no warning about the development flag:\n%s", s.stderr)
	}
}

// TestServeAsAppLogin: with the application's own login in DATABASE_URL
// the service serves a migrated database, and on one that needs migrating
// names the owner's setting instead of failing obscurely.
func TestServeAsAppLogin(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	startServer(t, openDataDir(t), "DATABASE_URL="+dbtest.AppURL(t, url))

	empty := dbtest.NewEmptyURL(t)
	r := runBinary(t, []string{"DATABASE_URL=" + dbtest.AppURL(t, empty), "RKC_LOG_LEVEL=error"})
	oneErrorLine(t, r, "RKC_OWNER_DATABASE_URL")
}

// TestPrivateCheckout: `make run` from a checkout inside a 0700 directory
// (as root: under /root, which the postgres user cannot enter) needs no
// manual step: the data folder then links to a cluster the postgres user
// can reach.
func TestPrivateCheckout(t *testing.T) {
	t.Parallel()
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(private, "checkout", "var")
	pgData := filepath.Join(dataDir, "pgdata")
	s := startServer(t, dataDir)
	if os.Geteuid() == 0 {
		if target, err := os.Readlink(pgData); err != nil {
			t.Errorf("as root the data folder should link to the cluster: %v", err)
		} else {
			t.Logf("cluster in %s", target)
		}
	}
	if code := s.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", code, s.stderr)
	}
	// A later start and an operator's command find the same cluster.
	if r := runBinary(t, []string{"RKC_DATA_DIR=" + dataDir}, "migrate"); r.code != 0 {
		t.Fatalf("rkc migrate after the first start: exit %d:\n%s", r.code, r.stderr)
	}
}

// TestPrivateHomeAsUser: a normal user runs the binary with the data
// folder in a mode-0700 home. Run as root, the test runs the binary as the
// nobody user in such a folder; run as a normal user, as that user.
func TestPrivateHomeAsUser(t *testing.T) {
	t.Parallel()
	home := filepath.Join(filepath.Dir(openDataDir(t)), "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "migrate")
	cmd.Env = childEnv("RKC_DATA_DIR=" + filepath.Join(home, "var"))
	cmd.Dir = home
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		t.Cleanup(func() { os.RemoveAll(home) }) // files of another user
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rkc migrate with the data folder in a 0700 home: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, "var", "pgdata", "PG_VERSION")); err != nil {
		t.Errorf("no cluster in the home's data folder: %v", err)
	}
}
