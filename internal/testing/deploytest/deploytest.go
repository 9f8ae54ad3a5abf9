// Package deploytest runs the real binary as separate processes against one
// PostgreSQL database, as several replicas of a deployment would, for the
// scale-out tests (e2e/scaleout) and for the capacity benchmarks
// (e2e/loadtest). The binary is built once per test process with the
// flags of the container image's build stage (deploy/Dockerfile).
package deploytest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// Binary returns the path of the rkc binary built from this checkout,
// building it on the first call as the image does (proctest.Build). The
// file lives until the process ends; call Cleanup from TestMain.
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, proctest.Module+"/cmd/api")
}

// Cleanup removes the built binary.
func Cleanup() { proctest.Cleanup() }

// Main runs the tests of a package that launches the binary against the
// test database, then stops the private PostgreSQL (dbtest.Main) and
// removes the binary. Call it from TestMain: os.Exit(deploytest.Main(m)).
func Main(m *testing.M) int {
	code := dbtest.Main(m)
	Cleanup()
	return code
}

// MasterKeys returns a fresh RKC_MASTER_KEYS value with one random key.
func MasterKeys() string {
	var k [32]byte
	rand.Read(k[:])
	return "deploytest:" + base64.StdEncoding.EncodeToString(k[:])
}

// Instance is one running process of the binary.
type Instance struct {
	Name string
	Addr string // host:port
	URL  string // http://host:port
	cmd  *exec.Cmd
	out  *proctest.Output
	done chan struct{}
	err  error
}

// Options start an instance.
type Options struct {
	Name string
	Env  map[string]string // added to a minimal environment; RKC_ADDR is chosen when unset
	Args []string          // settings and command; default serve
}

// Launch starts the binary without waiting for it to be ready. The process
// is stopped when the test ends.
func Launch(t testing.TB, o Options) *Instance {
	t.Helper()
	bin := Binary(t)
	env := map[string]string{
		"PATH":         os.Getenv("PATH"),
		"HOME":         os.Getenv("HOME"),
		"RKC_DATA_DIR": t.TempDir(),
	}
	for k, v := range o.Env {
		env[k] = v
	}
	// Several instances run side by side: each gets its own metrics
	// listener unless the test chose one (the default is a fixed port).
	if env["RKC_METRICS_ADDR"] == "" {
		env["RKC_METRICS_ADDR"] = "127.0.0.1:0"
	}
	if env["RKC_ADDR"] == "" {
		env["RKC_ADDR"] = proctest.FreeAddr(t)
	}
	in := &Instance{Name: o.Name, Addr: env["RKC_ADDR"], out: &proctest.Output{}, done: make(chan struct{})}
	in.URL = "http://" + in.Addr
	in.cmd = exec.Command(bin, o.Args...)
	for k, v := range env {
		in.cmd.Env = append(in.cmd.Env, k+"="+v)
	}
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.err = in.cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("output of instance %s:\n%s", in.Name, tail(in.Output(), 4000))
		}
	})
	return in
}

// Start launches the binary and waits until /readyz answers 200.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	in := Launch(t, o)
	if err := in.WaitReady(90 * time.Second); err != nil {
		t.Fatalf("instance %s: %v\n%s", in.Name, err, tail(in.Output(), 4000))
	}
	return in
}

// WaitReady polls /readyz until it answers 200, the process exits or the
// time is up.
func (in *Instance) WaitReady(timeout time.Duration) error {
	if err := proctest.WaitReady(in.URL+"/readyz", in.done, timeout); err != nil {
		select {
		case <-in.done:
			return fmt.Errorf("%w: %v", err, in.err)
		default:
			return err
		}
	}
	return nil
}

// Wait waits for the process to exit and returns its error.
func (in *Instance) Wait(timeout time.Duration) error {
	select {
	case <-in.done:
		return in.err
	case <-time.After(timeout):
		return errors.New("still running")
	}
}

// Stop ends the process with SIGTERM (a graceful stop), then SIGKILL after
// 20 seconds.
func (in *Instance) Stop() {
	select {
	case <-in.done:
		return
	default:
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(20 * time.Second):
		in.cmd.Process.Kill()
		<-in.done
	}
}

// PID is the process id.
func (in *Instance) PID() int { return in.cmd.Process.Pid }

// Output is everything the process wrote so far (JSON log lines on stderr).
func (in *Instance) Output() string { return in.out.String() }

// LogCount counts the log lines whose msg is exactly msg.
func (in *Instance) LogCount(msg string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(in.Output()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	want := `"msg":` + strconv.Quote(msg)
	for sc.Scan() {
		if strings.Contains(sc.Text(), want) {
			n++
		}
	}
	return n
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM).
func (in *Instance) PeakRSS() (int64, error) { return PeakRSS(in.PID()) }

// PeakRSS reads VmHWM of a process from /proc.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// Client calls an instance's API.
type Client struct {
	HTTP *http.Client
}

// NewClient returns a client with a modest timeout and keep-alive.
func NewClient() *Client {
	return &Client{HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Do sends a JSON request with an optional bearer token and returns the
// status and body.
func (c *Client) Do(ctx context.Context, method, url, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}
