package db

import (
	"context"
	"database/sql"
	"fmt"
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
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
		return fn(conn)
	})
}

// Exclusive runs fn while a connection of its own holds the advisory lock
// key, unless another session holds it now: then fn is skipped, so that a
// scheduled job still running elsewhere is never overlapped. It reports
// whether fn ran.
func Exclusive(ctx context.Context, sqlDB *sql.DB, key int64, fn func()) (bool, error) {
	ran := false
	err := onConn(ctx, sqlDB, func(conn *sql.Conn) error {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
		fn()
		ran = true
		return nil
	})
	return ran, err
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
