// Package db opens RKC's PostgreSQL database through gorm and keeps its schema
// current with versioned SQL migrations embedded in the binary.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// AppRole is the database role the application works as after migrating:
// it may append to the access log but not change or remove it.
const AppRole = "rkc_app"

// Option changes how Open connects.
type Option func(*options)

type options struct{ appRole bool }

// AsAppRole makes every connection switch to AppRole, when the role exists
// and the connecting user may use it (see migration 3).
func AsAppRole() Option { return func(o *options) { o.appRole = true } }

// Open connects to url and checks that the server answers. gorm's own logger
// is silenced: it would print SQL with parameter values, which may hold
// personal data.
func Open(ctx context.Context, url string, opts ...Option) (*gorm.DB, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: invalid DATABASE_URL: %w", redact(err))
	}
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		encodeUUIDAsBytes(c.TypeMap())
		if !o.appRole {
			return nil
		}
		var usable bool
		err := c.QueryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) THEN pg_has_role($1, 'MEMBER') ELSE false END`, AppRole).Scan(&usable)
		if err != nil || !usable {
			return err
		}
		_, err = c.Exec(ctx, "SET ROLE "+AppRole)
		return err
	}))
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: pool}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
		// gorm's own ping has no timeout and would hang on a black-holed
		// host; ours below has one.
		DisableAutomaticPing: true,
	})
	if err != nil {
		return nil, fmt.Errorf("database: %w", redact(err))
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("database unreachable: %w", redact(err))
	}
	return gdb, nil
}

// Close closes the connection pool behind gdb.
func Close(gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// redact keeps connection errors free of the URL (which holds a password):
// pgx errors name host and user but not the password; we keep only the text.
// pgx lists each connection attempt on a line of its own; the binary reports
// a failed start in one line, so the lines are joined and repeats dropped.
func redact(err error) error {
	var b strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || seen[line] {
			continue
		}
		seen[line] = true
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return errors.New(b.String())
}

// Ping reports whether the database answers, for readiness probes.
func Ping(ctx context.Context, sqlDB *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return sqlDB.PingContext(ctx)
}

// logger for migrations; a nil logger discards.
func logOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
