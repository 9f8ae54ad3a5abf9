package deploy_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

// TestComposeAppRole runs the postgres container's init script against a
// real PostgreSQL, as the postgres image does when it initialises its
// volume, then migrates as the owner the way the migrate service does: the
// API's login rkc_app then logs in and passes the service's start-up check
// (it owns nothing and cannot change the access log).
func TestComposeAppRole(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatal("psql (PostgreSQL's client, with the postgresql package) is needed:", err)
	}
	dir, err := os.MkdirTemp("", "rkc-compose-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the server may run as the postgres user
		t.Fatal(err)
	}
	srv, err := pgserver.Start(context.Background(), pgserver.Options{DataDir: filepath.Join(dir, "pgdata")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	owner, _ := url.Parse(srv.URL("postgres"))
	ownerPassword, _ := owner.User.Password()

	secret := filepath.Join(dir, "app_db_password")
	const appPassword = "Compose-App-Pa55word"
	if err := os.WriteFile(secret, []byte(appPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "postgres-init/10-rkc-app.sh")
	cmd.Env = append(os.Environ(), "POSTGRES_USER="+owner.User.Username(), "POSTGRES_DB=postgres",
		"PGHOST="+owner.Hostname(), "PGPORT="+owner.Port(), "PGPASSWORD="+ownerPassword, "APP_DB_PASSWORD_FILE="+secret)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postgres-init/10-rkc-app.sh: %v\n%s", err, out)
	}

	ctx := context.Background()
	ownerDB, err := sql.Open("pgx", srv.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	if err := db.Migrate(ctx, ownerDB, nil); err != nil {
		t.Fatal(err)
	}
	app, err := sql.Open("pgx", srv.URLAs(db.AppRole, appPassword, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := db.CheckAppLogin(ctx, app); err != nil {
		t.Errorf("rkc_app as the init script made it: %v", err)
	}
}
