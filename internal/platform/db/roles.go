package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The database roles (docs/decisions.md, "Database roles"):
//
//   - the owner owns the schema and runs the migrations and the grants
//     below (`rkc migrate`, or serve at start with RKC_OWNER_DATABASE_URL);
//   - AppRole is the service's login: it owns nothing, may read and write
//     the working tables, and may only read and append to the log tables.
//
// This file is the one place that says what AppRole may do. A new table
// gets SELECT, INSERT, UPDATE and DELETE by default; a table whose rows must
// never change once written goes into appendOnly, one whose rows are taken
// away whole but never changed into noUpdate, one the service only reads
// into readOnly. Tables not there (yet) are skipped. Migrations must not
// GRANT or REVOKE for AppRole: Migrate applies this file after them and
// would undo it.

// appendOnly are the tables the service may read and append to, but never
// update, delete from, truncate, alter or disable a trigger of: the access
// log and the transparency log's tree and checkpoints (issue 13).
// CheckAppLogin refuses a login that could.
var appendOnly = []string{"access_log", "log_leaves", "log_nodes", "log_checkpoints"}

// noUpdate are the tables whose rows the service adds and removes but never
// changes: the sequencer's queue and the per-case keys of the log's sealed
// entries (deleted when the case is purged).
var noUpdate = []string{"access_log_queue", "log_case_keys"}

// readOnly are the tables the service may only read.
var readOnly = []string{"schema_migrations"}

// grants returns the statements that give AppRole its rights on the
// current schema. They are idempotent; tables that do not exist (yet) are
// skipped.
func grants(ctx context.Context, q queryer) ([]string, error) {
	r := pgx.Identifier{AppRole}.Sanitize()
	stmts := []string{
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + r,
	}
	for _, set := range []struct {
		tables []string
		rights string
	}{{appendOnly, "SELECT, INSERT"}, {noUpdate, "SELECT, INSERT, DELETE"}, {readOnly, "SELECT"}} {
		for _, t := range set.tables {
			var exists bool
			if err := q.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, "public."+t).Scan(&exists); err != nil {
				return nil, err
			}
			if !exists {
				continue
			}
			id := pgx.Identifier{"public", t}.Sanitize()
			stmts = append(stmts, `REVOKE ALL ON `+id+` FROM `+r, `GRANT `+set.rights+` ON `+id+` TO `+r)
		}
	}
	return stmts, nil
}

// grant applies grants when AppRole exists; without it (a managed
// service where the owner may not create roles and none was declared)
// there is nothing to grant, and CheckAppLogin will refuse to serve.
func grant(ctx context.Context, conn *sql.Conn) error {
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, AppRole).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return nil
	}
	stmts, err := grants(ctx, conn)
	if err != nil {
		return fmt.Errorf("grants: %w", err)
	}
	// One transaction: the broad grant comes before the revokes that
	// narrow it, and a running instance must never see the moment between.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("grants (%s): %w", s, err)
		}
	}
	return tx.Commit()
}

// EnsureLoginRole makes AppRole a login role with password, creating it
// if needed. It needs a superuser (or CREATEROLE) connection: the embedded
// default and the tests have one; elsewhere the platform declares the role
// (CloudNativePG: managed.roles, see deploy/).
func EnsureLoginRole(ctx context.Context, sqlDB *sql.DB, password string) error {
	// Roles are shared by the whole cluster; concurrent ALTER ROLEs fail
	// with "tuple concurrently updated".
	return withLock(ctx, sqlDB, migrationLockKey, func(conn *sql.Conn) error {
		var exists bool
		if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, AppRole).Scan(&exists); err != nil {
			return err
		}
		verb := "ALTER"
		if !exists {
			verb = "CREATE"
		}
		// PASSWORD takes no parameter; the literal is quoted by the server's
		// own rules, and the statement is never logged by us.
		var lit string
		if err := conn.QueryRowContext(ctx, `SELECT quote_literal($1)`, password).Scan(&lit); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, verb+` ROLE `+pgx.Identifier{AppRole}.Sanitize()+
			` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD `+lit); err != nil {
			return fmt.Errorf("creating the %s login: %w", AppRole, redact(err))
		}
		return nil
	})
}

// ErrLoginCanAlterLog is returned by CheckAppLogin.
var ErrLoginCanAlterLog = errors.New("the database login can alter the access log")

// CheckAppLogin fails when the login of sqlDB (the session user, whatever
// role it switched to since), itself or through any role it may SET ROLE
// to, could change or remove what the service must only append to: as a superuser, through CREATEROLE (which lets it join
// the owner's role), as or through the owner of a log table or of its
// schema (who may alter, drop or disable a trigger of it), or with a right
// beyond SELECT and INSERT on it. It also fails when the login owns a
// table: the service's login should own nothing.
func CheckAppLogin(ctx context.Context, sqlDB *sql.DB) error {
	var user string
	// Every role the login is a member of counts, inherited or not: it
	// may SET ROLE to any of them.
	var super, createRole bool
	var owned int
	if err := sqlDB.QueryRowContext(ctx, `
		SELECT session_user, bool_or(r.rolsuper), bool_or(r.rolcreaterole),
		       (SELECT count(*) FROM pg_class c
		         WHERE c.relnamespace = 'public'::regnamespace AND pg_has_role(session_user, c.relowner, 'MEMBER'))
		  FROM pg_roles r WHERE pg_has_role(session_user, r.oid, 'MEMBER')`).Scan(&user, &super, &createRole, &owned); err != nil {
		return fmt.Errorf("checking the database login: %w", err)
	}
	if super {
		// Nothing below would add to it.
		return fmt.Errorf("%w: login %q (it is or may become a superuser); %s", ErrLoginCanAlterLog, user, fix)
	}
	var why []string
	if createRole {
		why = append(why, "it may use CREATEROLE")
	}
	if owned > 0 {
		why = append(why, fmt.Sprintf("it owns or may act as the owner of %d tables", owned))
	}
	for _, t := range appendOnly {
		var owner, schemaOwner, change bool
		err := sqlDB.QueryRowContext(ctx, `
			SELECT pg_has_role(session_user, c.relowner, 'MEMBER'), pg_has_role(session_user, n.nspowner, 'MEMBER'),
			       EXISTS (SELECT 1 FROM pg_roles r WHERE pg_has_role(session_user, r.oid, 'MEMBER')
			                 AND has_table_privilege(r.oid, c.oid, 'UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES'))
			  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			 WHERE c.oid = to_regclass($1)`, "public."+t).Scan(&owner, &schemaOwner, &change)
		if errors.Is(err, sql.ErrNoRows) {
			if t != "access_log" {
				continue // a table of a later schema
			}
			return fmt.Errorf("checking the database login: table %s does not exist; run rkc migrate", t)
		}
		if err != nil {
			return fmt.Errorf("checking the database login: %w", err)
		}
		switch {
		case owner:
			why = append(why, "it acts as the owner of "+t)
		case schemaOwner:
			why = append(why, "it acts as the owner of the schema of "+t)
		case change:
			why = append(why, "it may update, delete or truncate "+t)
		}
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%w: login %q (%s); %s", ErrLoginCanAlterLog, user, strings.Join(why, ", "), fix)
}

// fix is what CheckAppLogin's refusal tells the operator to do.
var fix = "give the service a login that owns nothing, such as " + AppRole +
	", in DATABASE_URL and run migrations as the owner (RKC_OWNER_DATABASE_URL, see README \"Database roles\"), or for development only set RKC_DEV_OWNER_LOGIN=true"
