package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// versions lists the rows of the version table in order.
func versions(t *testing.T, conn *sql.DB) []int {
	t.Helper()
	return dbtest.Column[int](t, conn, `SELECT version FROM schema_migrations ORDER BY version`)
}

// schema describes the public schema (every column with its type and
// nullability, every constraint and index) so two databases can be compared.
func schema(t *testing.T, conn *sql.DB) string {
	t.Helper()
	lines := dbtest.Column[string](t, conn, `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
		  FROM information_schema.columns WHERE table_schema = 'public'
		UNION ALL
		SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
		  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
		UNION ALL
		SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
		ORDER BY 1`)
	var b strings.Builder
	for _, line := range lines {
		b.WriteString(line + "\n")
	}
	return b.String()
}

func oneToN(n int) []int {
	vs := make([]int, n)
	for i := range vs {
		vs[i] = i + 1
	}
	return vs
}

func TestMigrationsAreWellFormed(t *testing.T) {
	ms, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || m.Name == "" || strings.TrimSpace(m.SQL) == "" {
			t.Errorf("migration %d: version %d, name %q, %d bytes of SQL", i, m.Version, m.Name, len(m.SQL))
		}
	}
	if got := db.LatestVersion(); got != len(ms) {
		t.Errorf("LatestVersion = %d, want %d", got, len(ms))
	}
	h1, err1 := db.Hash()
	h2, err2 := db.Hash()
	if err1 != nil || err2 != nil || h1 != h2 || h1 == "" {
		t.Errorf("Hash is not stable: %q %v, %q %v", h1, err1, h2, err2)
	}
}

// TestMigrateFromEmpty is what the binary does on its first start: an empty
// database gets every table and a version row per migration, and the result
// is the same schema the test template (and so every other test) runs on.
func TestMigrateFromEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.OpenSQL(t, dbtest.NewEmptyURL(t))
	if err := db.CheckCurrent(ctx, conn); err == nil {
		t.Fatal("CheckCurrent on an empty database: nil, want an error")
	}

	if err := db.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	n := db.LatestVersion()
	if got := versions(t, conn); fmt.Sprint(got) != fmt.Sprint(oneToN(n)) {
		t.Fatalf("versions after Migrate = %v, want 1..%d", got, n)
	}
	for _, table := range []string{"persons", "ministries", "cases"} {
		var exists bool
		if err := conn.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, "public."+table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after Migrate (%v)", table, err)
		}
	}
	if err := db.CheckCurrent(ctx, conn); err != nil {
		t.Errorf("CheckCurrent after Migrate: %v", err)
	}
	if got, want := schema(t, conn), schema(t, dbtest.OpenSQL(t, dbtest.NewURL(t))); got != want {
		t.Errorf("schema migrated from empty differs from the test template:\n%s\nvs\n%s", got, want)
	}

	// A second run (every restart) changes nothing.
	before := schema(t, conn)
	var appliedBefore string
	conn.QueryRow(`SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM schema_migrations`).Scan(&appliedBefore)
	if err := db.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var appliedAfter string
	conn.QueryRow(`SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM schema_migrations`).Scan(&appliedAfter)
	if schema(t, conn) != before || appliedAfter != appliedBefore {
		t.Error("second Migrate changed the schema or the version table")
	}
}

// TestMigrateConcurrently starts several instances on one empty database at
// once, as a rolling deploy does; the advisory lock must let exactly one of
// them migrate while the others wait and then find nothing to do.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewEmptyURL(t)
	const instances = 6
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		conn := dbtest.OpenSQL(t, url) // a pool of its own, like a separate process
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Migrate(ctx, conn, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	conn := dbtest.OpenSQL(t, url)
	if got, n := versions(t, conn), db.LatestVersion(); fmt.Sprint(got) != fmt.Sprint(oneToN(n)) {
		t.Fatalf("versions = %v, want 1..%d", got, n)
	}
	if got, want := schema(t, conn), schema(t, dbtest.OpenSQL(t, dbtest.NewURL(t))); got != want {
		t.Errorf("schema after concurrent migration differs from a serial one:\n%s\nvs\n%s", got, want)
	}
}

