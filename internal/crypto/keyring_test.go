package crypto

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// keyB64 returns a fixed, recognisable 32-byte key in base64, so tests can
// check that error messages never contain it.
func keyB64(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.keys")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.keys")
	if err := GenerateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	kr1, err := LoadKeyring(KeySource{File: path})
	if err != nil {
		t.Fatal(err)
	}
	key1 := kr1.ActiveID()
	if len(key1) != 16 {
		t.Errorf("generated id %q, want 16 hex digits", key1)
	}

	dk := newTestDataKey(t)
	sealed := dk.SealString("case-7", "statement", "what happened")
	wrapped1, id, err := kr1.Wrap(dk, "case-7")
	if err != nil || id != key1 {
		t.Fatalf("Wrap: %q, %v", id, err)
	}

	key2, err := AddKeyToFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if key2 == key1 {
		t.Fatal("AddKeyToFile reused the old id")
	}
	kr2, err := LoadKeyring(KeySource{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if kr2.ActiveID() != key2 {
		t.Errorf("active = %q, want new key %q", kr2.ActiveID(), key2)
	}
	if got := kr2.IDs(); !slices.Equal(got, []string{key2, key1}) {
		t.Errorf("IDs = %v, want [%s %s]", got, key2, key1)
	}
	// The old key still unwraps after the new one is added.
	if _, err := kr2.Unwrap(wrapped1, key1, "case-7"); err != nil {
		t.Fatalf("old wrapped key after AddKeyToFile: %v", err)
	}

	wrapped2, id2, err := kr2.Rewrap(wrapped1, key1, "case-7")
	if err != nil {
		t.Fatal(err)
	}
	if id2 != key2 {
		t.Errorf("Rewrap key id = %q, want %q", id2, key2)
	}

	if err := RetireKeyFromFile(path, key1); err != nil {
		t.Fatal(err)
	}
	kr3, err := LoadKeyring(KeySource{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := kr3.IDs(); !slices.Equal(got, []string{key2}) {
		t.Errorf("IDs after retire = %v, want [%s]", got, key2)
	}
	dk2, err := kr3.Unwrap(wrapped2, id2, "case-7")
	if err != nil {
		t.Fatalf("rewrapped key after retiring the old one: %v", err)
	}
	if s, err := dk2.OpenString("case-7", "statement", sealed); err != nil || s != "what happened" {
		t.Errorf("value after rotation: %q, %v", s, err)
	}
	if _, err := kr3.Unwrap(wrapped1, key1, "case-7"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old wrapped key after retire: err = %v, want ErrUnknownKey", err)
	}

	// Comments survive the rewrites, and the file stays private.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# RKC master keys.") {
		t.Error("header comment lost")
	}
	assertMode0600(t, path)
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".rkc-keys-*")); len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

func assertMode0600(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of %s = %o, want 600", path, got)
	}
}

func TestGenerateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.keys")
	if err := GenerateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	assertMode0600(t, path)
	before, _ := os.ReadFile(path)

	err := GenerateKeyFile(path)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second GenerateKeyFile: err = %v, want refusal", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("refused GenerateKeyFile still changed the file")
	}
	kr, err := LoadKeyring(KeySource{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(kr.IDs()); n != 1 {
		t.Errorf("new key file holds %d keys, want 1", n)
	}

	if err := GenerateKeyFile(filepath.Join(t.TempDir(), "missing-dir", "k")); err == nil {
		t.Error("GenerateKeyFile into a missing directory succeeded")
	}
}

func TestRetireKeyFromFileRefusals(t *testing.T) {
	path := writeFile(t, "# keys\nnew:"+keyB64(2)+"\nold:"+keyB64(1)+"\n")
	before, _ := os.ReadFile(path)

	if err := RetireKeyFromFile(path, "new"); !errors.Is(err, ErrActiveKey) {
		t.Errorf("retire active: err = %v, want ErrActiveKey", err)
	}
	if err := RetireKeyFromFile(path, "nope"); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("retire unknown: err = %v", err)
	}
	if err := RetireKeyFromFile(path, "bad id!"); err == nil {
		t.Error("retire with an invalid id succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("refused RetireKeyFromFile changed the file")
	}

	if err := RetireKeyFromFile(path, "old"); err != nil {
		t.Fatal(err)
	}
	after, _ = os.ReadFile(path)
	if want := "# keys\nnew:" + keyB64(2) + "\n"; string(after) != want {
		t.Errorf("after retire the file is\n%s\nwant\n%s", after, want)
	}
}

func TestAddKeyToFileKeepsLayout(t *testing.T) {
	path := writeFile(t, "# header\n\nold:"+keyB64(1)+"  # 2024\n# trailer\n")
	id, err := AddKeyToFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	if len(lines) != 6 || lines[0] != "# header" || lines[1] != "" ||
		!strings.HasPrefix(lines[2], id+":") || lines[3] != "old:"+keyB64(1)+"  # 2024" || lines[4] != "# trailer" {
		t.Errorf("unexpected layout after AddKeyToFile:\n%s", data)
	}
	assertMode0600(t, path)

	// A malformed file is refused, not rewritten.
	bad := writeFile(t, "a:"+keyB64(1)+"\nbroken\n")
	if _, err := AddKeyToFile(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("AddKeyToFile on a malformed file: err = %v", err)
	}
	if _, err := AddKeyToFile(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("AddKeyToFile on a missing file: err = %v", err)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	path := writeFile(t, "file:"+keyB64(1)+"\n")
	tests := []struct {
		name   string
		env    string
		file   string
		active string
		ids    []string
	}{
		{"env wins", "env:" + keyB64(2), path, "env", []string{"env"}},
		{"semicolons", "a:" + keyB64(2) + ";b:" + keyB64(3), path, "a", []string{"a", "b"}},
		{"newlines and spaces", " a:" + keyB64(2) + " \n\n b:" + keyB64(3) + " # old\n", path, "a", []string{"a", "b"}},
		{"file not needed", "env:" + keyB64(2), "/nonexistent/master.keys", "env", []string{"env"}},
		{"blank env falls back", "  \n", path, "file", []string{"file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := LoadKeyring(KeySource{File: tt.file, EnvKeys: tt.env})
			if err != nil {
				t.Fatal(err)
			}
			if kr.ActiveID() != tt.active || !slices.Equal(kr.IDs(), tt.ids) {
				t.Errorf("active %q ids %v, want %q %v", kr.ActiveID(), kr.IDs(), tt.active, tt.ids)
			}
		})
	}
	if _, err := LoadKeyring(KeySource{}); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("no source: err = %v", err)
	}
}

func TestMalformedKeys(t *testing.T) {
	k1, k2 := keyB64(0x11), keyB64(0x22)
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x33}, 16))
	zero := keyB64(0)
	// secrets lists everything that must never appear in an error.
	secrets := []string{k1, k2, short, zero, strings.TrimRight(k1, "="), k1[:20]}
	tests := []struct {
		name    string
		content string
		want    []string // substrings the error must contain
	}{
		{"empty", "", []string{"no keys"}},
		{"only comments", "# nothing\n   \n# here\n", []string{"no keys"}},
		{"no colon", "# c\n" + k1 + "\n", []string{"line 2", `expected "id:base64key"`}},
		{"empty id", ":" + k1, []string{"line 1", "key id is empty"}},
		{"bad id", "bad id!:" + k1, []string{"line 1", "only letters"}},
		{"written backwards", k1 + ":a", []string{"line 1", "longer than"}},
		{"missing key", "a:\n", []string{"line 1", `"a"`, "missing"}},
		{"not base64", "a:" + k1[:10] + "!!" + k1[12:], []string{"line 1", `"a"`, "base64"}},
		{"too short", "a:" + short, []string{"line 1", "32 bytes", "got 16"}},
		{"all zero", "a:" + zero, []string{"line 1", "all zero"}},
		{"duplicate id", "a:" + k1 + "\n# x\na:" + k2, []string{"line 3", "duplicate key id", "line 1"}},
		{"duplicate key", "a:" + k1 + "\nb:" + k1, []string{"line 2", "same key as line 1"}},
		{"semicolon in file", "a:" + k1 + ";b:" + k2, []string{"line 1", "base64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content)
			_, err := LoadKeyring(KeySource{File: path})
			if err == nil {
				t.Fatal("LoadKeyring accepted a malformed file")
			}
			msg := err.Error()
			for _, w := range append(tt.want, path) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q leaks key material", msg)
				}
			}
		})
	}

	_, err := LoadKeyring(KeySource{EnvKeys: "a:" + k1 + ";;b:" + k1[:30]})
	if err == nil || !strings.Contains(err.Error(), EnvVar+" entry 3") {
		t.Errorf("env error = %v, want it to name %s entry 3", err, EnvVar)
	}
	for _, s := range secrets {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("env error %q leaks key material", err)
		}
	}
}

func TestNewKeyringRejects(t *testing.T) {
	mk, _ := GenerateMasterKey()
	if _, err := NewKeyring(); err == nil {
		t.Error("empty keyring accepted")
	}
	if _, err := NewKeyring(mk, mk); err == nil {
		t.Error("duplicate ids accepted")
	}
	mk.ID = "no spaces"
	if _, err := NewKeyring(mk); err == nil {
		t.Error("invalid id accepted")
	}
}
