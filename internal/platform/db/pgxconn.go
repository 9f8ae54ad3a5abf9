package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
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
