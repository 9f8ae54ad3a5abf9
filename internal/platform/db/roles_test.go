package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestAppLoginCannotAlterLog logs in as the service's own role, as the
// service does in production, and tries every way to change or remove the
// access log: each is refused by PostgreSQL's privileges (not merely by
// the append-only trigger, which an owner could disable), while reading
// and appending stay allowed.
func TestAppLoginCannotAlterLog(t *testing.T) {
	owner := dbtest.NewURL(t)
	app := dbtest.OpenSQL(t, dbtest.AppURL(t, owner))
	ctx := context.Background()

	for _, stmt := range []string{
		`UPDATE access_log SET at = at`,
		`DELETE FROM access_log`,
		`TRUNCATE access_log`,
		`ALTER TABLE access_log DISABLE TRIGGER USER`,
		`ALTER TABLE access_log RENAME TO old_log`,
		`DROP TABLE access_log`,
		`CREATE TABLE mine (id int)`,
		`SET ROLE postgres`,
		`SET session_replication_role = replica`,
	} {
		_, err := app.ExecContext(ctx, stmt)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "42501" {
			t.Errorf("%s as %s: err = %v, want permission denied (42501)", stmt, db.AppRole, err)
		}
	}
	var read, insert bool
	if err := app.QueryRowContext(ctx, `SELECT has_table_privilege('access_log', 'SELECT'), has_table_privilege('access_log', 'INSERT')`).Scan(&read, &insert); err != nil {
		t.Fatal(err)
	}
	if !read || !insert {
		t.Errorf("%s may read the log: %v, append to it: %v; want both", db.AppRole, read, insert)
	}
	if err := db.CheckAppLogin(ctx, app); err != nil {
		t.Errorf("CheckAppLogin as %s: %v", db.AppRole, err)
	}
}

// TestCheckAppLoginRefuses: the start-up check refuses a login that could
// change the log, naming why.
func TestCheckAppLoginRefuses(t *testing.T) {
	owner := dbtest.NewURL(t)
	ctx := context.Background()
	err := db.CheckAppLogin(ctx, dbtest.OpenSQL(t, owner))
	if !errors.Is(err, db.ErrLoginCanAlterLog) || !strings.Contains(err.Error(), "superuser") {
		t.Errorf("CheckAppLogin as the superuser = %v, want ErrLoginCanAlterLog naming the superuser", err)
	}

	// An application role given more than it should have.
	if _, err := dbtest.OpenSQL(t, owner).ExecContext(ctx, `GRANT DELETE ON access_log TO `+db.AppRole); err != nil {
		t.Fatal(err)
	}
	err = db.CheckAppLogin(ctx, dbtest.OpenSQL(t, dbtest.AppURL(t, owner)))
	if !errors.Is(err, db.ErrLoginCanAlterLog) || !strings.Contains(err.Error(), "may update, delete or truncate access_log") {
		t.Errorf("CheckAppLogin with DELETE granted = %v, want a refusal naming access_log", err)
	}
	if !strings.Contains(err.Error(), "RKC_DEV_OWNER_LOGIN") {
		t.Errorf("the refusal does not name the development flag: %v", err)
	}
}

// TestMigrateGrants: migrating gives the application role its rights,
// also on a database where someone granted it too much before.
func TestMigrateGrants(t *testing.T) {
	owner := dbtest.NewURL(t)
	ctx := context.Background()
	conn := dbtest.OpenSQL(t, owner)
	if _, err := conn.ExecContext(ctx, `GRANT UPDATE, DELETE, TRUNCATE ON access_log TO `+db.AppRole); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckAppLogin(ctx, dbtest.OpenSQL(t, dbtest.AppURL(t, owner))); err != nil {
		t.Errorf("after Migrate: %v", err)
	}
}

// TestCheckAppLoginSeesMemberships: a login that inherits nothing but may
// SET ROLE to a role that can delete from the log is refused too.
func TestCheckAppLoginSeesMemberships(t *testing.T) {
	owner := dbtest.NewURL(t)
	ctx := context.Background()
	conn := dbtest.OpenSQL(t, owner)
	var b [4]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	editor, login := "rkc_t_editor_"+suffix, "rkc_t_login_"+suffix
	for _, q := range []string{
		`CREATE ROLE ` + editor + ` NOLOGIN`,
		`GRANT DELETE ON access_log TO ` + editor,
		`CREATE ROLE ` + login + ` LOGIN NOINHERIT PASSWORD 'test-only'`,
		`GRANT ` + editor + ` TO ` + login,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		for _, q := range []string{`DROP OWNED BY ` + editor, `DROP ROLE ` + login, `DROP ROLE ` + editor} {
			conn.ExecContext(context.Background(), q)
		}
	})
	u, err := url.Parse(owner)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(login, "test-only")
	err = db.CheckAppLogin(ctx, dbtest.OpenSQL(t, u.String()))
	if !errors.Is(err, db.ErrLoginCanAlterLog) || !strings.Contains(err.Error(), "access_log") {
		t.Errorf("CheckAppLogin for a login that may SET ROLE %s = %v, want a refusal naming access_log", editor, err)
	}
}
