package atomicfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rkc-nl/rkc/internal/platform/atomicfile"
)

// Replace leaves the new content under the old name with mode 0600 and no
// temporary file beside it; a failed replace leaves the old file untouched.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Replace(path, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new\n" {
		t.Fatalf("after Replace: %q, %v", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after Replace: %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the file alone", len(entries))
	}

	// Renaming over a directory fails after the temporary file is written.
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(sub, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Replace(sub, []byte("new\n")); err == nil {
		t.Fatal("Replace over a non-empty directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("a failed Replace left %d entries, want the file and the directory", len(entries))
	}
	if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
		t.Errorf("a failed Replace changed its target: %v, %v", fi, err)
	}
}

// Create makes a new file with mode 0600 and no temporary file beside it,
// and refuses an existing name (os.ErrExist) without touching it.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.key")
	if err := atomicfile.Create(path, []byte("first\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after Create: %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	err := atomicfile.Create(path, []byte("second\n"))
	if !errors.Is(err, os.ErrExist) {
		t.Errorf("Create over an existing file: %v, want os.ErrExist", err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "first\n" {
		t.Errorf("after the refused Create: %q, %v; want the first content", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the file alone", len(entries))
	}
}
