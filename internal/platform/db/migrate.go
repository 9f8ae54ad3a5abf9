package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ErrSchemaTooNew means the database was migrated by a newer release; running
// an older binary against it could corrupt data, so it refuses.
var ErrSchemaTooNew = errors.New("the database schema is newer than this binary knows; run the newer release")

// migrationLockKey is the advisory lock that serialises migrations when
// several instances start at the same moment.
const migrationLockKey = 0x524b43_4d4947 // "RKC" "MIG"

// Migrations returns the embedded migrations in version order. File names are
// NNNN_name.sql; a malformed name is a build error caught by the tests.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", name)
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := range out {
		if out[i].Version != i+1 {
			return nil, fmt.Errorf("migration versions must run 1..n without gaps; found %d at position %d", out[i].Version, i+1)
		}
	}
	return out, nil
}

// Hash identifies the set of migrations, so a test template can be reused
// only while the migrations are unchanged.
func Hash() (string, error) {
	ms, err := Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", m.Version, m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// LatestVersion is the newest schema version this binary knows.
func LatestVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrate applies every pending migration in order, each in its own
// transaction, holding an advisory lock so that concurrent starts migrate
// once, and then gives AppRole its rights (roles.go). It runs as the
// schema's owner. It refuses a schema newer than it knows.
func Migrate(ctx context.Context, sqlDB *sql.DB, log *slog.Logger) error {
	log = logOrDiscard(log)
	ms, err := Migrations()
	if err != nil {
		return err
	}
	return withLock(ctx, sqlDB, migrationLockKey, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("version table: %w", err)
		}
		current, err := currentVersion(ctx, conn)
		if err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("%w (database at version %d, binary knows %d)", ErrSchemaTooNew, current, len(ms))
		}
		for _, m := range ms[current:] {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			log.Info("migration applied", "version", m.Version, "name", m.Name)
		}
		// Under the same lock: concurrent GRANTs on one table fail.
		return grant(ctx, conn)
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func currentVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return int(v.Int64), nil
}

// CheckCurrent reports whether the database schema is exactly the version this
// binary knows, for the readiness probe.
func CheckCurrent(ctx context.Context, sqlDB *sql.DB) error {
	v, err := currentVersion(ctx, sqlDB)
	if err != nil {
		return err
	}
	if latest := LatestVersion(); v != latest {
		if v > latest {
			return ErrSchemaTooNew
		}
		return fmt.Errorf("schema at version %d, %d pending", v, latest-v)
	}
	return nil
}
