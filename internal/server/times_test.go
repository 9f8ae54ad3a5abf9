package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestAPITimesInUTC: every time the API answers is in UTC, whatever the
// time zone of the server process. The test runs itself again in a process
// whose TZ is Pacific/Chatham (+13:45, far from UTC and from the
// Netherlands) and reads a case, its timeline and the caller's sessions
// there.
func TestAPITimesInUTC(t *testing.T) {
	if os.Getenv("RKC_TEST_TZ_CHILD") == "" {
		t.Parallel()
		cmd := exec.Command(os.Args[0], "-test.run=^TestAPITimesInUTC$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "RKC_TEST_TZ_CHILD=1", "TZ=Pacific/Chatham")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("in TZ=Pacific/Chatham: %v\n%s", err, out)
		}
		return
	}
	if _, off := time.Now().Zone(); off == 0 {
		t.Fatal("the child process runs in UTC; TZ was not applied")
	}
	env := apptest.New(t)
	comp := env.Person("klager@bzk.example.nl", "BZK", apptest.Grant("complainant", "BZK"))
	id := env.Must(201, comp, "POST", "/api/v1/cases", map[string]any{"category": "bullying", "description": "Pesterijen."}).Map(t)["id"].(string)
	seen := 0
	for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events", "/api/v1/me/sessions"} {
		var v any
		if err := json.Unmarshal(env.Must(200, comp, "GET", path, nil).Body, &v); err != nil {
			t.Fatal(err)
		}
		walkStrings(v, func(s string) {
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return
			}
			seen++
			if _, off := at.Zone(); off != 0 || s[len(s)-1] != 'Z' {
				t.Errorf("GET %s: time %q is not in UTC", path, s)
			}
		})
	}
	if seen < 3 {
		t.Fatalf("only %d times in the answers; the test reads too little", seen)
	}
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	}
}
