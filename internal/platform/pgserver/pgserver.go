// Package pgserver runs a private PostgreSQL server from the PostgreSQL
// installed on the machine, so that RKC and its tests need no database set up
// beforehand: the first start creates a cluster in a directory of our own, and
// later starts reuse it.
//
// The server listens only on 127.0.0.1, on a port chosen at each start, and
// its superuser password lives in a 0600 file inside the cluster directory.
// It is bound to our process: it stops with Stop, and it also stops when our
// process dies in any way, kill -9 included (see sysProcAttr).
package pgserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rkc-nl/rkc/internal/platform/atomicfile"
)

// ErrNotInstalled is returned by Start and FindBinDir when no PostgreSQL
// server binaries (initdb and postgres) can be found. The message tells an
// operator both ways out, because it usually ends up on their terminal.
var ErrNotInstalled = errors.New("PostgreSQL is not installed: install the Debian package (apt-get install -y postgresql) or set DATABASE_URL to an existing database")

const (
	// superuser is the role initdb creates; callers connect as it so that
	// they may create databases (test templates, for instance).
	superuser = "postgres"

	// passwordFile holds the superuser password inside DataDir. Writing it
	// is the last step of creating a cluster, so its absence next to a
	// PG_VERSION file means the cluster is not ours or is half made.
	passwordFile = "rkc-superuser.password"

	// startTimeout bounds waiting for the server to accept connections.
	// Crash recovery after an unclean stop is part of that wait.
	startTimeout = 30 * time.Second

	// stopTimeout is how long a fast shutdown may take before Stop falls
	// back to an immediate one; a fast shutdown writes a checkpoint, which
	// on a large, busy database takes a while.
	stopTimeout = 60 * time.Second

	// bindAttempts is how often Start picks a new port when another
	// process took the one we chose between choosing it and the server
	// binding it.
	bindAttempts = 3
)

// Options configures Start.
type Options struct {
	// DataDir is the cluster directory, for example ./var/pgdata. Start
	// creates and initialises it when it is missing or empty; the cluster
	// and its data survive restarts. The server log is written next to it,
	// to DataDir + ".log", so that it is neither inside the cluster (where
	// it would end up in base backups) nor on our stdout.
	DataDir string

	// BinDir is the directory holding initdb and postgres. When empty,
	// Start uses FindBinDir.
	BinDir string

	// Logger receives pgserver's own messages (cluster created, server
	// started and stopped). Nil means no messages.
	Logger *slog.Logger

	// ClusterRoot is where Start places the cluster when PostgreSQL's
	// user cannot reach DataDir (as root, a checkout under /root, whose
	// mode is 0700): the cluster goes into a new directory below it and
	// DataDir becomes a symbolic link to that directory. Empty means
	// DefaultClusterRoot. See relocate.
	ClusterRoot string
}

// resolve returns the logger to use (a discarding one for none) and the
// absolute DataDir.
func (o Options) resolve() (*slog.Logger, string, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.DataDir == "" {
		return nil, "", errors.New("pgserver: Options.DataDir is empty")
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, "", fmt.Errorf("pgserver: %w", err)
	}
	return log, dataDir, nil
}

// Server is a running PostgreSQL server started by Start. Its methods are
// safe for concurrent use.
type Server struct {
	dataDir  string
	logPath  string
	port     int
	password string
	log      *slog.Logger
	binDir   string
	acct     account

	// attached marks a server another process started (Attach): Stop
	// leaves it running and Supervise does nothing.
	attached bool

	mu       sync.Mutex // guards proc and stopping
	proc     *process
	stopping bool

	stopOnce sync.Once
	stopErr  error
}

