package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

// appPasswordFile holds the embedded default's password of db.AppRole,
// inside the cluster directory beside the superuser's.
const appPasswordFile = "rkc-app.password"

// database is the open database of one run of the binary.
type database struct {
	gdb *gorm.DB // as db.AppRole's login (DATABASE_URL, or the embedded default's)
	sql *sql.DB  // the pool behind gdb
	// embedded is the private server of the embedded default; nil with
	// DATABASE_URL. It may be one a running `rkc serve` started (Attach).
	embedded *pgserver.Server
	close    func()
}

// openDatabase connects the way the service works: as the application's
// login, after the owner has migrated the schema and granted that login its
// rights (internal/platform/db/roles.go).
//
// Without DATABASE_URL it uses the embedded server under the data folder:
// serving starts it (and refuses when another process serves the folder);
// the other commands use the one a running `rkc serve` started, so that an
// operator need not stop the service, and start their own only when none
// runs. The embedded superuser migrates, and the application logs in as
// db.AppRole with a password kept in the cluster directory.
//
// With DATABASE_URL the owner's login is RKC_OWNER_DATABASE_URL; without
// it, DATABASE_URL migrates only when the schema is behind (it must then be
// the owner).
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger, serving bool) (_ *database, err error) {
	var closers []func()
	d := &database{close: func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	appURL, ownerURL := cfg.DatabaseURL, cfg.OwnerDatabaseURL
	if appURL == "" {
		srv, err := embeddedServer(ctx, cfg, log, serving)
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() {
			if err := srv.Stop(); err != nil {
				log.Error("stopping embedded PostgreSQL", "error", err.Error())
			}
		})
		d.embedded = srv
		if appURL, ownerURL, err = embeddedLogins(ctx, srv); err != nil {
			return nil, err
		}
	}
	if err := migrateAsOwner(ctx, appURL, ownerURL, log); err != nil {
		return nil, err
	}
	gdb, err := db.Open(ctx, appURL, db.AsAppRole())
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() {
		db.Close(gdb)
		log.Info("database closed")
	})
	d.gdb = gdb
	d.sql, _ = gdb.DB()
	return d, nil
}

// embeddedServer starts the embedded server, or for a command finds the
// one a running `rkc serve` started.
func embeddedServer(ctx context.Context, cfg *config.Config, log *slog.Logger, serving bool) (*pgserver.Server, error) {
	o := pgserver.Options{DataDir: filepath.Join(cfg.DataDir, "pgdata"), Logger: log}
	if !serving {
		srv, err := pgserver.Attach(ctx, o)
		if err == nil || !errors.Is(err, pgserver.ErrNotRunning) {
			return srv, err
		}
	}
	srv, err := pgserver.Start(ctx, o)
	if err != nil {
		return nil, err
	}
	log.Info("embedded PostgreSQL started", "data_dir", o.DataDir)
	return srv, nil
}

// embeddedLogins prepares the embedded server's database and the
// application's login, and returns the URLs of that login and of the owner
// (the cluster's superuser).
func embeddedLogins(ctx context.Context, srv *pgserver.Server) (appURL, ownerURL string, err error) {
	if err := ensureDatabase(ctx, srv.URL("postgres"), "rkc"); err != nil {
		return "", "", err
	}
	password, err := srv.Secret(appPasswordFile)
	if err != nil {
		return "", "", err
	}
	admin, err := sql.Open("pgx", srv.URL("rkc"))
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	if err := db.EnsureLoginRole(ctx, admin, password); err != nil {
		return "", "", err
	}
	return srv.URLAs(db.AppRole, password, "rkc"), srv.URL("rkc"), nil
}

// migrateAsOwner brings the schema up to date and grants the application
// its rights, as the owner. Without an owner's login, appURL migrates only
// when the schema is behind: it then has to be the owner itself (a single
// login, development), and a login that is not fails with the fix named.
func migrateAsOwner(ctx context.Context, appURL, ownerURL string, log *slog.Logger) error {
	url := ownerURL
	if url == "" {
		gdb, err := db.Open(ctx, appURL)
		if err != nil {
			return err
		}
		sqlDB, _ := gdb.DB()
		current := db.CheckCurrent(ctx, sqlDB)
		db.Close(gdb)
		if current == nil {
			return nil
		}
		url = appURL
	}
	gdb, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	sqlDB, _ := gdb.DB()
	if err := db.Migrate(ctx, sqlDB, log); err != nil {
		if ownerURL == "" && !errors.Is(err, db.ErrSchemaTooNew) {
			return fmt.Errorf("%w (migrations run as the schema's owner: set RKC_OWNER_DATABASE_URL or run rkc migrate with it)", err)
		}
		return err
	}
	return nil
}

// withDB opens the database for a command (openDatabase), runs fn and
// closes everything.
func withDB(ctx context.Context, cfg *config.Config, log *slog.Logger, fn func(*gorm.DB, *sql.DB) error) error {
	d, err := openDatabase(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer d.close()
	return fn(d.gdb, d.sql)
}

// ensureDatabase creates the application database on the embedded server.
func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("embedded database: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.ExecContext(ctx, `CREATE DATABASE `+name)
	return err
}
