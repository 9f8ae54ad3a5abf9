package dbtest

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

// Dump is a plain SQL dump of the whole database at url, as a backup would
// hold it: the tests that forget a person look for them in it. pg_dump is
// the one beside the server binaries the tests run (pgserver.FindBinDir),
// so its version matches the server's.
func Dump(t testing.TB, url string) []byte {
	t.Helper()
	bin, err := pgserver.FindBinDir()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	cmd := exec.Command(filepath.Join(bin, "pg_dump"), "--no-owner", "--no-privileges", "--format=plain", "--dbname="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.Bytes())
	}
	return out
}
