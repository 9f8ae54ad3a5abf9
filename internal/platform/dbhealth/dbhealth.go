// Package dbhealth knows whether the database answers: a Monitor pings it
// every second, so that the service can answer 503 at once while it is
// unreachable (instead of making every request wait for a connection that
// will fail) and /healthz can fail once it has been unreachable too long;
// Unreachable tells a failed connection from a failed query.
package dbhealth

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// RetryAfter is the Retry-After, in seconds, of a request refused because
// the database is unreachable: a monitor notices recovery within a second,
// and an embedded PostgreSQL restarts in a few.
const RetryAfter = 5

// Monitor tracks whether the database answers. Its methods are safe for
// concurrent use; a nil *Monitor always reports the database up.
type Monitor struct {
	db       *sql.DB
	log      *slog.Logger
	limit    time.Duration
	interval time.Duration
	now      func() time.Time

	mu        sync.Mutex
	downSince time.Time // zero while the database answers
}

// New returns a Monitor of sqlDB. limit is how long the database may be
// unreachable before Healthy reports false.
func New(sqlDB *sql.DB, log *slog.Logger, limit time.Duration) *Monitor {
	return &Monitor{db: sqlDB, log: log, limit: limit, interval: time.Second, now: time.Now}
}

// Run pings the database every second until ctx ends, and logs each change
// between reachable and unreachable as one line.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		m.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Monitor) check(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, m.interval)
	err := m.db.PingContext(pctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err != nil && m.downSince.IsZero():
		m.downSince = m.now()
		// The error by kind only; its text may name host and user.
		m.log.Error("database unreachable; API requests answer 503 until it is back",
			"healthz_fails_after", m.limit.String(), "error_type", kind(err))
	case err == nil && !m.downSince.IsZero():
		m.log.Info("database reachable again", "was_down", m.now().Sub(m.downSince).Round(time.Millisecond).String())
		m.downSince = time.Time{}
	}
}

// Down reports whether the last ping failed.
func (m *Monitor) Down() bool {
	return m.DownFor() > 0
}

// DownFor is how long the database has been unreachable; 0 while it answers.
func (m *Monitor) DownFor() time.Duration {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.downSince.IsZero() {
		return 0
	}
	return max(m.now().Sub(m.downSince), time.Nanosecond)
}

// Healthy reports false once the database has been unreachable for longer
// than the limit given to New: restarting the process may then help (a
// stale pool, a dead embedded server that could not be restarted), and a
// supervisor should do it.
func (m *Monitor) Healthy() bool {
	return m == nil || m.DownFor() <= m.limit
}

// Limit is the limit given to New.
func (m *Monitor) Limit() time.Duration {
	if m == nil {
		return 0
	}
	return m.limit
}

// Unreachable reports whether err means that the database could not be
// reached or went away (refused or broken connection, server shutting
// down, starting up or recovering), as opposed to a query it refused. Such
// a request may succeed when repeated later: the service answers 503.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01..57P03: admin shutdown,
		// crash shutdown, cannot connect now (starting or recovering).
		return pg.Code[:2] == "08" || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// kind names an error by its type for the log.
func kind(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return "postgres " + pg.Code
	}
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		err = inner
	}
	return errorType(err)
}

func errorType(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	return fmt.Sprintf("%T", err)
}
