package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// securityTxtFields reads an RFC 9116 file into its fields, in order, and
// fails on a line that is not "Field: value" or a field RFC 9116 does not
// define.
func securityTxtFields(t *testing.T, body string) map[string][]string {
	t.Helper()
	known := map[string]bool{"Acknowledgments": true, "Canonical": true, "Contact": true, "Encryption": true,
		"Expires": true, "Hiring": true, "Policy": true, "Preferred-Languages": true, "CSAF": true}
	fields := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok || !known[name] || value == "" {
			t.Fatalf("line %q is not an RFC 9116 field", line)
		}
		fields[name] = append(fields[name], value)
	}
	return fields
}

// TestSecurityTxt: /.well-known/security.txt says what the operator
// configured, in RFC 9116's form: every contact in order, one expiry in
// the future, the languages, the policy and its own https address.
func TestSecurityTxt(t *testing.T) {
	t.Parallel()
	env := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{
		"RKC_SECURITY_CONTACT": "mailto:security@rkc.example, https://rkc.example/kwetsbaarheid-melden",
		"RKC_SECURITY_EXPIRES": "2099-01-01", "RKC_SECURITY_POLICY": "https://rkc.example/cvd",
		"RKC_BASE_URL": "https://rkc.example",
	}))
	res := env.Do(nil, http.MethodGet, "/.well-known/security.txt", nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%d %s: %s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	f := securityTxtFields(t, string(res.Body))
	for name, want := range map[string]string{
		"Contact":             "mailto:security@rkc.example|https://rkc.example/kwetsbaarheid-melden",
		"Expires":             "2099-01-01T00:00:00Z",
		"Preferred-Languages": "nl, en",
		"Policy":              "https://rkc.example/cvd",
		"Canonical":           "https://rkc.example/.well-known/security.txt",
	} {
		if got := strings.Join(f[name], "|"); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// TestSecurityTxtDefaults: without an expiry the file is current for less
// than a year (RFC 9116 §2.5.5); without a contact it is not served at all,
// rather than with a made-up one.
func TestSecurityTxtDefaults(t *testing.T) {
	t.Parallel()
	env := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{"RKC_SECURITY_CONTACT": "mailto:security@rkc.example"}))
	f := securityTxtFields(t, string(env.Must(200, nil, http.MethodGet, "/.well-known/security.txt", nil).Body))
	if len(f["Expires"]) != 1 {
		t.Fatalf("Expires %q, want one", f["Expires"])
	}
	expires, err := time.Parse(time.RFC3339, f["Expires"][0])
	if err != nil || !expires.After(time.Now().AddDate(0, 1, 0)) || !expires.Before(time.Now().AddDate(1, 0, 0)) {
		t.Errorf("Expires %q: want a time between a month and a year from now (%v)", f["Expires"][0], err)
	}
	if f["Canonical"] != nil {
		t.Errorf("Canonical %q over plain http", f["Canonical"])
	}

	none := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{"RKC_SECURITY_CONTACT": ""}))
	if res := none.Do(nil, http.MethodGet, "/.well-known/security.txt", nil); res.Status != http.StatusNotFound {
		t.Errorf("without a contact: %d, want 404: %s", res.Status, res.Body)
	}
}
