package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNotRunning is returned by Attach when no server runs on the cluster.
var ErrNotRunning = errors.New("pgserver: no PostgreSQL server runs on the cluster")

// Attach connects to the server that another process (a running `rkc
// serve`) started on o.DataDir, so that an operator's command can work on
// the live database without stopping the service. It finds the server the
// way PostgreSQL records it: postmaster.pid in the cluster directory names
// the postmaster's pid and port, and the password file beside it is the
// one Start wrote. The returned Server belongs to the other process: Stop
// leaves it running. Attach returns ErrNotRunning when no server runs on
// the cluster; the caller may then Start one.
func Attach(ctx context.Context, o Options) (*Server, error) {
	log, dataDir, err := o.resolve()
	if err != nil {
		return nil, err
	}
	logPath := dataDir + ".log"
	dataDir = followLink(dataDir)
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotRunning
	}
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	// postmaster.pid: pid, data directory, start time, port, socket
	// directory, listen address, shared memory key, status.
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return nil, ErrNotRunning // still being written, or not ours
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 || !postgresOwns(pid, dataDir) {
		return nil, ErrNotRunning
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || port <= 0 {
		return nil, fmt.Errorf("pgserver: %s names no port", filepath.Join(dataDir, "postmaster.pid"))
	}
	password, err := readPassword(dataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{dataDir: dataDir, logPath: logPath, port: port, password: password, log: log, attached: true}
	// The server may still be starting or recovering.
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		err := ping(ctx, s.URL("postgres"))
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("pgserver: the PostgreSQL server (pid %d) running on %s does not accept connections: %v", pid, dataDir, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	log.Info("using the running PostgreSQL", "data_dir", dataDir, "port", port, "pid", pid)
	return s, nil
}

// Secret returns the value kept in the file name inside the cluster
// directory, creating it with a new random value on first use. The
// embedded default keeps the application role's password there, beside
// the superuser's. Only the process that reads the cluster directory (the
// binary, never PostgreSQL's user) needs it.
func (s *Server) Secret(name string) (string, error) {
	if strings.ContainsRune(name, filepath.Separator) || name == passwordFile {
		return "", fmt.Errorf("pgserver: bad secret name %q", name)
	}
	path := filepath.Join(s.dataDir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("pgserver: %w", err)
	}
	v, err := newPassword()
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(path, []byte(v+"\n")); err != nil {
		return "", err
	}
	return v, nil
}
