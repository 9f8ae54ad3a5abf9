package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck runs the container's health check against a server that
// answers, one that fails and an address nothing listens on.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"status":"` + r.URL.Path + `"}`))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	env := func(k string) string {
		if k == "RKC_ADDR" {
			return ":" + port // a wildcard address is asked on loopback
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"healthcheck"}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "/healthz") {
		t.Errorf("healthy: exit %d, out %q, err %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"healthcheck", "ready"}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), "/readyz") {
		t.Errorf("ready: exit %d, out %q", code, out.String())
	}
	status = http.StatusServiceUnavailable
	if code := run([]string{"healthcheck", "ready"}, env, &out, &errOut); code != 1 {
		t.Errorf("unready: exit %d, want 1", code)
	}
	srv.Close()
	if code := run([]string{"healthcheck"}, env, &out, &errOut); code != 1 {
		t.Errorf("nothing listening: exit %d, want 1", code)
	}
	if code := run([]string{"healthcheck", "bogus"}, env, &out, &errOut); code != 1 {
		t.Errorf("bad argument: exit %d, want 1", code)
	}
}

func TestLocalURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/healthz",
		"[::]:8080":      "http://127.0.0.1:8080/healthz",
		"127.0.0.2:9000": "http://127.0.0.2:9000/healthz",
	} {
		if got, err := localURL(addr, "/healthz"); err != nil || got != want {
			t.Errorf("localURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}
