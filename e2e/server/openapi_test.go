package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/server"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// loadOpenAPI parses and validates the embedded document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	// The loader forgives a key given twice (the second wins); strict YAML
	// clients do not, so neither does the test.
	if _, err := openapi3filter.YamlBodyDecoder(bytes.NewReader(server.OpenAPI()), nil, nil, nil); err != nil {
		t.Fatalf("openapi.yaml is not strict YAML: %v", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(server.OpenAPI())
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// fullPath is the path a request uses for the operation at path: the
// document's paths are relative to their server (/api/v1, or / for the
// operators' endpoints).
func fullPath(doc *openapi3.T, path string) string {
	base := doc.Servers[0].URL
	if item := doc.Paths.Value(path); item != nil && len(item.Servers) > 0 {
		base = item.Servers[0].URL
	}
	return strings.TrimSuffix(base, "/") + path
}

// withFullPaths returns a copy of doc whose paths are the full request
// paths and which has no servers, for routing a request and for comparing
// the document with the route table.
func withFullPaths(doc *openapi3.T) *openapi3.T {
	flat := *doc
	flat.Servers = nil
	flat.Paths = openapi3.NewPaths()
	for path, item := range doc.Paths.Map() {
		it := *item
		it.Servers = nil
		flat.Paths.Set(fullPath(doc, path), &it)
	}
	return &flat
}

// TestOpenAPIDocumentValid checks that the document loads and validates,
// that operation ids are unique, that every API operation declares the
// errors its guard can answer (401 unless public, 403 with a permission, 500
// always), and that every error response it declares is a problem document.
func TestOpenAPIDocumentValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version %q, want 3.0.3", doc.OpenAPI)
	}
	ids := map[string]string{}
	for path, item := range withFullPaths(doc).Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q also used by %s", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if strings.HasPrefix(path, "/api/v1/") {
				public := op.Security != nil && len(*op.Security) == 0
				_, guarded := op.Extensions["x-rkc-permission"]
				for status, need := range map[string]bool{"401": !public, "403": guarded, "500": true} {
					if need && op.Responses.Value(status) == nil {
						t.Errorf("%s: no %s response", where, status)
					}
				}
			}
			for status, ref := range op.Responses.Map() {
				if status < "400" || ref.Value == nil {
					continue
				}
				if ref.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s: response %s is not application/problem+json", where, status)
				}
			}
		}
	}
}

// camelCase is the form of a query key under the API Design Rules.
var camelCase = regexp.MustCompile(`^[a-z][a-z\d]*([A-Z][a-z\d]*)*$`)

// TestOpenAPIDesignRules checks the rules of the Logius API Design Rules
// that a new route most easily breaks, so that `go test` catches them too;
// `make lint` runs the whole ruleset (tools/spectral) with Spectral.
func TestOpenAPIDesignRules(t *testing.T) {
	doc := loadOpenAPI(t)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(doc.Info.Version) || doc.Info.Version != server.APIVersion {
		t.Errorf("info.version %q is not the full SemVer version the server sends (%q)", doc.Info.Version, server.APIVersion)
	}
	if c := doc.Info.Contact; c == nil || c.Name == "" || c.Email == "" || c.URL == "" {
		t.Errorf("info.contact needs name, email and url: %+v", c)
	}
	if len(doc.Servers) == 0 || !strings.Contains(doc.Servers[0].URL, "/v1") {
		t.Errorf("servers must name the base URL with the major version (/api/v1)")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if strings.HasPrefix(path, "/api/") {
				t.Errorf("%s: paths are relative to the server /api/v1; write %s", where, strings.TrimPrefix(path, "/api/v1"))
			}
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == "query" && !camelCase.MatchString(p.Value.Name) {
					t.Errorf("%s: query key %q is not lowerCamelCase", where, p.Value.Name)
				}
			}
			takesInput := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || len(op.Parameters) > 0
			if takesInput && op.Responses.Value("400") == nil {
				t.Errorf("%s: no 400 response for invalid input", where)
			}
			for status, ref := range op.Responses.Map() {
				if ref.Value != nil && (status[0] == '2' || status[0] == '3') && ref.Value.Headers["API-Version"] == nil {
					t.Errorf("%s: response %s does not declare the API-Version header", where, status)
				}
			}
		}
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// opsPaths are the operators' endpoints outside /api (docs/design.md §7); the
// document describes them with the API. Every other path outside /api is
// the HTML interface, which the document does not describe.
var opsPaths = map[string]bool{"/healthz": true, "/readyz": true}

