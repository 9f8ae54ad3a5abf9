package pgserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"
)

// RestartPolicy bounds Supervise: at most Max restarts within any Window.
// A server that dies more often than that has a cause a restart will not
// cure (a full disk, a broken cluster), and the process had better exit so
// that its supervisor and operator see it.
type RestartPolicy struct {
	Max    int
	Window time.Duration
}

// DefaultRestartPolicy allows three restarts in ten minutes.
var DefaultRestartPolicy = RestartPolicy{Max: 3, Window: 10 * time.Minute}

// Supervise watches the server until ctx ends or Stop is called, and
// restarts it, on the same port, whenever it exits on its own (killed by
// an operator or the kernel's OOM killer, or crashed). The death is logged
// at once, as one line at level ERROR; the connections of the pool then
// fail until the restart is done, after which new ones succeed with the
// same URL. Supervise returns nil when ctx ends or Stop is called, and an
// error when the server died more often than p allows or could not be
// started again: the caller should then stop with a non-zero exit code.
// For a server found by Attach it returns nil at once.
func (s *Server) Supervise(ctx context.Context, p RestartPolicy) error {
	if s.attached {
		return nil
	}
	var deaths []time.Time
	for {
		s.mu.Lock()
		proc := s.proc
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-proc.done:
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return nil
		}
		now := time.Now()
		deaths = append(slices.DeleteFunc(deaths, func(t time.Time) bool { return now.Sub(t) > p.Window }), now)
		cause := "exited"
		if proc.err != nil {
			cause = proc.err.Error()
		}
		if len(deaths) > p.Max {
			s.mu.Unlock()
			s.log.Error("embedded PostgreSQL died; not restarting it", "cause", cause, "pid", proc.cmd.Process.Pid,
				"deaths", len(deaths), "window", p.Window.String(), "log", s.logPath)
			return fmt.Errorf("embedded PostgreSQL died (%s), %d times within %v where %d restarts are allowed; stopping, see %s", cause, len(deaths), p.Window, p.Max, s.logPath)
		}
		s.log.Error("embedded PostgreSQL died; restarting it", "cause", cause, "pid", proc.cmd.Process.Pid,
			"restart", len(deaths), "max_restarts", p.Max, "window", p.Window.String(), "log", s.logPath)
		begin := time.Now()
		err := s.restart(ctx)
		s.mu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.log.Error("embedded PostgreSQL could not be restarted", "error", err.Error())
			// The error quotes the server's log over several lines; the
			// log line above holds it, the returned error stays one line.
			return fmt.Errorf("embedded PostgreSQL died (%s) and could not be restarted; see %s", cause, s.logPath)
		}
		s.log.Info("embedded PostgreSQL restarted", "port", s.port, "pid", s.proc.cmd.Process.Pid,
			"took", time.Since(begin).Round(time.Millisecond))
	}
}

// restart starts the postmaster again after dead exited on its own. It
// runs under s.mu.
func (s *Server) restart(ctx context.Context) error {
	// A postmaster killed with SIGKILL leaves its backends behind; they
	// notice and exit soon, but until the last one has, a new postmaster
	// refuses the cluster ("pre-existing shared memory block is still in
	// use"). They are ended as PostgreSQL ends them itself after a crash.
	deadline := time.Now().Add(10 * time.Second)
	for {
		orphans := serverProcesses(s.dataDir)
		if len(orphans) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v of the dead server did not exit", orphans)
		}
		for _, pid := range orphans {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("ending process %d of the dead server: %w", pid, err)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := removeStalePidFile(s.dataDir); err != nil {
		return err
	}
	return s.startPostmaster(ctx)
}
