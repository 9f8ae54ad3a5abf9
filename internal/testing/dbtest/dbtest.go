// Package dbtest gives each test its own fresh PostgreSQL database, cloned in
// milliseconds from a template that was migrated once. The server is the one
// named by TEST_DATABASE_URL (set by `make test`, which starts one server for
// the whole run), or else a private server this test process starts itself.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

// EnvURL names the variable with an admin URL of a server the tests may
// create databases on.
const EnvURL = "TEST_DATABASE_URL"

var (
	once     sync.Once
	adminURL string
	template string
	setupErr error
	server   *pgserver.Server
	tmpDir   string
)

// Main runs the tests of a package and then stops the private server, if this
// process started one. Call it from TestMain: os.Exit(dbtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if server != nil {
		server.Stop()
		os.RemoveAll(tmpDir)
	}
	return code
}

func setup() {
	adminURL = os.Getenv(EnvURL)
	if adminURL == "" {
		server, tmpDir, setupErr = StartServer(context.Background())
		if setupErr != nil {
			return
		}
		adminURL = server.URL("postgres")
	}
	template, setupErr = ensureTemplate(adminURL)
}

// StartServer starts a throwaway PostgreSQL for one test run in a fresh
// folder, after removing the folders of earlier runs that were killed before
// they could clean up. The caller stops the server and removes dir. withpg
// (one server for `make test`) and Main (a server per test binary) both use
// it, so they place, tune and clean up their clusters alike.
func StartServer(ctx context.Context) (srv *pgserver.Server, dir string, err error) {
	removeStaleDirs()
	dir, err = os.MkdirTemp(tempRoot(), fmt.Sprintf("rkc-test-%d-", os.Getpid()))
	if err != nil {
		return nil, "", err
	}
	defer func() {
		if err != nil {
			if srv != nil {
				srv.Stop()
			}
			os.RemoveAll(dir)
		}
	}()
	// The server may run as the postgres user (when we are root), which
	// must be able to pass through the folder.
	if err = os.Chmod(dir, 0o755); err != nil {
		return nil, "", err
	}
	srv, err = pgserver.Start(ctx, pgserver.Options{DataDir: filepath.Join(dir, "pgdata")})
	if err != nil {
		return nil, "", err
	}
	if Durable() {
		return srv, dir, nil
	}
	if err = relax(ctx, srv.URL("postgres")); err != nil {
		return nil, "", fmt.Errorf("tuning the test server: %w", err)
	}
	return srv, dir, nil
}

// EnvDurable, set to 1 (withpg --durable), makes StartServer keep the
// settings the product ships with (fsync, synchronous commit, full-page
// writes) and put the cluster on disk: the capacity benchmarks measure
// what a user gets, not what a throwaway test cluster allows.
const EnvDurable = "RKC_TEST_DURABLE"

// Durable reports whether test clusters are durable (EnvDurable).
func Durable() bool { return os.Getenv(EnvDurable) == "1" }

// tempRoot is where test clusters live: in memory (/dev/shm) when the
// machine has it, because every test creates a database, and on a disk
// CREATE DATABASE costs a few hundred milliseconds of file creation and
// flushing (measured here: ~300 ms on ext4, ~20 ms on tmpfs). The clusters
// are small, short-lived and worthless after the run.
func tempRoot() string {
	if Durable() {
		return os.TempDir()
	}
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() && syscall.Access(shm, 2 /* W_OK */) == nil {
		return shm
	}
	return os.TempDir()
}

// relax trades durability for speed on a throwaway test cluster: a crash
// loses nothing anyone wants back.
func relax(ctx context.Context, admin string) error {
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{
		`ALTER SYSTEM SET fsync = off`,
		`ALTER SYSTEM SET synchronous_commit = off`,
		`ALTER SYSTEM SET full_page_writes = off`,
		`SELECT pg_reload_conf()`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// removeStaleDirs deletes temporary clusters of earlier test processes that
// died before they could clean up (their server died with them). It looks
// in both places tempRoot may have chosen.
func removeStaleDirs() {
	for _, root := range []string{"/dev/shm", os.TempDir()} {
		matches, _ := filepath.Glob(filepath.Join(root, "rkc-test-*"))
		for _, dir := range matches {
			parts := strings.SplitN(filepath.Base(dir), "-", 4)
			if len(parts) < 3 {
				continue
			}
			pid, err := strconv.Atoi(parts[2])
			if err != nil || pid == os.Getpid() {
				continue
			}
			if syscall.Kill(pid, 0) == syscall.ESRCH {
				os.RemoveAll(dir)
			}
		}
	}
}

// ensureTemplate creates the migrated template database once per set of
// migrations; an advisory lock makes concurrent test processes wait for the
// first instead of racing it.
func ensureTemplate(admin string) (string, error) {
	hash, err := db.Hash()
	if err != nil {
		return "", err
	}
	name := "rkc_tpl_" + hash
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	ctx := context.Background()
	c, err := conn.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("test database server unreachable: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(7283741)`); err != nil {
		return "", err
	}
	defer c.ExecContext(ctx, `SELECT pg_advisory_unlock(7283741)`)
	var exists bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	c.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name)
	if _, err := c.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	tdb, err := sql.Open("pgx", withDatabase(admin, name))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, tdb, nil)
	tdb.Close()
	if err != nil {
		return "", fmt.Errorf("migrating template: %w", err)
	}
	if _, err := c.ExecContext(ctx, `ALTER DATABASE `+name+` WITH is_template = true ALLOW_CONNECTIONS = false`); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// AdminURL returns the URL of the test server's maintenance database, for
// tests that need to create databases of their own (for example an empty one).
func AdminURL(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return adminURL
}

// NewURL creates a fresh, migrated database for this test and returns its URL.
// The database is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	AdminURL(t) // sets up the template
	return create(t, template)
}

// NewEmptyURL creates a fresh database without any schema, for tests of the
// migrations themselves.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

func create(t testing.TB, from string) string {
	admin := AdminURL(t)
	var b [6]byte
	rand.Read(b[:])
	name := "rkc_t_" + hex.EncodeToString(b[:])
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + from); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer c.Close()
		c.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return withDatabase(admin, name)
}

// New opens a fresh, migrated database for this test through gorm.
func New(t testing.TB) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// appPassword is db.AppRole's password on test servers. The role is shared
// by every test database of the server, so it is one fixed value: a test
// that set its own would break the connections of tests running beside it.
const appPassword = "rkc-app-test-only"

// AppURL returns dbURL with the login of db.AppRole, the role the service
// logs in as in production (it owns nothing and may only append to the
// access log); dbURL names a migrated test database. The role is made a
// login on the test server first.
func AppURL(t testing.TB, dbURL string) string {
	t.Helper()
	admin, err := sql.Open("pgx", AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := db.EnsureLoginRole(context.Background(), admin, appPassword); err != nil {
		t.Fatalf("test database: %v", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(db.AppRole, appPassword)
	return u.String()
}

// OpenSQL connects database/sql (driver pgx) to url for the length of the
// test, for what gorm and the application's role would hide: the owner's
// view, triggers switched off, the version table.
func OpenSQL(t testing.TB, url string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Column runs query on conn and returns its one column, row by row; an
// error fails the test.
func Column[T any](t testing.TB, conn *sql.DB, query string, args ...any) []T {
	t.Helper()
	rows, err := conn.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