// Start starts a PostgreSQL server on o.DataDir, creating the cluster first
// if the directory holds none, and returns once the server accepts
// connections. ctx bounds only the start-up; the server runs until Stop or
// until our process exits.
//
// Start returns ErrNotInstalled when no PostgreSQL binaries are found, and an
// error naming the process when a PostgreSQL server still runs on DataDir.
func Start(ctx context.Context, o Options) (*Server, error) {
	begin := time.Now()
	log, dataDir, err := o.resolve()
	if err != nil {
		return nil, err
	}
	binDir := o.BinDir
	if binDir == "" {
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	} else if !hasServerBinaries(binDir) {
		return nil, fmt.Errorf("%w (no initdb and postgres in %s)", ErrNotInstalled, binDir)
	}
	if binDir, err = filepath.Abs(binDir); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}

	acct, err := runAccount()
	if err != nil {
		return nil, err
	}
	// The log stays beside DataDir as named, also when the cluster lives
	// elsewhere: we write it, not PostgreSQL's user.
	logPath := dataDir + ".log"
	if dataDir, err = clusterDir(dataDir, o.ClusterRoot, acct, log); err != nil {
		return nil, err
	}
	fresh, err := prepareDataDir(dataDir, acct)
	if err != nil {
		return nil, err
	}

	var password string
	if fresh {
		log.Info("creating PostgreSQL cluster", "data_dir", dataDir, "bin_dir", binDir)
		if password, err = initCluster(ctx, binDir, dataDir, logPath, acct); err != nil {
			return nil, err
		}
		log.Info("created PostgreSQL cluster", "data_dir", dataDir, "took", time.Since(begin).Round(time.Millisecond))
	} else {
		if password, err = readPassword(dataDir); err != nil {
			return nil, err
		}
		if err := removeStalePidFile(dataDir); err != nil {
			return nil, err
		}
	}

	s := &Server{dataDir: dataDir, logPath: logPath, password: password, log: log, binDir: binDir, acct: acct}
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		err = s.startPostmaster(ctx)
		if err == nil {
			break
		}
		var bind *bindError
		if !errors.As(err, &bind) || attempt == bindAttempts {
			return nil, err
		}
		log.Warn("PostgreSQL could not bind its port, retrying on another", "port", s.port)
	}
	log.Info("started PostgreSQL", "data_dir", dataDir, "port", s.port,
		"pid", s.proc.cmd.Process.Pid, "log", logPath, "took", time.Since(begin).Round(time.Millisecond))
	return s, nil
}

// URL returns a connection URL for database as the superuser, over TCP to
// 127.0.0.1 without TLS (the traffic never leaves the machine). The URL
// holds the password: do not log it.
func (s *Server) URL(database string) string {
	return s.URLAs(superuser, s.password, database)
}

// URLAs is URL for another login role of the server.
func (s *Server) URLAs(role, password, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(role, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// String describes the server without its password, so that a Server that
// ends up in a log line or an error message does not leak it.
func (s *Server) String() string {
	return fmt.Sprintf("PostgreSQL on 127.0.0.1:%d (data %s)", s.port, s.dataDir)
}

// Stop shuts the server down in "fast" mode (SIGINT to the postmaster):
// open transactions are rolled back and a checkpoint is written, so the
// next start needs no recovery. It waits for the server to exit; if that
// takes longer than a minute it falls back to an immediate shutdown.
// Stop is idempotent: later calls return the first call's result. It returns
// an error if the server had already exited on its own.
// A server that Attach found running is left running: Stop returns nil.
func (s *Server) Stop() error {
	if s.attached {
		return nil
	}
	s.stopOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.stopping = true
		s.stopErr = s.stop()
		s.log.Info("stopped PostgreSQL", "data_dir", s.dataDir, "err", s.stopErr)
	})
	return s.stopErr
}

func (s *Server) stop() error {
	p := s.proc
	select {
	case <-p.done:
		return fmt.Errorf("pgserver: PostgreSQL had exited before Stop (%v)%s", p.err, logTail(s.logPath, 0))
	default:
	}
	// Each signal escalates only if the previous one did not end the
	// server in time; SIGKILL of the postmaster alone would leave its
	// backends behind, so SIGQUIT comes first.
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{
		{syscall.SIGINT, stopTimeout},
		{syscall.SIGQUIT, 10 * time.Second},
		{syscall.SIGKILL, 10 * time.Second},
	} {
		if err := p.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pgserver: signalling PostgreSQL: %w", err)
		}
		select {
		case <-p.done:
			if step.sig != syscall.SIGINT {
				return fmt.Errorf("pgserver: PostgreSQL ignored a fast shutdown and was stopped with %v%s", step.sig, logTail(s.logPath, 0))
			}
			if p.err != nil {
				return fmt.Errorf("pgserver: PostgreSQL shut down with %v%s", p.err, logTail(s.logPath, 0))
			}
			return nil
		case <-time.After(step.wait):
		}
	}
	return fmt.Errorf("pgserver: PostgreSQL (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
}

