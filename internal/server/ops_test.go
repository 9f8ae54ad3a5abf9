package server_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/server"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// opsOwnerDB connects to the service's database as its owner, bypassing the
// application role, to break the database behind the service's back.
func opsOwnerDB(t *testing.T, env *apptest.Env) *sql.DB {
	t.Helper()
	conn, err := sql.Open("pgx", env.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// opsStatus checks an ops endpoint's answer: its `status` when it is fine,
// its problem type (wantStatus with hyphens) when it is not.
func opsStatus(t *testing.T, env *apptest.Env, path string, want int, wantStatus string) {
	t.Helper()
	res := env.Do(nil, http.MethodGet, path, nil)
	if res.Status != want {
		t.Fatalf("GET %s = %d, want %d: %s", path, res.Status, want, res.Body)
	}
	if want >= 400 {
		if got, typ := res.Map(t)["type"], server.ProblemBase+strings.ReplaceAll(wantStatus, " ", "-"); got != typ {
			t.Errorf("GET %s: problem type %q, want %q", path, got, typ)
		}
		return
	}
	if got := res.Map(t)["status"]; got != wantStatus {
		t.Errorf("GET %s: status %q, want %q", path, got, wantStatus)
	}
}

// opsLogLines stops the service and returns what it logged, one decoded
// JSON object per line. Stopping first waits for every request to finish,
// so the access line of the last request is written and the buffer is no
// longer written to while the test reads it.
func opsLogLines(t *testing.T, env *apptest.Env) (raw string, lines []map[string]any) {
	t.Helper()
	env.Server.Close()
	raw = env.Log.String()
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := map[string]any{}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		lines = append(lines, m)
	}
	return raw, lines
}

// opsMetrics fetches /metrics until it contains every wanted line: a
// request is counted just after its response is sent, so the count of the
// request before may be a moment late.
func opsMetrics(t *testing.T, env *apptest.Env, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := scrape(env)
		if res.Code != http.StatusOK {
			t.Fatalf("GET /metrics = %d", res.Code)
		}
		body := res.Body.String()
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q:\n%s", missing, opsGrep(body, "rkc_http_requests_total"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func opsGrep(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHealthz: the process answers even when nothing else works, so an
// orchestrator restarts it only when it is really stuck.
func TestHealthz(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	opsStatus(t, env, "/healthz", http.StatusOK, "ok")
}

// TestReadyzSchema: a load balancer must not send traffic to an instance
// whose database schema does not match its code.
func TestReadyzSchema(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	owner := opsOwnerDB(t, env)
	opsStatus(t, env, "/readyz", http.StatusOK, "ready")

	n := db.LatestVersion()
	if _, err := owner.Exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'newer')`, n+1); err != nil {
		t.Fatal(err)
	}
	opsStatus(t, env, "/readyz", http.StatusServiceUnavailable, "schema not current")

	if _, err := owner.Exec(`DELETE FROM schema_migrations WHERE version >= $1`, n); err != nil {
		t.Fatal(err)
	}
	opsStatus(t, env, "/readyz", http.StatusServiceUnavailable, "schema not current")
	opsStatus(t, env, "/healthz", http.StatusOK, "ok")
}

// TestReadyzDatabaseGone: when the database disappears under a running
// service, /readyz says so (503) while /healthz stays 200, and API calls
// that need the database fail as problem+json with a request id, logged
// without the request's content.
func TestReadyzDatabaseGone(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	opsStatus(t, env, "/readyz", http.StatusOK, "ready")

	u, err := url.Parse(env.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", dbtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP DATABASE ` + strings.TrimPrefix(u.Path, "/") + ` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}

	opsStatus(t, env, "/readyz", http.StatusServiceUnavailable, "database unavailable")
	opsStatus(t, env, "/healthz", http.StatusOK, "ok")

	const sentinel = "sentinel-db-gone@example.org"
	res := env.Do(nil, http.MethodPost, "/api/v1/session", map[string]string{"email": sentinel, "password": "x"})
	if res.Status < 500 {
		t.Fatalf("login without a database = %d, want 5xx: %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if bytes.Contains(res.Body, []byte(sentinel)) || bytes.Contains(res.Body, []byte(u.Path)) {
		t.Errorf("the problem shows request data or database details: %s", res.Body)
	}
	id := res.Header.Get("X-Request-Id")

	raw, lines := opsLogLines(t, env)
	if strings.Contains(raw, sentinel) {
		t.Error("the log contains the e-mail address from the request body")
	}
	found := false
	for _, l := range lines {
		if l["msg"] == "request failed" && l["request_id"] == id {
			found = true
			// The cause is logged by kind (here: SQLSTATE 3D000, no such
			// database), not by its message, which can carry values.
			if typ, _ := l["error_type"].(string); !strings.Contains(typ, "3D000") || strings.Contains(typ, "failed to connect") {
				t.Errorf("error_type %q, want the SQLSTATE and no message text", typ)
			}
		}
	}
	if !found {
		t.Errorf("no 'request failed' line with request id %s in:\n%s", id, raw)
	}
}

// TestMetricsByRoute: request counts are labelled by route template, so
// a dashboard shows one series per endpoint however many cases exist, and
// no case id (or anything else from a URL) reaches the metrics.
func TestMetricsByRoute(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	id := uuid.NewString()
	for range 2 {
		env.Do(nil, http.MethodGet, "/api/v1/cases/"+id+"?q=secret-query", nil)
	}
	env.Do(nil, http.MethodGet, "/no-such-page-"+id, nil)
	env.Do(nil, http.MethodGet, "/healthz", nil)

	body := opsMetrics(t, env,
		`rkc_http_requests_total{method="GET",route="/api/v1/cases/:id",status="401"} 2`,
		`rkc_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`rkc_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cases/:id",le=`,
	)
	if strings.Contains(body, id) || strings.Contains(body, "secret-query") {
		t.Errorf("/metrics contains a raw path or query:\n%s", opsGrep(body, id))
	}
	if !strings.Contains(opsGrep(body, "rkc_http_requests_total{"), `status="404"`) {
		t.Errorf("the unknown route is not counted:\n%s", opsGrep(body, "rkc_http_requests_total"))
	}
}