// TestRefusesNewerSchema: after a rollback to an older binary the database
// may hold a schema this binary does not know; it must refuse to touch it
// and say why, and readiness must fail.
func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.OpenSQL(t, dbtest.NewURL(t))
	n := db.LatestVersion()
	if _, err := conn.Exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')`, n+1); err != nil {
		t.Fatal(err)
	}
	before := schema(t, conn)

	err := db.Migrate(ctx, conn, nil)
	if !errors.Is(err, db.ErrSchemaTooNew) {
		t.Fatalf("Migrate on version %d: %v, want ErrSchemaTooNew", n+1, err)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(n+1)) {
		t.Errorf("error %q does not say which version the database is at", err)
	}
	if schema(t, conn) != before {
		t.Error("Migrate changed a schema it refused")
	}
	if err := db.CheckCurrent(ctx, conn); !errors.Is(err, db.ErrSchemaTooNew) {
		t.Errorf("CheckCurrent: %v, want ErrSchemaTooNew", err)
	}
}

// TestCheckCurrentBehind: a database missing the newest migration is not
// ready (a binary started without migrating must not serve).
func TestCheckCurrentBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.OpenSQL(t, dbtest.NewURL(t))
	if err := db.CheckCurrent(ctx, conn); err != nil {
		t.Fatalf("CheckCurrent on a migrated database: %v", err)
	}
	if _, err := conn.Exec(`DELETE FROM schema_migrations WHERE version = $1`, db.LatestVersion()); err != nil {
		t.Fatal(err)
	}
	err := db.CheckCurrent(ctx, conn)
	if err == nil || errors.Is(err, db.ErrSchemaTooNew) {
		t.Fatalf("CheckCurrent one version behind: %v, want a 'pending' error", err)
	}
	if !strings.Contains(err.Error(), "pending") {
		t.Errorf("error %q does not say migrations are pending", err)
	}
}

// TestOpenUnreachableHidesPassword: the error of a failed connection ends up
// on the terminal and in logs as one line; it must not carry the password
// from the URL.
func TestOpenUnreachableHidesPassword(t *testing.T) {
	const secret = "Sentinel-Pa55word"
	ctx := context.Background()
	_, err := db.Open(ctx, "postgres://rkc:"+secret+"@127.0.0.1:1/rkc?connect_timeout=5")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q contains the password", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q spans several lines; the binary prints it as one", err)
	}
	if !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error %q does not say the database is unreachable", err)
	}
}

// TestOpenAndPing covers the pool the service runs on: open, ping, close.
func TestOpenAndPing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, err := db.Open(ctx, dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx, sqlDB); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := db.Close(gdb); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx, sqlDB); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// Exclusive runs its work only while no other session holds the lock (a
// scheduled job, the access log's sequencer), hands back the work's error,
// and releases the lock when the work ends, also when the work failed.
func TestExclusive(t *testing.T) {
	t.Parallel()
	url := dbtest.NewEmptyURL(t)
	first, other := dbtest.OpenSQL(t, url), dbtest.OpenSQL(t, url) // two instances
	ctx := context.Background()
	const key = 0x7e57

	ran, err := db.Exclusive(ctx, first, key, func(*sql.Conn) error {
		ranElsewhere, err := db.Exclusive(ctx, other, key, func(*sql.Conn) error {
			t.Error("the work ran while another session held the lock")
			return nil
		})
		if ranElsewhere || err != nil {
			t.Errorf("Exclusive elsewhere while the lock is held: ran %v, %v; want skipped", ranElsewhere, err)
		}
		return errors.New("the work failed")
	})
	if !ran || err == nil || err.Error() != "the work failed" {
		t.Errorf("Exclusive: ran %v, %v; want ran with the work's error", ran, err)
	}
	if ran, err := db.Exclusive(ctx, other, key, func(*sql.Conn) error { return nil }); !ran || err != nil {
		t.Errorf("Exclusive after the failed work: ran %v, %v; want the lock free again", ran, err)
	}
}
