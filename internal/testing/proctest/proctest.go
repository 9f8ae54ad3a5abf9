// Package proctest is for tests that run the product's programs as separate
// processes: it builds a program once per test process, collects a child's
// output while the test reads it, finds the repository and a free port,
// waits for a server to be ready, gives PostgreSQL a directory it can
// enter, and checks that no PostgreSQL process outlives the program that
// started it. cmd/api's tests,
// pgserver's kill -9 test and deploytest (the scale-out tests and the
// capacity benchmarks of the e2e module) share it.
package proctest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Module is the product module's path.
const Module = "github.com/rkc-nl/rkc"

var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// Root returns the repository's root directory, the product module's: from
// a test of the product module and from one of the e2e module alike (there
// through its replace directive).
func Root() (string, error) {
	rootOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module).Output()
		if err != nil {
			rootErr = fmt.Errorf("go list -m %s: %w", Module, err)
			return
		}
		if root = strings.TrimSpace(string(out)); root == "" {
			rootErr = fmt.Errorf("not inside the %s module or the e2e module beside it", Module)
		}
	})
	return root, rootErr
}

// RepoRoot is Root for a test: it fails the test when the root is not
// found.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

type build struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*build{}
	dirs     []string
)

// Build builds the command pkg (an import path of the product module, such
// as Module+"/cmd/api") the first time it is asked for, and returns the path
// of the executable. It builds in the repository root with the flags of the
// container image's build stage (deploy/Dockerfile: CGO_ENABLED=0,
// -trimpath, -ldflags="-s -w"), so the tests run what an operator runs, and
// with -buildvcs=false: stamping asks git, which refuses a checkout owned by
// another user ("dubious ownership"). The executable lies in a directory
// open to all (a test may run it as another user) until Cleanup.
func Build(pkg string) (string, error) {
	buildsMu.Lock()
	b, ok := builds[pkg]
	if !ok {
		b = &build{}
		builds[pkg] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() { b.path, b.err = buildNow(pkg) })
	return b.path, b.err
}

func buildNow(pkg string) (string, error) {
	dir, err := Root()
	if err != nil {
		return "", err
	}
	out, err := os.MkdirTemp("", "rkc-bin-")
	if err != nil {
		return "", err
	}
	buildsMu.Lock()
	dirs = append(dirs, out)
	buildsMu.Unlock()
	if err := os.Chmod(out, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(out, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-buildvcs=false", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return bin, nil
}

// Binary is Build for a test: it fails the test when the build fails.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	bin, err := Build(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Cleanup removes every executable Build made; call it from TestMain after
// the tests have run.
func Cleanup() {
	buildsMu.Lock()
	defer buildsMu.Unlock()
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	dirs = nil
	builds = map[string]*build{}
}

// Output collects a child's output (as its Stdout or Stderr) while the test
// reads it.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// TempDir is t.TempDir opened up for the postgres user: t.TempDir makes
// 0700 directories, and as root PostgreSQL runs as postgres, who must pass
// through them (as through a checkout under /tmp or /srv that `make run`
// finds).
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// PostmasterPID reads the pid of the server on pgData from its
// postmaster.pid, as an operator would before a kill -9.
func PostmasterPID(t testing.TB, pgData string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pgData, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// FreeAddr returns a loopback address with a port nothing listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// WaitReady polls url (a /readyz) until it answers 200; it fails when the
// process ends first (done closes) or timeout passes.
func WaitReady(url string, done <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("exited before it was ready")
		default:
		}
		if res, err := c.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready within %v", timeout)
}

// PostgresPIDs lists the PostgreSQL processes serving dataDir: the
// postmaster names it on its command line, and every backend works in it
// (backends rewrite their command line, so that alone would miss them).
func PostgresPIDs(t testing.TB, dataDir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		comm, err := os.ReadFile(filepath.Join(dir, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		cwd, _ := os.Readlink(filepath.Join(dir, "cwd"))
		if bytes.Contains(cmdline, []byte(dataDir)) || cwd == dataDir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// WaitNoPostgres fails the test unless every PostgreSQL process on dataDir
// is gone within d.
func WaitNoPostgres(t testing.TB, dataDir string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		pids := PostgresPIDs(t, dataDir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL processes %v still serve %s after %v", pids, dataDir, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