// TestProblemJSON: every error the router produces itself under the API
// (unknown path, wrong method) answers in the API's one error format, so
// clients need one error parser. Pages outside /api answer in HTML (the web
// UI's concern, tested there).
func TestProblemJSON(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tests := []struct {
		method, path string
		status       int
		typ          string
	}{
		{http.MethodGet, "/api/v1/no-such-thing", http.StatusNotFound, "not-found"},
		{http.MethodGet, "/api/v2/cases", http.StatusNotFound, "not-found"},
		{http.MethodPut, "/api/v1/session", http.StatusMethodNotAllowed, "method-not-allowed"},
		{http.MethodDelete, "/api/v1/cases", http.StatusMethodNotAllowed, "method-not-allowed"},
		{http.MethodPost, "/api/v1/cases/" + uuid.NewString() + "/events", http.StatusMethodNotAllowed, "method-not-allowed"},
	}
	allow := map[string]string{"/api/v1/session": "POST, DELETE", "/api/v1/cases": "GET, POST"}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := env.Do(nil, tt.method, tt.path, nil)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Type      string `json:"type"`
				Title     string `json:"title"`
				Status    int    `json:"status"`
				RequestID string `json:"request_id"`
			}
			res.Decode(t, &p)
			if !strings.HasSuffix(p.Type, "/"+tt.typ) || p.Status != tt.status || p.Title != http.StatusText(tt.status) {
				t.Errorf("problem %+v, want type …/%s, status %d", p, tt.typ, tt.status)
			}
			if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-Id") {
				t.Errorf("problem request_id %q, header %q: want the same, non-empty", p.RequestID, res.Header.Get("X-Request-Id"))
			}
			if tt.status == http.StatusMethodNotAllowed {
				got := res.Header.Get("Allow")
				if want, ok := allow[tt.path]; (ok && got != want) || got == "" {
					t.Errorf("Allow %q, want %q", got, want)
				}
			}
		})
	}

	// HEAD gets the status without a body.
	req, _ := http.NewRequest(http.MethodHead, env.Server.URL+"/api/v1/no-such-thing", nil)
	res := env.Send(nil, req)
	if res.Status != http.StatusNotFound || len(res.Body) != 0 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("HEAD unknown API path = %d, %q, %d bytes; want 404 problem+json without body", res.Status, res.Header.Get("Content-Type"), len(res.Body))
	}
}

