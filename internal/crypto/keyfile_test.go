package crypto

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyFileModeRefused: a key file that group or others may read is
// refused with one line that names the file, its mode and the fix, and
// never the key; the owner-only modes are accepted.
func TestKeyFileModeRefused(t *testing.T) {
	content := "k1:" + keyB64(7) + "\n"
	for _, tt := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o644, false},
		{0o640, false}, // group-readable is allowed only for a file owned by root
		{0o604, false},
		{0o660, false},
	} {
		path := filepath.Join(t.TempDir(), "master.keys")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		notRootOwned(t, path)
		_, err := LoadKeyring(KeySource{File: path})
		if tt.ok {
			if err != nil {
				t.Errorf("mode %04o: %v, want the key loaded", tt.mode, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("mode %04o: key file loaded, want it refused", tt.mode)
			continue
		}
		msg := err.Error()
		for _, want := range []string{path, "group or others", "chmod 600"} {
			if !strings.Contains(msg, want) {
				t.Errorf("mode %04o: error %q does not mention %q", tt.mode, msg, want)
			}
		}
		if strings.Contains(msg, keyB64(7)) || strings.Contains(msg, "\n") {
			t.Errorf("mode %04o: error is not one line without the key: %q", tt.mode, msg)
		}
		// Rotation reads the same file: it refuses too.
		if _, err := AddKeyToFile(path); err == nil {
			t.Errorf("mode %04o: AddKeyToFile used the file", tt.mode)
		}
	}
}

// TestKeyFileRootGroup: the one group-readable form accepted is a file owned
// by root and readable by its group only, as Kubernetes mounts a secret
// for a non-root container (defaultMode 0440 with an fsGroup).
func TestKeyFileRootGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.keys")
	if err := os.WriteFile(path, []byte("k1:"+keyB64(7)+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	err := CheckKeyFileMode(path)
	if os.Getuid() == 0 && err != nil {
		t.Errorf("root-owned 0440: %v, want accepted", err)
	}
	if os.Getuid() != 0 && err == nil {
		t.Error("0440 owned by a normal user accepted, want refused")
	}
}

// notRootOwned gives path to an ordinary account when the test runs as
// root, so that the root-owned exception does not apply.
func notRootOwned(t *testing.T, path string) {
	t.Helper()
	if os.Getuid() != 0 {
		return
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
}
