package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func dbName(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func databaseExists(t testing.TB, name string) bool {
	t.Helper()
	var exists bool
	if err := OpenSQL(t, AdminURL(t)).QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

// TestNewURLIsMigratedAndPrivate is the promise every other test relies on:
// its database has the current schema and nobody else writes to it.
func TestNewURLIsMigratedAndPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := OpenSQL(t, NewURL(t)), OpenSQL(t, NewURL(t))
	for _, conn := range []*sql.DB{a, b} {
		if err := db.CheckCurrent(ctx, conn); err != nil {
			t.Fatalf("fresh test database is not migrated: %v", err)
		}
	}
	if _, err := a.Exec(`INSERT INTO ministries (code, name) VALUES ('TST', 'Test')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(`SELECT count(*) FROM ministries WHERE code = 'TST'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a row written in one test database shows up in another (count %d, %v)", n, err)
	}
}

// TestNewEmptyURL gives the migration tests a database without any schema.
func TestNewEmptyURL(t *testing.T) {
	t.Parallel()
	var n int
	err := OpenSQL(t, NewEmptyURL(t)).QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("empty database has %d tables (%v)", n, err)
	}
}

// TestNew opens the database through gorm, as the stores use it.
func TestNew(t *testing.T) {
	t.Parallel()
	var n int64
	if err := New(t).Table("ministries").Count(&n).Error; err != nil || n == 0 {
		t.Fatalf("ministries through gorm: %d, %v", n, err)
	}
}

// TestDropsDatabaseAfterTest: a test's database is gone once the test ends,
// even when the test still had connections open, so runs don't fill the
// server.
func TestDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()
	var names []string
	t.Run("user", func(t *testing.T) {
		for _, u := range []string{NewURL(t), NewEmptyURL(t)} {
			names = append(names, dbName(t, u))
			// A connection the test forgot to close must not keep the database.
			conn, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			if err := conn.Ping(); err != nil {
				t.Fatal(err)
			}
		}
		New(t)
	})
	for _, name := range names {
		if databaseExists(t, name) {
			t.Errorf("database %s still exists after its test", name)
		}
	}
}

// TestCreateIsFast: every test makes its own database, so creating one must
// stay well under a second or the suite slows down with each test added.
func TestCreateIsFast(t *testing.T) {
	AdminURL(t) // the one-off server start and template are not what is measured
	NewURL(t)
	const n = 5
	times := make([]time.Duration, n)
	for i := range times {
		start := time.Now()
		NewURL(t)
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	t.Logf("creating a test database: median %v, max %v", times[n/2], times[n-1])
	// The bound is loose because `make test` runs packages in parallel on
	// a loaded machine; an idle one takes tens of milliseconds.
	if times[n/2] > time.Second {
		t.Errorf("median time to create a test database is %v, want well under a second", times[n/2])
	}
}

// TestRemoveStaleDirs: a test process killed before its cleanup leaves its
// private cluster in the temp folder; the next run removes it, but never the
// folder of a process that is still running.
func TestRemoveStaleDirs(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal("cannot run true:", err)
	}
	deadDir, err := os.MkdirTemp("", fmt.Sprintf("rkc-test-%d-", dead.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deadDir, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	liveDir, err := os.MkdirTemp("", fmt.Sprintf("rkc-test-%d-", os.Getppid()))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(liveDir)
	defer os.RemoveAll(deadDir)

	removeStaleDirs()
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("folder of dead process %d kept (%v)", dead.Process.Pid, err)
	}
	if _, err := os.Stat(liveDir); err != nil {
		t.Errorf("folder of running process %d removed: %v", os.Getppid(), err)
	}
}

// BenchmarkCreateDatabase measures what each test pays for its own
// database: CREATE DATABASE … TEMPLATE from the migrated template.
func BenchmarkCreateDatabase(b *testing.B) {
	AdminURL(b)
	for b.Loop() {
		NewURL(b)
	}
}