// FindBinDir returns the directory holding the PostgreSQL server binaries
// (initdb and postgres). It asks pg_config first, because that names the
// installation the machine's administrator set up; then looks for initdb
// and postgres on PATH (Fedora, Homebrew); then takes the highest version
// under /usr/lib/postgresql (Debian and Ubuntu keep the server binaries off
// PATH) and finally /usr/local/pgsql/bin (built from source). It returns
// ErrNotInstalled when none of these has both binaries.
func FindBinDir() (string, error) {
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		// Debian's libpq-dev pg_config answers /usr/bin, which has no
		// initdb; hasServerBinaries sends us on to the next place.
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(initdb); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(debian, func(a, b string) int {
		return -compareVersions(filepath.Base(filepath.Dir(a)), filepath.Base(filepath.Dir(b)))
	})
	for _, dir := range append(debian, "/usr/local/pgsql/bin") {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

// compareVersions orders PostgreSQL major versions numerically, so that 15
// sorts above 9.6.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return strings.Compare(a, b)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// account is the operating-system user PostgreSQL runs as.
type account struct {
	uid, gid int
	groups   []int
	// cred is nil when that user is ourselves.
	cred *syscall.Credential
}

// runAccount picks the user to run initdb and postgres as. Both refuse to
// run as root, so as root we switch to the postgres system user that the
// distribution packages create; otherwise we run them as ourselves.
func runAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("pgserver: PostgreSQL refuses to run as root and there is no 'postgres' system user to run it as (%v); create one (useradd --system postgres) or run RKC as a normal user", err)
	}
	a := account{cred: &syscall.Credential{Groups: []uint32{}}}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return account{}, fmt.Errorf("pgserver: postgres user has uid %q: %w", u.Uid, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return account{}, fmt.Errorf("pgserver: postgres user has gid %q: %w", u.Gid, err)
	}
	a.cred.Uid, a.cred.Gid = uint32(a.uid), uint32(a.gid)
	// Without this the child would keep root's supplementary groups.
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, g)
			a.cred.Groups = append(a.cred.Groups, uint32(g))
		}
	}
	return a, nil
}

// chown gives path to the account when we run it as another user.
func (a account) chown(path string) error {
	if a.cred == nil {
		return nil
	}
	if err := os.Lchown(path, a.uid, a.gid); err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	return nil
}

// canTraverse reports whether the account may search (x) the directory fi.
// It reads the mode bits only; an ACL granting access is not seen.
func (a account) canTraverse(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case int(st.Gid) == a.gid || slices.Contains(a.groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// prepareDataDir makes sure dataDir exists and the server's user can reach
// and own it. It reports whether the directory needs a new cluster.
func prepareDataDir(dataDir string, acct account) (fresh bool, err error) {
	parent := filepath.Dir(dataDir)
	created, err := mkdirAll(parent)
	if err != nil {
		return false, err
	}
	// Directories we made are ours to open up; MkdirAll's 0755 is cut
	// down by a umask such as 077, and the server's user must pass
	// through them.
	for _, dir := range created {
		if err := os.Chmod(dir, 0o755); err != nil {
			return false, fmt.Errorf("pgserver: %w", err)
		}
	}
	if acct.cred != nil {
		if err := checkReachable(dataDir, acct); err != nil {
			return false, err
		}
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, fmt.Errorf("pgserver: %w", err)
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		return false, fmt.Errorf("pgserver: %w", err)
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("pgserver: DataDir %s is not a directory", dataDir)
	}

	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && acct.cred != nil && int(st.Uid) != acct.uid {
			return false, fmt.Errorf("pgserver: the cluster in %s belongs to uid %d, but as root PostgreSQL runs as the postgres user (uid %d); run RKC as the cluster's owner or chown -R the directory", dataDir, st.Uid, acct.uid)
		}
		return false, nil
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return false, fmt.Errorf("pgserver: %w", err)
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("pgserver: DataDir %s is not empty and holds no PostgreSQL cluster; empty it or choose another directory", dataDir)
	}
	// initdb insists on 0700 (or 0750) and on owning the directory.
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return false, fmt.Errorf("pgserver: %w", err)
	}
	return true, acct.chown(dataDir)
}

// mkdirAll is os.MkdirAll that reports the directories it created.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	return missing, nil
}