// TestOpenAPIRoutesMatch checks that the document describes exactly the API
// routes the server registers, with the same methods.
func TestOpenAPIRoutesMatch(t *testing.T) {
	doc := loadOpenAPI(t)
	env := apptest.New(t)

	served := map[string]bool{}
	for _, r := range env.App.Handler.Routes() {
		if r.Method == echo.RouteNotFound { // the catch-alls of middleware groups
			continue
		}
		if !strings.HasPrefix(r.Path, "/api/") && !opsPaths[r.Path] {
			continue
		}
		served[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range withFullPaths(doc).Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, k := range sortedKeys(served) {
		if !documented[k] {
			t.Errorf("route %s is served but not in openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !served[k] {
			t.Errorf("operation %s is in openapi.yaml but not served", k)
		}
	}
}

// TestOpenAPICORSOnlyForDocument: the document may be read from any origin;
// no other route answers a cross-origin request, so another site's script
// can never read an API answer with the caller's cookie.
func TestOpenAPICORSOnlyForDocument(t *testing.T) {
	env := apptest.New(t)
	p := env.Person("klager@bzk.example.nl", "BZK", apptest.Grant("complainant", "BZK"))
	for _, r := range []struct {
		who          *apptest.Person
		method, path string
		want         string
	}{
		{nil, http.MethodGet, "/api/v1/openapi.json", "*"},
		{nil, http.MethodGet, "/api/v1/openapi.yaml", "*"},
		{p, http.MethodGet, "/api/v1/me", ""},
		{p, http.MethodGet, "/api/v1/cases", ""},
		{nil, http.MethodOptions, "/api/v1/cases", ""},
		{nil, http.MethodGet, "/healthz", ""},
	} {
		req, err := http.NewRequest(r.method, env.Server.URL+r.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://elders.example")
		req.Header.Set("Access-Control-Request-Method", http.MethodGet)
		res := env.Send(r.who, req)
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != r.want {
			t.Errorf("%s %s: Access-Control-Allow-Origin %q, want %q", r.method, r.path, got, r.want)
		}
	}
}

// routeLine is one route of the route table in routes.go, with the
// middleware that guards it: auth (a session), pending (a session that may
// still wait for its second factor) or pm("action") (a role), optionally
// followed by reauth (a recent proof of identity).
var routeLine = regexp.MustCompile(`api\.(GET|POST|PUT|DELETE|PATCH)\("([^"]+)",\s*[\w.]+(?:,\s*(auth|pending|pm\("([^"]+)"\)))?(?:,\s*reauth)?\)`)

// TestOpenAPIPermissions checks, against the route table, that every
// operation names the permission its route requires (x-rkc-permission) and
// that exactly the routes without a session requirement are public in the
// document (security: []).
func TestOpenAPIPermissions(t *testing.T) {
	doc := withFullPaths(loadOpenAPI(t))
	src, err := os.ReadFile(filepath.Join(proctest.RepoRoot(t), "internal", "server", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	matches := routeLine.FindAllStringSubmatch(string(src), -1)
	if all := regexp.MustCompile(`api\.(GET|POST|PUT|DELETE|PATCH)\(`).FindAllString(string(src), -1); len(matches) != len(all) || len(all) == 0 {
		t.Fatalf("read %d of the %d routes in routes.go; teach routeLine their new form", len(matches), len(all))
	}
	for _, m := range matches {
		method, path, guard, perm := m[1], "/api/v1"+echoParam.ReplaceAllString(m[2], "{$1}"), m[3], m[4]
		where := method + " " + path
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s: not in openapi.yaml", where)
			continue
		}
		op := item.GetOperation(method)
		documented, _ := op.Extensions["x-rkc-permission"].(string)
		if documented != perm {
			t.Errorf("%s: x-rkc-permission %q, routes.go requires %q", where, documented, perm)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != (guard == "") {
			t.Errorf("%s: public in openapi.yaml %v, in routes.go %v", where, public, guard == "")
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// walker sends requests to the running service and checks each request and
// each response against the document.
type walker struct {
	t       *testing.T
	env     *apptest.Env
	doc     *openapi3.T
	router  routers.Router
	opts    *openapi3filter.Options
	covered map[string]bool // operations answered with a 2xx
}

// call is one request of the walk.
type call struct {
	who    *apptest.Person
	method string
	path   string
	body   any               // marshalled as JSON; []byte is sent as is
	header map[string]string // extra headers (Content-Type overrides)
	want   int
	// problem is the expected problem type (without the base) of an error.
	problem string
	// badRequest marks a request the document itself refuses: validating it
	// must fail, since the server refuses it too.
	badRequest bool
}

func newWalker(t *testing.T, env *apptest.Env, doc *openapi3.T) *walker {
	router, err := legacy.NewRouter(withFullPaths(doc))
	if err != nil {
		t.Fatal(err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true, // an undocumented status fails
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			r := in.RequestValidationInput.Request
			switch in.SecuritySchemeName {
			case "bearer":
				if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
					return nil
				}
			case "session":
				if _, err := r.Cookie(accounts.CookieName); err == nil {
					return nil
				}
			}
			return errors.New("no credentials for " + in.SecuritySchemeName)
		},
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
		},
	}
	return &walker{t: t, env: env, doc: doc, router: router, opts: opts, covered: map[string]bool{}}
}

func (w *walker) do(c call) *apptest.Response {
	t := w.t
	t.Helper()
	var raw []byte
	ctype := ""
	switch b := c.body.(type) {
	case nil:
	case []byte:
		raw, ctype = b, "application/json"
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
		ctype = "application/json"
	}
	req, err := http.NewRequest(c.method, w.env.Server.URL+c.path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if c.body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.who != nil {
		req.Header.Set("Authorization", "Bearer "+c.who.Token)
	}
	where := fmt.Sprintf("%s %s", c.method, c.path)

	ctx := context.Background()
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(raw))
	route, params, err := w.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s: not in openapi.yaml: %v", where, err)
	}
	reqIn := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: w.opts}
	err = openapi3filter.ValidateRequest(ctx, reqIn)
	switch {
	case c.badRequest && err == nil:
		t.Errorf("%s: the document accepts a request the walk expects it to refuse", where)
	case !c.badRequest && err != nil:
		t.Errorf("%s: request does not match openapi.yaml: %v", where, err)
	}

	res := w.env.Send(c.who, req)
	if res.Status != c.want {
		t.Fatalf("%s: status %d, want %d: %s", where, res.Status, c.want, res.Body)
	}
	w.checkVersion(where, res)
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn, Status: res.Status, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(res.Body)), Options: w.opts,
	})
	if err != nil {
		t.Errorf("%s: response %d does not match openapi.yaml: %v\n%s", where, res.Status, err, res.Body)
	}
	if res.Status >= 400 {
		w.checkProblem(where, res, c.problem)
	} else if res.Status < 400 { // a redirect is a browser route's success
		w.covered[route.Method+" "+route.Path] = true
	}
	return res
}

// checkVersion checks that an answer names the full API version.
func (w *walker) checkVersion(where string, res *apptest.Response) {
	w.t.Helper()
	if got := res.Header.Get("API-Version"); got != w.doc.Info.Version {
		w.t.Errorf("%s: API-Version %q, want %q", where, got, w.doc.Info.Version)
	}
}

func problemOf(t *testing.T, res *apptest.Response) server.Problem {
	t.Helper()
	var p server.Problem
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, res.Body)
	}
	return p
}

