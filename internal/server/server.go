// Package server assembles the HTTP service: middleware (request ids,
// structured access logs, metrics, recovery), the one translation of domain
// errors to problem+json, the ops endpoints and the route table.
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/httpx"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/dbhealth"
)

// requestIDKey is where the request id lives on the echo context.
const requestIDKey = "request_id"

// RequestID returns the id of the request, as logged and sent in X-Request-Id.
func RequestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// newEcho builds an echo instance with RKC's middleware and error handler.
func newEcho(log *slog.Logger, reg *prometheus.Registry) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(log)
	e.JSONSerializer = httpx.JSONSerializer{} // every time in UTC
	e.IPExtractor = echo.ExtractIPDirect()    // behind a proxy, configure trusted ranges; never trust headers blindly

	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rkc_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rkc_http_request_duration_seconds", Help: "HTTP request latency by route and method.", Buckets: prometheus.DefBuckets}, []string{"route", "method"})
	reg.MustRegister(requests, latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			start := time.Now()
			id := uuid.NewString()
			c.Set(requestIDKey, id)
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			defer func() {
				if r := recover(); r != nil {
					// The panic value may hold personal data; log only that it happened.
					log.Error("panic in handler", "request_id", id, "route", c.Path())
					err = apperr.Wrap(errors.New("panic"))
				}
				if err != nil {
					c.Error(err)
				}
				status := c.Response().Status
				route := c.Path() // the route template, never the raw path or query
				if route == "" {
					route = "unmatched"
				}
				requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
				latency.WithLabelValues(route, c.Request().Method).Observe(time.Since(start).Seconds())
				log.Info("request", "request_id", id, "method", c.Request().Method, "route", route,
					"status", status, "duration_ms", time.Since(start).Milliseconds())
			}()
			return next(c)
		}
	})
	return e
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// InvalidParams lists each invalid field or parameter of a 400
	// validation problem, in name order (the API Design Rules' form).
	InvalidParams []InvalidParam `json:"invalidParams,omitempty"`
	// Errors is the older map form of the same (and of a conflict's
	// members); deprecated for validation, kept for one release.
	Errors     map[string]string `json:"errors,omitempty"`
	RequestID  string            `json:"request_id,omitempty"`
	RetryAfter int               `json:"retry_after,omitempty"`
}

// InvalidParam is one entry of Problem.InvalidParams.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// ProblemBase prefixes every problem type; docs/errors.md lists the types.
const ProblemBase = "https://rkc.example/problems/"

var statusOf = map[apperr.Code]int{
	apperr.Invalid:         http.StatusBadRequest, // the API Design Rules: invalid input is 400, not 422
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.Unsupported:     http.StatusUnsupportedMediaType,
	apperr.TooManyRequests: http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.Internal:        http.StatusInternalServerError,
}

// ToProblem is the one translation of an error to HTTP.
func ToProblem(err error, requestID string) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		// echo's own errors: unknown route, wrong method, body limit.
		typ := map[int]string{404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}[he.Code]
		if typ == "" {
			typ = "http-" + strconv.Itoa(he.Code)
		}
		return Problem{Type: ProblemBase + typ, Title: http.StatusText(he.Code), Status: he.Code, RequestID: requestID}
	}
	e := apperr.As(err)
	status := statusOf[e.Code]
	p := Problem{Type: ProblemBase + e.Type, Title: http.StatusText(status), Status: status, Detail: e.Detail,
		Errors: e.Fields, RequestID: requestID, RetryAfter: e.RetryAfter}
	if e.Code == apperr.Invalid {
		for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: name, Reason: e.Fields[name]})
		}
	}
	return p
}

