package server

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"sigs.k8s.io/yaml"

	"github.com/rkc-nl/rkc/internal/apperr"
)

//go:embed openapi.yaml
var openAPI []byte

// openAPIJSON is the same document as JSON, for clients and tools that
// want /api/v1/openapi.json (the API Design Rules' location).
var openAPIJSON []byte

// APIVersion is the full SemVer version of the API (info.version of the
// document); every API response names it in the API-Version header.
var APIVersion string

func init() {
	var err error
	if openAPIJSON, err = yaml.YAMLToJSON(openAPI); err != nil {
		panic(fmt.Sprintf("openapi.yaml: %v", err))
	}
	var doc struct {
		Info struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil || doc.Info.Version == "" {
		panic(fmt.Sprintf("openapi.yaml has no info.version: %v", err))
	}
	APIVersion = doc.Info.Version
}

// OpenAPI returns the API document the server serves.
func OpenAPI() []byte { return openAPI }

// OpenAPIJSON returns the API document as JSON.
func OpenAPIJSON() []byte { return openAPIJSON }

// The document is public and may be read by API portals and code
// generators on other origins (developer.overheid.nl, a browser's
// Swagger UI), so it alone is served with CORS; no other route is.
func serveOpenAPI(c echo.Context) error {
	allowAnyOrigin(c)
	return c.Blob(http.StatusOK, "application/yaml", openAPI)
}

func serveOpenAPIJSON(c echo.Context) error {
	allowAnyOrigin(c)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIJSON)
}

func allowAnyOrigin(c echo.Context) {
	h := c.Response().Header()
	h.Set(echo.HeaderAccessControlAllowOrigin, "*")
	h.Set(echo.HeaderAccessControlExposeHeaders, "API-Version")
}

// apiVersionHeader names the API version on every answer of the API and of
// the operators' endpoints the document describes, errors included.
func apiVersionHeader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; strings.HasPrefix(p, "/api/") || opsPaths[p] {
			c.Response().Header().Set("API-Version", APIVersion)
		}
		return next(c)
	}
}

// opsPaths are the operators' endpoints outside /api/v1 (docs/design.md §6).
var opsPaths = map[string]bool{"/healthz": true, "/readyz": true}

// deprecatedQueryKeys maps the snake_case query keys of API version 1.0 to
// their camelCase names (API Design Rules /core/query-keys-camel-case).
// The old names are still accepted in version 1.x and go in 2.0
// (docs/decisions.md, "API versions and deprecations").
var deprecatedQueryKeys = map[string]string{
	"per_page":   "perPage",
	"due_before": "dueBefore",
	"case_id":    "caseId",
	"person_id":  "personId",
}

// renameDeprecatedQueryKeys rewrites the deprecated query keys to their
// current names before anything reads (and echo caches) the query, so
// handlers know only the current names. A request that gives both names of one key is refused:
// which one it meant cannot be known.
func renameDeprecatedQueryKeys(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !strings.Contains(r.URL.RawQuery, "_") {
			return next(c)
		}
		q := r.URL.Query()
		renamed := false
		for old, current := range deprecatedQueryKeys {
			v, ok := q[old]
			if !ok {
				continue
			}
			if _, both := q[current]; both {
				return apperr.InvalidFields(map[string]string{old: "is the deprecated name of " + current + "; give only " + current})
			}
			q[current] = v
			delete(q, old)
			renamed = true
		}
		if renamed {
			r.URL.RawQuery = q.Encode()
		}
		return next(c)
	}
}
