package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileVariants reads a setting from NAME_FILE, as compose and
// Kubernetes mount secrets, and refuses NAME and NAME_FILE together.
func TestFileVariants(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "database_url")
	if err := os.WriteFile(secret, []byte("postgres://rkc:s3cret@db:5432/rkc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := load(t, nil, map[string]string{"DATABASE_URL_FILE": secret})
	if c.DatabaseURL != "postgres://rkc:s3cret@db:5432/rkc" {
		t.Errorf("DatabaseURL = %q from DATABASE_URL_FILE", c.DatabaseURL)
	}

	_, _, err := Load(nil, env(map[string]string{"DATABASE_URL_FILE": secret, "DATABASE_URL": "postgres://x@y/z"}), nil)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("both set: err = %v, want a refusal", err)
	}
	_, _, err = Load(nil, env(map[string]string{"DATABASE_URL_FILE": filepath.Join(dir, "missing")}), nil)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL_FILE") {
		t.Errorf("missing file: err = %v, want one naming DATABASE_URL_FILE", err)
	}
	// A bad value read from a file is named by the variable, never echoed.
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("mysql://root:hunter2@db/rkc"), 0o600)
	_, _, err = Load(nil, env(map[string]string{"DATABASE_URL_FILE": bad}), nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "DATABASE_URL_FILE") {
		t.Errorf("bad value: err = %v, want one naming the variable without the value", err)
	}
}

// TestTrustedProxies reads the proxy ranges whose X-Forwarded-For is
// believed, and refuses anything that is not a range.
func TestTrustedProxies(t *testing.T) {
	c, _ := load(t, nil, map[string]string{"RKC_TRUSTED_PROXIES": "10.244.0.0/16, 192.0.2.7/32"})
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.244.0.0/16" || c.TrustedProxies[1].String() != "192.0.2.7/32" {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
	if c, _ := load(t, nil, nil); c.TrustedProxies != nil {
		t.Errorf("default TrustedProxies = %v, want none", c.TrustedProxies)
	}
	if _, _, err := Load(nil, env(map[string]string{"RKC_TRUSTED_PROXIES": "10.0.0.1"}), nil); err == nil {
		t.Error("an address without a prefix length was accepted")
	}
}