func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if allow := wrongMethod(err, c); allow != "" {
			c.Response().Header().Set(echo.HeaderAllow, allow)
			err = echo.ErrMethodNotAllowed
		}
		p := ToProblem(err, RequestID(c))
		if p.Status >= 500 {
			// The cause goes to the log by type only: error texts can carry values.
			log.Error("request failed", "request_id", p.RequestID, "route", c.Path(), "error_type", errType(err))
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="rkc"`)
		}
		if p.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().Header().Set("Cache-Control", "no-store")
		if c.Request().Method == http.MethodHead {
			c.NoContent(p.Status)
			return
		}
		c.JSON(p.Status, p)
	}
}

// routeMethods are the methods wrongMethod tries.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// wrongMethod turns the router's 404 into the 405 it should be: echo's
// router prefers a catch-all not-found route (the one a group with
// middleware registers, and the web UI's) to its own 405, so a request with
// the wrong method on an existing path would look like a missing path. It
// returns the Allow header when path has routes for other methods only, and
// "" otherwise (including for a handler's own not-found).
func wrongMethod(err error, c echo.Context) string {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusNotFound {
		return ""
	}
	e := c.Echo()
	real := map[string]bool{}
	for _, r := range e.Routes() {
		real[r.Method+" "+r.Path] = true
	}
	path := c.Request().URL.RawPath
	if path == "" {
		path = c.Request().URL.Path
	}
	var allow []string
	for _, m := range routeMethods {
		probe := e.NewContext(c.Request(), nil)
		e.Router().Find(m, path, probe)
		if real[m+" "+probe.Path()] {
			if m == c.Request().Method {
				return "" // a real route answered 404 itself
			}
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// errType names the cause of a failed request for the log by its kind only
// (domain type, Go type, PostgreSQL SQLSTATE and constraint), never by its
// message: messages can carry values from the request, such as the text of
// a failed cast (`invalid input syntax for type uuid: "…"`).
func errType(err error) string {
	var parts []string
	var e *apperr.Error
	if errors.As(err, &e) {
		parts = append(parts, e.Type)
		if e.Err == nil {
			return e.Type
		}
		err = e.Err
	}
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &pg):
		parts = append(parts, "postgres "+pg.Code)
		if pg.ConstraintName != "" {
			parts = append(parts, pg.ConstraintName)
		}
	case errors.Is(err, context.DeadlineExceeded):
		parts = append(parts, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		parts = append(parts, "canceled")
	default:
		// The innermost cause says most (a *net.OpError, a
		// *pgconn.ConnectError); wrappers only add text.
		for {
			inner := errors.Unwrap(err)
			if inner == nil {
				break
			}
			err = inner
		}
		parts = append(parts, fmt.Sprintf("%T", err))
	}
	return strings.Join(parts, ": ")
}

// ops registers /healthz, /readyz and /metrics. /healthz is the liveness
// check: it fails only once the database has been unreachable longer than
// the monitor's limit, since restarting the process may then help and
// restarting it for every short outage would not. /readyz is the readiness
// check: it fails at once, so that a load balancer sends requests elsewhere.
func ops(e *echo.Echo, sqlDB *sql.DB, health *dbhealth.Monitor, reg *prometheus.Registry) {
	e.GET("/healthz", func(c echo.Context) error {
		if !health.Healthy() {
			down := apperr.DatabaseUnavailable(nil)
			down.Detail = "The database has been unreachable for " + health.DownFor().Round(time.Second).String() + "."
			return down
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		// Not ready is an error like any other: a problem document.
		if err := db.Ping(ctx, sqlDB); err != nil {
			return apperr.DatabaseUnavailable(err)
		}
		if err := db.CheckCurrent(ctx, sqlDB); err != nil {
			return apperr.New(apperr.Unavailable, "schema-not-current", "The database schema does not match this version of RKC.")
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
}

// MetricsHandler serves the Prometheus metrics of reg at /metrics, and
// nothing else. cmd/api runs it on its own listen address
// (RKC_METRICS_ADDR, loopback by default), never on the public one, so the
// ingress cannot expose it. With profiles set it also serves Go's
// profiles under /debug/pprof/ (RKC_PPROF), for measuring the hot paths of
// a running instance.
func MetricsHandler(reg *prometheus.Registry, profiles bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if profiles {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// databaseUp answers API requests with 503 database-unavailable at once
// while the monitor sees the database down, instead of letting each wait
// for a connection that will fail. Requests that meet the outage before
// the monitor does get the same answer through apperr.As. Web pages are
// left to their own error page.
func databaseUp(health *dbhealth.Monitor) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if health.Down() && strings.HasPrefix(c.Request().URL.Path, "/api/") {
				return apperr.DatabaseUnavailable(nil)
			}
			return next(c)
		}
	}
}