// checkReachable fails clearly when a directory above dataDir keeps the
// server's user out; PostgreSQL's own message for this ("could not change
// directory") does not say what to change. A typical case is a root-owned
// 0700 temporary directory. It runs before dataDir is made, so that a
// refused start leaves no DataDir of the wrong owner behind. Directories
// that do not exist yet are skipped: we make them, open to all (mkdirAll).
func checkReachable(dataDir string, acct account) error {
	if d, mode, ok := blocker(dataDir, acct); !ok {
		return fmt.Errorf("pgserver: PostgreSQL runs as the postgres user, which cannot reach %s because %s has mode %#o; allow it through (chmod o+x %s) or choose a DataDir elsewhere", dataDir, d, mode, d)
	}
	return nil
}

// blocker finds the first existing directory above path that acct may not
// pass through; ok is true when there is none.
func blocker(path string, acct account) (dir string, mode fs.FileMode, ok bool) {
	parent := filepath.Dir(path)
	paths := []string{parent}
	if real, err := filepath.EvalSymlinks(parent); err == nil && real != parent {
		paths = append(paths, real)
	}
	for _, p := range paths {
		for d := p; ; d = filepath.Dir(d) {
			fi, err := os.Stat(d)
			if err == nil && !acct.canTraverse(fi) {
				return d, fi.Mode().Perm(), false
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", 0, true
}

// initCluster runs initdb on the empty dataDir and writes the password
// file, and returns the new superuser password.
func initCluster(ctx context.Context, binDir, dataDir, logPath string, acct account) (string, error) {
	password, err := newPassword()
	if err != nil {
		return "", err
	}
	// initdb reads the password from a file (keeping it off the command
	// line, which ps shows). It cannot be in dataDir, which initdb wants
	// empty, so it sits next to it for the few hundred milliseconds initdb
	// needs, readable only by the server's user.
	pwFile, err := os.CreateTemp(filepath.Dir(dataDir), "."+filepath.Base(dataDir)+".pw-*")
	if err != nil {
		return "", fmt.Errorf("pgserver: %w", err)
	}
	defer os.Remove(pwFile.Name())
	_, err = pwFile.WriteString(password + "\n")
	if cerr := pwFile.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = acct.chown(pwFile.Name())
	}
	if err != nil {
		return "", fmt.Errorf("pgserver: writing initdb password file: %w", err)
	}

	logFile, offset, err := openLog(logPath)
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(binDir, "initdb"),
		"--pgdata="+dataDir,
		"--username="+superuser,
		"--pwfile="+pwFile.Name(),
		"--auth=scram-sha-256",
		"--encoding=UTF8",
		"--locale=C",
		"--no-instructions",
	)
	prepareCmd(cmd, logFile)
	// SIGTERM lets initdb remove the half-made cluster itself if we die
	// while it runs, so the next start finds an empty directory again.
	cmd.SysProcAttr = sysProcAttr(acct, syscall.SIGTERM)
	p, err := startProcess(cmd)
	if err != nil {
		return "", fmt.Errorf("pgserver: starting initdb: %w", err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
		return "", ctx.Err()
	}
	if p.err != nil {
		return "", fmt.Errorf("pgserver: initdb failed: %v%s", p.err, logTail(logPath, offset))
	}

	// Written last, through a rename, so that a password file exists only
	// next to a complete cluster.
	final := filepath.Join(dataDir, passwordFile)
	if err := writeFileAtomic(final, []byte(password+"\n")); err != nil {
		return "", err
	}
	return password, acct.chown(final)
}

func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pgserver: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writeFileAtomic replaces path with data (mode 0600), never leaving a torn file.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Replace(path, data); err != nil {
		return fmt.Errorf("pgserver: writing %s: %w", path, err)
	}
	return nil
}

func readPassword(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, passwordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("pgserver: %s holds a PostgreSQL cluster but no %s, so it was not made by pgserver or its creation was interrupted; remove the directory to start afresh, or use DATABASE_URL for an existing cluster", dataDir, passwordFile)
	}
	if err != nil {
		return "", fmt.Errorf("pgserver: %w", err)
	}
	password := strings.TrimSpace(string(b))
	if password == "" {
		return "", fmt.Errorf("pgserver: %s is empty", filepath.Join(dataDir, passwordFile))
	}
	return password, nil
}

// removeStalePidFile removes postmaster.pid when no PostgreSQL process owns
// it. After a kill -9 or a machine crash the file stays behind, and its pid
// may by now belong to an unrelated process, which PostgreSQL itself would
// take for a running server (in containers, where pids restart low, this is
// common). A server that does still run on dataDir is reported instead.
func removeStalePidFile(dataDir string) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	// A single-user backend writes its pid negated.
	pid, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(first), "-"))
	if err == nil && pid > 0 && pid != os.Getpid() && postgresOwns(pid, dataDir) {
		return fmt.Errorf("pgserver: a PostgreSQL server (pid %d) is still running on %s; stop it or choose another DataDir", pid, dataDir)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgserver: removing stale %s: %w", path, err)
	}
	return nil
}