// checkProblem checks an error answer against the Problem schema, the
// expected type and the request id; it also serves answers outside the
// document (unknown routes, wrong methods). A validation problem must
// name what is invalid in invalidParams.
func (w *walker) checkProblem(where string, res *apptest.Response, typ string) {
	t := w.t
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", where, ct)
	}
	var v any
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("%s: problem is not JSON: %v", where, err)
	}
	schema := w.doc.Components.Schemas["Problem"].Value
	if err := schema.VisitJSON(v, w.opts.SchemaValidationOptions...); err != nil {
		t.Errorf("%s: not a Problem: %v\n%s", where, err, res.Body)
	}
	var p server.Problem
	json.Unmarshal(res.Body, &p)
	if typ != "" && p.Type != server.ProblemBase+typ {
		t.Errorf("%s: problem type %q, want %q", where, p.Type, server.ProblemBase+typ)
	}
	if p.Status != res.Status {
		t.Errorf("%s: problem status %d, HTTP status %d", where, p.Status, res.Status)
	}
	if p.RequestID == "" || p.RequestID != res.Header.Get(echo.HeaderXRequestID) {
		t.Errorf("%s: problem request_id %q, X-Request-Id %q", where, p.RequestID, res.Header.Get(echo.HeaderXRequestID))
	}
	if p.Type == server.ProblemBase+"validation" {
		if res.Status != http.StatusBadRequest || len(p.InvalidParams) == 0 {
			t.Errorf("%s: validation problem with status %d and invalidParams %v, want 400 naming the invalid input", where, res.Status, p.InvalidParams)
		}
		for _, ip := range p.InvalidParams {
			if ip.Name == "" || ip.Reason == "" {
				t.Errorf("%s: invalidParams entry %+v without name or reason", where, ip)
			}
		}
	}
}

