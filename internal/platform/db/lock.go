package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// withLock runs fn on a connection of its own while that session holds the
// advisory lock key, waiting for it as long as ctx allows: migrations and
// role changes, which fail when two sessions run them at once, take turns
// this way across every instance on the database.
func withLock(ctx context.Context, sqlDB *sql.DB, key int64, fn func(*sql.Conn) error) error {
	return onConn(ctx, sqlDB, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
			return fmt.Errorf("advisory lock %#x: %w", key, err)
		}
		defer unlock(ctx, conn, key)
		return fn(conn)
	})
}

// Exclusive runs fn on a connection of its own while that session holds
// the advisory lock key, unless another session holds it now: then fn is
// skipped, so that a scheduled job or the access log's sequencer still
// running elsewhere is never overlapped. It reports whether fn ran, and
// fn's error. Work that must stop when the lock is lost runs its
// statements on conn.
func Exclusive(ctx context.Context, sqlDB *sql.DB, key int64, fn func(conn *sql.Conn) error) (bool, error) {
	ran := false
	err := onConn(ctx, sqlDB, func(conn *sql.Conn) error {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
			return err
		}
		defer unlock(ctx, conn, key)
		ran = true
		return fn(conn)
	})
	return ran, err
}

// unlock gives up the advisory lock key of conn's session. Should that
// fail, the connection is closed rather than given back to the pool still
// holding the lock, which would keep every session from taking it until
// the pool dropped the connection.
func unlock(ctx context.Context, conn *sql.Conn, key int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
		conn.Raw(func(dc any) error { return dc.(*stdlib.Conn).Close() })
	}
}

// onConn runs fn on a connection taken from the pool for it alone (a
// session lock belongs to the session), and gives it back.
func onConn(ctx context.Context, sqlDB *sql.DB, fn func(*sql.Conn) error) error {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn)
}