// TestRequestIDAndLogs: every response names its request id, every log
// line of a request carries it (so one request can be followed through the
// log), and nothing a caller sends in a body or query string is logged.
func TestRequestIDAndLogs(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	const sentinel = "Sentinel7c1f-do-not-log"
	start := env.Log.Len() // lines logged while building the service carry no request

	ids := map[string]bool{}
	send := func(method, path string, body any) {
		t.Helper()
		res := env.Do(nil, method, path, body)
		id := res.Header.Get("X-Request-Id")
		if _, err := uuid.Parse(id); err != nil {
			t.Errorf("%s %s: X-Request-Id %q is not a uuid", method, path, id)
		}
		if ids[id] {
			t.Errorf("request id %s used twice", id)
		}
		ids[id] = true
	}
	send(http.MethodPost, "/api/v1/session", map[string]string{"email": sentinel + "@example.org", "password": sentinel})
	send(http.MethodPost, "/api/v1/signals", map[string]string{"text": sentinel, "email": sentinel + "@example.org"})
	send(http.MethodPost, "/api/v1/cases", json.RawMessage(`{"broken json `+sentinel))
	send(http.MethodGet, "/healthz?token="+sentinel, nil)
	send(http.MethodGet, "/api/v1/cases/"+sentinel, nil)
	send(http.MethodGet, "/no-such-page/"+sentinel, nil)

	// A caller cannot choose the id that ends up in our log.
	req, _ := http.NewRequest(http.MethodGet, env.Server.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", sentinel)
	if got := env.Send(nil, req).Header.Get("X-Request-Id"); got == sentinel || got == "" {
		t.Errorf("X-Request-Id %q: want a fresh id, not the caller's", got)
	}

	raw, _ := opsLogLines(t, env)
	if strings.Contains(raw, sentinel) {
		t.Errorf("the log contains data from request bodies, paths or query strings:\n%s", opsGrep(raw, sentinel))
	}
	var requests int
	sc := bufio.NewScanner(strings.NewReader(raw[start:]))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		id, _ := line["request_id"].(string)
		if id == "" {
			t.Errorf("log line without request_id: %s", sc.Text())
		}
		if line["msg"] == "request" {
			requests++
			if _, ok := line["route"]; !ok {
				t.Errorf("access line without route: %s", sc.Text())
			}
			if !ids[id] && line["route"] != "/healthz" {
				t.Errorf("access line with an id no response carried: %s", sc.Text())
			}
		}
	}
	if requests != len(ids)+1 {
		t.Errorf("%d access lines for %d requests:\n%s", requests, len(ids)+1, raw[start:])
	}
}

// TestMetricsFormat guards what a Prometheus scraper expects: the text
// format, typed series, and the Go and process collectors.
func TestMetricsFormat(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	env.Do(nil, http.MethodGet, "/healthz", nil)
	opsMetrics(t, env, `route="/healthz"`) // a counter shows once it has a series
	res := scrape(env)
	b := res.Body.Bytes()
	if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q, want the Prometheus text format", ct)
	}
	for _, want := range []string{"# TYPE rkc_http_requests_total counter", "go_goroutines", "process_"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// scrape asks the operators' metrics handler for /metrics, as Prometheus
// does on RKC_METRICS_ADDR.
func scrape(env *apptest.Env) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	env.App.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec
}

// TestMetricsNotPublic: the public listener (the API and the pages, all the
// ingress forwards to) does not serve /metrics, whatever the method or
// spelling; the operators' handler serves it and nothing else.
func TestMetricsNotPublic(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	for _, path := range []string{"/metrics", "/metrics/", "/Metrics", "/api/v1/../metrics"} {
		res := env.Do(nil, http.MethodGet, path, nil)
		if res.Status == http.StatusOK || strings.Contains(string(res.Body), "go_goroutines") {
			t.Errorf("public GET %s: %d, serves the metrics", path, res.Status)
		}
	}
	if res := scrape(env); res.Code != http.StatusOK || !strings.Contains(res.Body.String(), "go_goroutines") {
		t.Fatalf("the metrics handler: %d", res.Code)
	}
	rec := httptest.NewRecorder()
	env.App.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/me", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("the metrics listener serves /api/v1/me: %d", rec.Code)
	}
}