// raw sends a request that is not in the document and returns the answer.
func (w *walker) raw(method, path string) *apptest.Response {
	req, err := http.NewRequest(method, w.env.Server.URL+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.env.Send(nil, req)
}

func field(t *testing.T, res *apptest.Response, name string) string {
	t.Helper()
	v, _ := res.Map(t)[name].(string)
	if v == "" {
		t.Fatalf("no %q in %s", name, res.Body)
	}
	return v
}

// TestOpenAPIWalk walks complaints through their life, signals and sessions,
// with the errors a client meets on the way, and checks every request and
// every response against the document. Every documented operation must be
// answered with a success at least once.
func TestOpenAPIWalk(t *testing.T) {
	doc := loadOpenAPI(t)
	idp, settings := walkProvider(t)
	env := apptest.NewWithConfig(t, apptest.Config(t, settings))
	w := newWalker(t, env, doc)
	g := apptest.Grant

	comp := env.Person("klager@bzk.example.nl", "BZK", g("complainant", "BZK"))
	other := env.Person("ander@bzk.example.nl", "BZK", g("complainant", "BZK"))
	sec := env.Person("secretaris@rkc.example.nl", "BZK", g("secretary", "*"))
	chair := env.Person("voorzitter@rkc.example.nl", "AZ", g("chair", "*"))
	mem1 := env.Person("lid1@rkc.example.nl", "DEF", g("member", "*"))
	mem2 := env.Person("lid2@rkc.example.nl", "EZ", g("member", "*"))
	memBZK := env.Person("lid3@rkc.example.nl", "BZK", g("member", "*"))
	resp := env.Person("beklaagde@fin.example.nl", "FIN")
	auth := env.Person("bevoegd@fin.example.nl", "FIN", g("authority", "FIN"))
	po := env.Person("privacy@rkc.example.nl", "BZK", g("privacy_officer", "*"))

	// Operations.
	for _, form := range []string{"/api/v1/openapi.yaml", "/api/v1/openapi.json"} {
		res := w.do(call{method: "GET", path: form, header: map[string]string{"Origin": "https://developer.overheid.nl"}, want: 200})
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want *", form, got)
		}
	}
	var served map[string]any
	if err := json.Unmarshal(w.do(call{method: "GET", path: "/api/v1/openapi.json", want: 200}).Body, &served); err != nil || served["info"].(map[string]any)["version"] != server.APIVersion {
		t.Errorf("openapi.json is not the document: %v", err)
	}
	w.do(call{method: "GET", path: "/healthz", want: 200})
	w.do(call{method: "GET", path: "/readyz", want: 200})

	// Sessions: bearer and cookie.
	w.do(call{method: "POST", path: "/api/v1/session", body: map[string]any{"email": comp.Email, "password": "wrong password"},
		want: 401, problem: "invalid-credentials"})
	w.do(call{method: "POST", path: "/api/v1/session", body: map[string]any{}, want: 400, problem: "validation", badRequest: true})
	w.do(call{method: "POST", path: "/api/v1/session", body: []byte(`{"email":`), want: 400, problem: "malformed-json", badRequest: true})
	login := w.do(call{method: "POST", path: "/api/v1/session", body: map[string]any{"email": comp.Email, "password": apptest.Password}, want: 201})
	token := field(t, login, "token")
	var cookie string
	for _, ck := range (&http.Response{Header: login.Header}).Cookies() {
		if ck.Name == accounts.CookieName {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	if cookie == "" {
		t.Fatalf("login set no %s cookie", accounts.CookieName)
	}
	w.do(call{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": cookie}, want: 200})
	w.do(call{who: comp, method: "GET", path: "/api/v1/me", want: 200})
	// A browser on this site says so (Fetch metadata); see TestCrossSiteMultipartPostRefused.
	w.do(call{method: "DELETE", path: "/api/v1/session", header: map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}, want: 204})
	w.do(call{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + token}, want: 401, problem: "unauthenticated"})
	w.do(call{method: "GET", path: "/api/v1/me", want: 401, problem: "unauthenticated", badRequest: true})

	// Filing, and the errors around it.
	complaint := map[string]any{
		"category": "discrimination", "ground": "age",
		"description":   "Mijn leidinggevende maakt steeds opmerkingen over mijn leeftijd.",
		"elements":      []string{"Opmerkingen in het werkoverleg.", "Uitsluiting van een project."},
		"incident_when": "voorjaar 2026", "incident_where": "Den Haag",
		"respondent": map[string]any{"name": "J. Jansen", "ministry": "FIN", "function": "teamleider"},
		"witnesses":  "Een collega.", "wished_outcome": "Excuses.", "contact": "06-12345678",
	}
	w.do(call{method: "POST", path: "/api/v1/cases", body: complaint, want: 401, problem: "unauthenticated", badRequest: true})
	w.do(call{who: sec, method: "POST", path: "/api/v1/cases", body: complaint, want: 403, problem: "forbidden"})
	w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: map[string]any{"category": "nonsense", "description": ""},
		want: 400, problem: "validation", badRequest: true})
	unknown := w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: map[string]any{"category": "other", "description": "x", "colour": "red"},
		want: 400, problem: "validation", badRequest: true})
	if p := problemOf(t, unknown); len(p.InvalidParams) != 1 || p.InvalidParams[0] != (server.InvalidParam{Name: "colour", Reason: "is not a known field"}) {
		t.Errorf("unknown field: invalidParams %+v, want colour: is not a known field", p.InvalidParams)
	}
	w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: []byte(`{"category":"other"`), want: 400, problem: "malformed-json", badRequest: true})
	w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: []byte(`category=other`), header: map[string]string{"Content-Type": "text/plain"},
		want: 415, problem: "unsupported-media-type", badRequest: true})
	w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: map[string]any{"category": "other", "description": strings.Repeat("x", 300<<10)},
		want: 413, problem: "body-too-large", badRequest: true})

	filed := w.do(call{who: comp, method: "POST", path: "/api/v1/cases", body: complaint, want: 201})
	id := field(t, filed, "id")
	if loc := filed.Header.Get("Location"); loc != "/api/v1/cases/"+id {
		t.Errorf("Location %q", loc)
	}
	c := "/api/v1/cases/" + id
	got := w.do(call{who: comp, method: "GET", path: c, want: 200})
	if etag := got.Header.Get("ETag"); etag != `"1"` {
		t.Errorf("ETag %q, want \"1\"", etag)
	}
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases", want: 200})
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases?state=submitted&page=1&perPage=10", want: 200})
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases?per_page=10", want: 200}) // deprecated, still read
	tooMany := w.do(call{who: comp, method: "GET", path: "/api/v1/cases?perPage=1000", want: 400, problem: "validation", badRequest: true})
	if p := problemOf(t, tooMany); len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "perPage" || p.InvalidParams[0].Reason == "" {
		t.Errorf("perPage=1000: invalidParams %+v, want one for perPage with its reason", p.InvalidParams)
	}
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases?flag=soon", want: 400, problem: "validation", badRequest: true})
	w.do(call{who: comp, method: "GET", path: c + "/events", want: 200})
	w.do(call{who: other, method: "GET", path: c, want: 404, problem: "not-found"})
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases/" + uuid.NewString(), want: 404, problem: "not-found"})
	w.do(call{who: comp, method: "GET", path: "/api/v1/cases/not-a-uuid", want: 404, problem: "not-found", badRequest: true})

	// Registration, information, admissibility.
	reg := map[string]any{"respondent_ministry": "FIN"}
	if ams, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		reg["received_on"] = env.Clock.Now().In(ams).Format(time.DateOnly)
	}
	w.do(call{who: comp, method: "POST", path: c + "/register", body: map[string]any{}, want: 403, problem: "forbidden"})
	w.do(call{who: sec, method: "POST", path: c + "/register", body: map[string]any{"received_on": "2999-01-01"}, want: 400, problem: "validation"})
	w.do(call{who: sec, method: "POST", path: c + "/register", body: reg, header: map[string]string{"If-Match": `"1"`}, want: 200})
	w.do(call{who: sec, method: "POST", path: c + "/register", body: map[string]any{}, want: 409, problem: "illegal-transition"})
	w.do(call{who: sec, method: "POST", path: c + "/information-request", body: map[string]any{"what": "Data", "version": 1},
		want: 409, problem: "stale-version"})
	w.do(call{who: sec, method: "POST", path: c + "/information-request", body: map[string]any{"what": "Wanneer precies?", "term_days": 10}, want: 200})
	w.do(call{who: comp, method: "POST", path: c + "/information", body: map[string]any{"text": "In maart en april."}, want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/admissibility", body: map[string]any{"admissible": true}, want: 200})

	// Panel, conflicts, investigation.
	w.do(call{who: chair, method: "POST", path: c + "/panel", body: map[string]any{"member_ids": []string{memBZK.ID.String()}},
		want: 409, problem: "conflict-of-interest"})
	w.do(call{who: chair, method: "POST", path: c + "/panel", body: map[string]any{"member_ids": []string{mem1.ID.String(), mem2.ID.String()}}, want: 200})
	w.do(call{who: mem2, method: "POST", path: c + "/conflicts", body: map[string]any{"reason": "Ik ken de beklaagde privé."}, want: 204})
	w.do(call{who: mem2, method: "GET", path: c, want: 404, problem: "not-found"})
	w.do(call{who: sec, method: "POST", path: c + "/investigation", body: map[string]any{"respondent_email": resp.Email}, want: 200})

	// Statements and evidence.
	w.do(call{who: resp, method: "POST", path: c + "/statements", body: map[string]any{"body": "Ik herken mij hier niet in."}, want: 201})
	w.do(call{who: comp, method: "POST", path: c + "/statements", body: map[string]any{"body": "Aanvulling."}, want: 201})
	w.do(call{who: comp, method: "POST", path: c + "/statements", body: map[string]any{"body": ""}, want: 400, problem: "validation", badRequest: true})
	file, ctype := apptest.FileForm(t, "verslag.txt", "text/plain", []byte("Verslag van het werkoverleg.\n"))
	att := w.do(call{who: comp, method: "POST", path: c + "/attachments", body: file, header: map[string]string{"Content-Type": ctype}, want: 201})
	aid := field(t, att, "id")
	dl := w.do(call{who: resp, method: "GET", path: c + "/attachments/" + aid, want: 200})
	if string(dl.Body) != "Verslag van het werkoverleg.\n" {
		t.Errorf("attachment content %q", dl.Body)
	}
	w.do(call{who: resp, method: "GET", path: c + "/attachments/" + uuid.NewString(), want: 404, problem: "not-found"})
	html, htype := apptest.FileForm(t, "x.html", "text/html", []byte("<html><script>alert(1)</script></html>"))
	w.do(call{who: comp, method: "POST", path: c + "/attachments", body: html, header: map[string]string{"Content-Type": htype},
		want: 415, problem: "unsupported-file-type"})
	w.do(call{who: comp, method: "POST", path: c + "/attachments", body: map[string]any{"file": "x"}, want: 415, problem: "unsupported-media-type", badRequest: true})

	// A side not heard (Awb 9:10): the respondent declined.
	w.do(call{who: chair, method: "POST", path: c + "/not-heard", body: map[string]any{"side": "respondent", "ground": "manifestly_unfounded", "reason": "x"},
		want: 400, problem: "validation"})
	w.do(call{who: sec, method: "POST", path: c + "/not-heard", body: map[string]any{"side": "respondent", "ground": "waived", "reason": "x"},
		want: 403, problem: "forbidden"})
	w.do(call{who: chair, method: "POST", path: c + "/not-heard", body: map[string]any{"side": "respondent", "ground": "waived",
		"reason": "Brief van 3 maart: ziet af van horen."}, want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/not-heard", body: map[string]any{"side": "respondent", "ground": "no_timely_response", "reason": "x"},
		want: 409, problem: "already-heard"})

	// Hearings.
	// Recorded after the fact, so that it can be marked held.
	plan := map[string]any{"planned_at": env.Clock.Now().Format(time.RFC3339Nano), "parties": "both", "location": "Den Haag, zaal 3",
		"minutes": "Beide partijen gehoord."}
	hearing := w.do(call{who: sec, method: "POST", path: c + "/hearings", body: plan, want: 201})
	h := c + "/hearings/" + field(t, hearing, "id")
	w.do(call{who: comp, method: "POST", path: c + "/hearings", body: plan, want: 403, problem: "forbidden"})
	minutes := map[string]any{"version": 1, "minutes": "Beide partijen gehoord.", "held": true}
	w.do(call{who: mem1, method: "PUT", path: h, body: minutes, want: 200})
	w.do(call{who: mem1, method: "PUT", path: h, body: minutes, want: 409, problem: "stale-version"})
	w.do(call{who: mem1, method: "PUT", path: c + "/hearings/" + uuid.NewString(), body: minutes, want: 404, problem: "not-found"})

	// Witnesses, threads, notes, retaliation (issue 10).
	walkConversations(t, w, env, c, comp, resp, sec, chair, mem1)

	// Extension, advice, decision, closing.
	w.do(call{who: chair, method: "POST", path: c + "/extension", body: map[string]any{"reason": "Getuigen nog niet gehoord."}, want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/extension", body: map[string]any{"reason": "Nogmaals."}, want: 409, problem: "already-extended"})
	today := cases.DateOf(env.Clock.Now())
	delay := map[string]any{"new_due_on": env.App.Cases.Calendar().Shift(today.AddDate(0, 0, 150)).Format(time.DateOnly),
		"consent_received_on": today.Format(time.DateOnly), "consent_form": "case_message", "reason": "Deskundigenrapport."}
	w.do(call{who: chair, method: "POST", path: c + "/further-delay", body: map[string]any{"new_due_on": delay["new_due_on"], "reason": "x"},
		want: 400, problem: "validation", badRequest: true})
	w.do(call{who: chair, method: "POST", path: c + "/further-delay", body: delay, want: 200})
	w.do(call{who: resp, method: "GET", path: c, want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/advice", body: map[string]any{"findings": "x", "judgements": []map[string]any{{"position": 1, "judgement": "maybe"}}},
		want: 400, problem: "validation", badRequest: true})
	w.do(call{who: chair, method: "POST", path: c + "/advice", body: map[string]any{
		"findings": "De opmerkingen zijn gemaakt.", "measures": "Gesprek met de leidinggevende.",
		"judgements": []map[string]any{{"position": 1, "judgement": "founded"}, {"position": 2, "judgement": "unfounded"}}}, want: 200})
	w.do(call{who: auth, method: "GET", path: c, want: 200})
	w.do(call{who: auth, method: "POST", path: c + "/decision", body: map[string]any{"follows_advice": false}, want: 400, problem: "validation"})
	w.do(call{who: auth, method: "POST", path: c + "/decision", body: map[string]any{"follows_advice": false, "reasons": "Het tweede element weegt zwaarder."}, want: 200})
	w.do(call{who: sec, method: "GET", path: "/api/v1/cases?flag=closing", want: 200})
	w.do(call{who: sec, method: "POST", path: c + "/close", body: map[string]any{}, want: 200})
	w.do(call{who: comp, method: "GET", path: c, want: 200})
	w.do(call{who: mem1, method: "GET", path: c, want: 200})
	w.do(call{who: sec, method: "GET", path: c + "/events", want: 200})
	w.do(call{who: sec, method: "GET", path: "/api/v1/cases?state=closed", want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/legal-hold", body: map[string]any{"hold": true, "reason": "Procedure bij de rechter."}, want: 200})
	w.do(call{who: chair, method: "POST", path: c + "/legal-hold", body: map[string]any{"reason": "x"}, want: 400, problem: "validation", badRequest: true})
	w.do(call{who: comp, method: "POST", path: c + "/legal-hold", body: map[string]any{"hold": false, "reason": "x"}, want: 403, problem: "forbidden"})
	w.do(call{who: sec, method: "GET", path: c, want: 200})

	// Filed by an adviser on behalf of the complainant.
	adv := env.Person("vertrouwenspersoon@bzk.example.nl", "BZK", g("adviser", "BZK"))
	onBehalf := w.do(call{who: adv, method: "POST", path: "/api/v1/cases", body: map[string]any{"category": "sexual_harassment",
		"description": "Ongewenste aanrakingen.", "complainant_email": comp.Email, "consent": "Schriftelijk, 3 maart."}, want: 201})
	w.do(call{who: adv, method: "GET", path: "/api/v1/cases/" + field(t, onBehalf, "id"), want: 200})
	w.do(call{who: adv, method: "POST", path: "/api/v1/cases", body: map[string]any{"category": "other", "description": "x", "complainant_email": comp.Email},
		want: 400, problem: "validation"})

	// Withdrawal.
	b := "/api/v1/cases/" + field(t, w.do(call{who: comp, method: "POST", path: "/api/v1/cases",
		body: map[string]any{"category": "bullying", "description": "Pesterijen."}, want: 201}), "id")
	w.do(call{who: comp, method: "POST", path: b + "/withdraw", body: map[string]any{"reason": "Opgelost."}, want: 200})
	w.do(call{who: comp, method: "POST", path: b + "/withdraw", body: map[string]any{}, want: 409, problem: "illegal-transition"})

	// Inadmissible.
	d := "/api/v1/cases/" + field(t, w.do(call{who: comp, method: "POST", path: "/api/v1/cases",
		body: map[string]any{"category": "other", "description": "Iets van lang geleden."}, want: 201}), "id")
	w.do(call{who: sec, method: "POST", path: d + "/register", body: map[string]any{}, want: 200})
	w.do(call{who: chair, method: "POST", path: d + "/admissibility", body: map[string]any{"admissible": false, "ground": "too_late", "reason": "Meer dan een jaar geleden."}, want: 200})
	w.do(call{who: comp, method: "GET", path: d, want: 200})

	// Informal resolution.
	e := "/api/v1/cases/" + field(t, w.do(call{who: comp, method: "POST", path: "/api/v1/cases",
		body: map[string]any{"category": "aggression_violence", "description": "Geschreeuw.", "respondent": map[string]any{"ministry": "FIN"}}, want: 201}), "id")
	w.do(call{who: sec, method: "POST", path: e + "/register", body: map[string]any{}, want: 200})
	w.do(call{who: chair, method: "POST", path: e + "/admissibility", body: map[string]any{"admissible": true}, want: 200})
	w.do(call{who: chair, method: "POST", path: e + "/investigation", body: map[string]any{"respondent_email": resp.Email}, want: 409, problem: "panel-required"})
	w.do(call{who: chair, method: "POST", path: e + "/panel", body: map[string]any{"member_ids": []string{mem1.ID.String()}}, want: 200})
	w.do(call{who: chair, method: "POST", path: e + "/investigation", body: map[string]any{"respondent_email": resp.Email}, want: 200})
	w.do(call{who: chair, method: "POST", path: e + "/informal-resolution", body: map[string]any{"reason": "Gesprek gevoerd.", "complainant_consented": true, "respondent_consented": false},
		want: 400, problem: "validation", badRequest: true})
	w.do(call{who: chair, method: "POST", path: e + "/informal-resolution", body: map[string]any{"reason": "Gesprek gevoerd.", "complainant_consented": true, "respondent_consented": true}, want: 200})
	w.do(call{who: resp, method: "GET", path: e, want: 200})

	// Signals.
	receipt := w.do(call{method: "POST", path: "/api/v1/signals", body: map[string]any{"category": "bullying", "ministry": "BZK", "message": "Op mijn afdeling wordt gepest."}, want: 201})
	code := field(t, receipt, "receipt_code")
	self := map[string]string{"X-Receipt-Code": code}
	w.do(call{method: "POST", path: "/api/v1/signals", body: map[string]any{"category": "x", "message": ""}, want: 400, problem: "validation", badRequest: true})
	w.do(call{method: "GET", path: "/api/v1/signals/self", header: self, want: 200})
	w.do(call{method: "POST", path: "/api/v1/signals/self/messages", header: self, body: map[string]any{"body": "Het gebeurt nog steeds."}, want: 204})
	list := w.do(call{who: sec, method: "GET", path: "/api/v1/signals", want: 200})
	var signals struct {
		Items []struct{ ID string } `json:"items"`
	}
	list.Decode(t, &signals)
	if len(signals.Items) != 1 {
		t.Fatalf("signals: %s", list.Body)
	}
	sg := "/api/v1/signals/" + signals.Items[0].ID
	w.do(call{who: sec, method: "GET", path: sg, want: 200})
	w.do(call{who: sec, method: "POST", path: sg + "/messages", body: map[string]any{"body": "Dank, we kijken ernaar."}, want: 204})
	w.do(call{who: sec, method: "GET", path: "/api/v1/signals/" + uuid.NewString(), want: 404, problem: "not-found"})
	w.do(call{who: comp, method: "GET", path: "/api/v1/signals", want: 403, problem: "forbidden"})
	// Marking as abuse, and taking the mark away.
	w.do(call{who: sec, method: "PUT", path: sg + "/abuse", body: map[string]any{"abuse": true}, want: 204})
	w.do(call{who: sec, method: "PUT", path: sg + "/abuse", body: map[string]any{}, want: 400, problem: "validation", badRequest: true})
	w.do(call{who: sec, method: "PUT", path: sg + "/abuse", body: map[string]any{"abuse": false}, want: 204})
	w.do(call{method: "GET", path: "/api/v1/signals/self", header: self, want: 200})
	// The reporter comes forward: the signal becomes their complaint, once.
	w.do(call{who: sec, method: "POST", path: "/api/v1/signals/self/complaint", header: self, want: 403, problem: "forbidden"})
	w.do(call{who: comp, method: "POST", path: "/api/v1/signals/self/complaint", header: self, want: 201})
	w.do(call{who: comp, method: "POST", path: "/api/v1/signals/self/complaint", header: self, want: 409, problem: "already-converted"})

	// Privacy: exports and the access log.
	w.do(call{who: comp, method: "GET", path: "/api/v1/me/export", want: 200})
	w.do(call{who: resp, method: "GET", path: "/api/v1/me/export?format=json", want: 200})
	w.do(call{who: mem1, method: "GET", path: "/api/v1/me/export", want: 200})
	pdf := w.do(call{who: comp, method: "GET", path: "/api/v1/me/export?format=pdf", want: 200})
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF")) {
		t.Errorf("export as pdf is not a PDF: %.20q", pdf.Body)
	}
	w.do(call{who: comp, method: "GET", path: "/api/v1/me/export?format=xml", want: 400, problem: "validation", badRequest: true})
	// Another person's data only under a data-subject request.
	w.do(call{who: po, method: "GET", path: "/api/v1/persons/" + comp.ID.String() + "/export", want: 403, problem: "no-data-subject-request"})
	dsr := w.do(call{who: po, method: "POST", path: "/api/v1/data-subject-requests", body: map[string]any{"subject_id": comp.ID,
		"requested_by": "De klager, per brief", "received_on": env.Clock.Now().Format(time.DateOnly), "identity_check": "Paspoort getoond",
		"legal_basis": "art20"}, want: 201})
	rid := field(t, dsr, "id")
	w.do(call{who: po, method: "POST", path: "/api/v1/data-subject-requests", body: map[string]any{"subject_id": comp.ID,
		"requested_by": "x", "received_on": "gisteren", "identity_check": "x", "legal_basis": "art15"}, want: 400, problem: "validation", badRequest: true})
	w.do(call{who: po, method: "GET", path: "/api/v1/persons/" + comp.ID.String() + "/export?request=" + rid, want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/data-subject-requests", want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/data-subject-requests/" + rid, want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/data-subject-requests/" + uuid.NewString(), want: 404, problem: "not-found"})
	w.do(call{who: comp, method: "GET", path: "/api/v1/me/notices", want: 200})
	w.do(call{who: po, method: "POST", path: "/api/v1/data-subject-requests/" + rid + "/close", body: map[string]any{"outcome": "completed"}, want: 200})
	w.do(call{who: po, method: "POST", path: "/api/v1/data-subject-requests/" + rid + "/close", body: map[string]any{"outcome": "completed"}, want: 409, problem: "request-closed"})
	w.do(call{who: po, method: "GET", path: "/api/v1/persons/" + uuid.NewString() + "/export", want: 404, problem: "not-found"})
	w.do(call{who: comp, method: "GET", path: "/api/v1/persons/" + comp.ID.String() + "/export", want: 403, problem: "forbidden"})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit?caseId=" + id + "&perPage=20", want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit?from=2020-01-01&to=" + env.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339), want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit?caseId=nope", want: 400, problem: "validation", badRequest: true})
	w.do(call{who: comp, method: "GET", path: "/api/v1/audit", want: 403, problem: "forbidden"})
	w.do(call{who: po, method: "POST", path: "/api/v1/audit/verify", want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit?kind=case", want: 200})
	if _, err := env.App.AuditLog.SequenceOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.do(call{who: po, method: "GET", path: "/api/v1/audit/entries/1/proof", want: 200})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit/entries/999999/proof", want: 404, problem: "not-in-log"})
	w.do(call{who: po, method: "GET", path: "/api/v1/audit/entries/x/proof", want: 400, problem: "validation", badRequest: true})

	// The secretaries' board: how many messages were given up on.
	w.do(call{who: sec, method: "GET", path: "/api/v1/outbox/dead", want: 200})
	w.do(call{who: comp, method: "GET", path: "/api/v1/outbox/dead", want: 403, problem: "forbidden"})

	// Outside the document: unknown routes and methods are problems too.
	for _, r := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"GET", "/api/v1/nothing-here", 404, "not-found"},
		{"PATCH", "/api/v1/cases", 405, "method-not-allowed"},
	} {
		res := w.raw(r.method, r.path)
		where := r.method + " " + r.path
		w.checkVersion(where, res)
		if res.Status != r.status {
			t.Errorf("%s: status %d, want %d: %s", where, res.Status, r.status, res.Body)
			continue
		}
		w.checkProblem(where, res, r.typ)
		if r.status == 405 && res.Header.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", where)
		}
	}

	// Wrong receipt codes are counted per address; past 100 within the
	// window the address's wrong codes are refused, while a right code
	// still opens its signal (accounts.Throttle.WrongReceipt).
	wrong := map[string]string{"X-Receipt-Code": "RKC-wrong"}
	w.do(call{method: "GET", path: "/api/v1/signals/self", header: wrong, want: 404, problem: "unknown-receipt-code"})
	for range 99 {
		w.raw("GET", "/api/v1/signals/self") // no code: counted as wrong
	}
	limited := w.do(call{method: "GET", path: "/api/v1/signals/self", header: wrong, want: 429, problem: "too-many-attempts"})
	if limited.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	w.do(call{method: "GET", path: "/api/v1/signals/self", header: self, want: 200})

	// Reports.
	rep := env.Person("rapportage@bzk.example.nl", "BZK", g("reporter", "*"))
	year := fmt.Sprint(time.Now().Year())
	annual := "/api/v1/reports/annual/" + year
	w.do(call{who: rep, method: "GET", path: annual, want: 200})
	w.do(call{who: rep, method: "GET", path: annual + "?ministry=BZK", want: 200})
	w.do(call{who: rep, method: "GET", path: annual + "?format=csv", want: 200})
	w.do(call{who: rep, method: "GET", path: annual + "?format=pdf", want: 200})
	w.do(call{who: rep, method: "GET", path: annual + "?ministry=XYZ", want: 400, problem: "validation"})
	w.do(call{who: rep, method: "GET", path: "/api/v1/reports/annual/1999", want: 400, problem: "validation", badRequest: true})
	w.do(call{who: comp, method: "GET", path: annual, want: 403, problem: "forbidden"})
	recs := "/api/v1/reports/recommendations/" + year
	w.do(call{who: rep, method: "GET", path: recs, want: 200})
	w.do(call{who: rep, method: "PUT", path: recs, body: map[string]any{"text": "x", "version": 0}, want: 403, problem: "forbidden"})
	w.do(call{who: chair, method: "POST", path: recs + "/adopt", want: 404, problem: "not-found"})
	w.do(call{who: chair, method: "PUT", path: recs, body: map[string]any{"text": "Meer voorlichting.", "version": 0}, want: 200})
	w.do(call{who: chair, method: "PUT", path: recs, body: map[string]any{"text": "Anders.", "version": 0}, want: 409, problem: "version-conflict"})
	w.do(call{who: chair, method: "PUT", path: recs, body: map[string]any{"text": "Meer voorlichting en training.", "version": 1}, want: 200})
	w.do(call{who: rep, method: "GET", path: recs + "?version=1", want: 200})
	w.do(call{who: rep, method: "GET", path: recs + "?version=9", want: 404, problem: "not-found"})
	w.do(call{who: chair, method: "POST", path: recs + "/adopt", body: map[string]any{"version": 1}, want: 409, problem: "version-conflict"})
	w.do(call{who: chair, method: "POST", path: recs + "/adopt", want: 200})
	w.do(call{who: chair, method: "POST", path: recs + "/adopt", body: map[string]any{"version": 2}, want: 409, problem: "recommendations-adopted"})
	w.do(call{who: chair, method: "PUT", path: recs, body: map[string]any{"text": "Te laat.", "version": 2}, want: 409, problem: "recommendations-adopted"})
	w.do(call{who: rep, method: "GET", path: annual, want: 200})

	walkIdentity(t, w, idp)

	// Every documented operation answered with a success at least once.
	for path, item := range withFullPaths(doc).Paths.Map() {
		for method := range item.Operations() {
			if !w.covered[method+" "+path] {
				t.Errorf("the walk never got a success from %s %s", method, path)
			}
		}
	}
}