// bindError marks a start that failed because the chosen port was taken.
type bindError struct{ err error }

func (e *bindError) Error() string { return e.err.Error() }
func (e *bindError) Unwrap() error { return e.err }

// startPostmaster starts postgres on s.port and waits until it accepts
// connections.
func (s *Server) startPostmaster(ctx context.Context) error {
	logFile, offset, err := openLog(s.logPath)
	if err != nil {
		return err
	}
	// The server writes its log through this descriptor, not through a
	// pipe to us, so that it keeps logging (and does not die of SIGPIPE)
	// while we are gone or busy; our copy can be closed at once.
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(s.binDir, "postgres"),
		"-D", s.dataDir,
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		// No Unix socket: the default directory (/var/run/postgresql
		// on Debian) is not writable by a normal user, and a socket
		// path under DataDir can exceed the 107-byte limit. TCP on
		// loopback is all we use.
		"-c", "unix_socket_directories=",
	)
	prepareCmd(cmd, logFile)
	// SIGQUIT is PostgreSQL's immediate shutdown; see sysProcAttr.
	cmd.SysProcAttr = sysProcAttr(s.acct, syscall.SIGQUIT)
	p, err := startProcess(cmd)
	if err != nil {
		return fmt.Errorf("pgserver: starting postgres: %w", err)
	}
	s.proc = p
	if err := s.waitReady(ctx, offset); err != nil {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			<-p.done
		}
		return err
	}
	return nil
}

// waitReady polls until the server accepts a connection with our password.
// It runs before s.proc is shared (Start) or under s.mu (restart).
func (s *Server) waitReady(ctx context.Context, logOffset int64) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ping(ctx, s.URL("postgres"))
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000") {
			return fmt.Errorf("pgserver: PostgreSQL rejected the password in %s: %s", filepath.Join(s.dataDir, passwordFile), pgErr.Message)
		}
		select {
		case <-s.proc.done:
			tail := logTail(s.logPath, logOffset)
			err := fmt.Errorf("pgserver: postgres exited during start-up (%v)%s", s.proc.err, tail)
			if strings.Contains(tail, "could not bind") || strings.Contains(tail, "already in use") {
				return &bindError{err}
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("pgserver: PostgreSQL did not accept connections: %w (last error: %v)%s", ctx.Err(), err, logTail(s.logPath, logOffset))
		case <-tick.C:
		}
	}
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before postgres binds it; Start retries on a new port then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgserver: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// openLog opens the server log for appending and returns its size, so that
// an error can quote only what this run wrote.
func openLog(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("pgserver: opening server log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("pgserver: %w", err)
	}
	return f, fi.Size(), nil
}

// logTail returns the end of the log written since offset, formatted to be
// appended to an error message.
func logTail(path string, offset int64) string {
	const tailBytes = 4 << 10
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	offset = max(offset, fi.Size()-tailBytes)
	b, err := io.ReadAll(io.NewSectionReader(f, offset, fi.Size()-offset))
	tail := strings.TrimSpace(string(b))
	if err != nil || tail == "" {
		return fmt.Sprintf("; see %s", path)
	}
	return fmt.Sprintf("; end of %s:\n%s", path, tail)
}

// prepareCmd sets what initdb and postgres share: output to the log, a
// working directory the server's user can enter, and an environment
// without PG* variables, which could redirect them (PGDATA, PGPORT, ...).
// The locale variables give way to LC_ALL=C, which keeps their messages in
// English: waitReady looks for "could not bind" in them.
func prepareCmd(cmd *exec.Cmd, logFile *os.File) {
	cmd.Dir = "/"
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	env := []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
}

// process is a child started by startProcess.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the child has exited
	err  error         // cmd.Wait's result; read only after done
}

// startProcess starts cmd from a goroutine locked to its OS thread, and
// keeps that thread in cmd.Wait until the child exits. The parent-death
// signal (sysProcAttr) fires when the thread that forked the child ends,
// not when our process does; Go may otherwise retire that thread while the
// child runs and so kill a healthy server. The goroutine never unlocks, so
// the runtime discards the thread after Wait instead of reusing it.
func startProcess(cmd *exec.Cmd) (*process, error) {
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}
