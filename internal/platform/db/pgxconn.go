package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// WithPgxConn runs fn on one connection of sqlDB's pool as pgx's own
// connection, for what database/sql cannot say (COPY, a batch of
// queries). The connection goes back to the pool afterwards: fn resets
// whatever session setting it changes.
func WithPgxConn(ctx context.Context, sqlDB *sql.DB, fn func(*pgx.Conn) error) error {
	return onConn(ctx, sqlDB, func(conn *sql.Conn) error {
		return conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("database driver %T is not pgx", dc)
			}
			return fn(sc.Conn())
		})
	})
}

// QueryRow runs query with args and scans its one row into dest, as
// database/sql's QueryRowContext does (sql.ErrNoRows when there is none),
// but on pgx's own connection when pool is the pool itself rather than a
// transaction: pgx scans each column straight into its destination, where
// database/sql has the driver decode it into a value and then converts
// that again. For the statements every case read runs, which read some
// sixty columns: database/sql's scanning was a tenth of the API's CPU.
func QueryRow(ctx context.Context, pool gorm.ConnPool, query string, args []any, dest ...any) error {
	sqlDB, ok := pool.(*sql.DB)
	if !ok {
		return pool.QueryRowContext(ctx, query, args...).Scan(dest...)
	}
	err := WithPgxConn(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, query, args...).Scan(dest...)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}
