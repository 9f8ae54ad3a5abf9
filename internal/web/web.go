// Package web serves RKC's pages for people: server-rendered HTML on the
// same service layer as the JSON API, Dutch first (English selectable),
// styled with the NL Design System's Rijkshuisstijl community CSS, and built
// to WCAG 2.1 AA. Every flow works without JavaScript; the one script only
// warns before the session times out.
//
// Templates and assets are embedded and parsed once in New, which fails when
// a page's template is missing. Handlers call the services directly and
// translate their errors to pages in one place (errors.go).
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/conversations"
	"github.com/rkc-nl/rkc/internal/drafts"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/reporting"
	"github.com/rkc-nl/rkc/internal/signals"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Deps are the services the pages use; app.Build hands them over.
type Deps struct {
	Accounts      *accounts.Service
	Cases         *cases.Service
	Conversations *conversations.Service
	Signals       *signals.Service
	Enforcer      *authz.Enforcer
	Privacy       *privacy.Service
	// Audit searches and checks the access log, logging each use (the
	// same functions as the API's).
	Audit *audit.Handlers
	// Reports builds the annual report (the same as the API's).
	Reports  *reporting.Handlers
	Throttle *accounts.Throttle // wrong receipt codes
	// Drafts keeps complaints being written; nil: this server's memory
	// (tests of single pages).
	Drafts drafts.Store
	Log    *slog.Logger
	// SecureCookies marks cookies Secure (behind https).
	SecureCookies bool
	// IdleTimeout signs a person out after this long without a request;
	// default 20 minutes.
	IdleTimeout time.Duration
	// MaxUploadBytes is the largest evidence file the case service takes.
	MaxUploadBytes int64
	// Retention is shown to the admin; it is set in the configuration
	// (RKC_RETENTION_YEARS, RKC_SIGNAL_RETENTION_YEARS).
	Retention Retention
	// AccessibilityContact is the e-mail address the accessibility
	// statement gives for questions (RKC_ACCESSIBILITY_CONTACT).
	AccessibilityContact string
	// Now is the clock; nil for the real one.
	Now func() time.Time
}

// Web is the set of pages.
type Web struct {
	d      Deps
	pages  map[string]*pageTemplate
	static fs.FS
	drafts drafts.Store
	loc    *time.Location
}

// New parses the templates and checks that every page has one.
func New(d Deps) (*Web, error) {
	if d.Accounts == nil || d.Cases == nil || d.Enforcer == nil || d.Throttle == nil {
		return nil, fmt.Errorf("web: Accounts, Cases, Enforcer and Throttle are required")
	}
	if d.IdleTimeout == 0 {
		d.IdleTimeout = 20 * time.Minute
	}
	if d.MaxUploadBytes == 0 {
		d.MaxUploadBytes = 10 << 20
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.AccessibilityContact == "" {
		d.AccessibilityContact = DefaultAccessibilityContact
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	pages, err := parseTemplates(templateFiles)
	if err != nil {
		return nil, err
	}
	st, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return nil, fmt.Errorf("web: time zone: %w", err)
	}
	if d.Drafts == nil {
		d.Drafts = drafts.NewMemory(d.Now)
	}
	return &Web{d: d, pages: pages, static: st, drafts: d.Drafts, loc: loc}, nil
}

// Register mounts the pages under / on e. This is the route table of the
// pages: each route shows who may open it. "signedIn" needs a session;
// roles(...) needs one of the roles in some domain; the case service then
// checks the caller's relation to the case on every call.
func (w *Web) Register(e *echo.Echo) {
	base := []echo.MiddlewareFunc{w.recoverPage, w.headers, w.language, w.session, w.csrf}
	add := func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.Add(method, path, h, append(append([]echo.MiddlewareFunc{}, base...), m...)...)
	}
	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) { add(http.MethodGet, path, h, m...) }
	post := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) { add(http.MethodPost, path, h, m...) }
	in := w.signedIn
	roles := w.roles

	e.GET("/static/*", w.serveStatic)
	e.RouteNotFound("/*", w.notFound, base...)

	// Anyone.
	get("/", w.home)
	get("/lang/:lang", w.setLanguage)
	get("/login", w.loginForm)
	post("/login", w.login)
	post("/logout", w.logout)
	get("/signal", w.signalForm)
	post("/signal", w.fileSignal)
	get("/signal/follow", w.signalFollowForm)
	post("/signal/follow", w.signalFollow)
	post("/signal/follow/message", w.signalMessage)
	post("/signal/follow/complaint", w.signalComplaint, w.can("case:file")) // the reporter comes forward
	get("/toegankelijkheid", w.accessibility)                               // the accessibility statement
	get("/password/:token", w.passwordForm)                                 // the link of an invitation or a reset
	post("/password/:token", w.setPassword)

	// Setting up the second factor: every signed-in person, and staff whose
	// password sign-in waits for it.
	get("/account/two-factor", w.twoFactorForm, w.enrolling)
	post("/account/two-factor", w.twoFactorConfirm, w.enrolling)
	// The first admin's own password in place of the printed one.
	get("/account/new-password", w.newPasswordForm, w.newPasswordSession)
	post("/account/new-password", w.newPassword, w.newPasswordSession)

	// Every signed-in person.
	get("/session/ping", w.ping, in)
	get("/dashboard", w.dashboard, in)
	get("/my-data", w.myData, in)
	get("/my-data/export.:format", w.myDataExport, in, w.can("export:self"))

	// Complainant, adviser: the complaint form with its draft.
	file := roles(authz.Complainant, authz.Adviser)
	get("/complaint", w.complaintIntro, file)
	get("/complaint/step/:step", w.complaintStep, file)
	post("/complaint/step/:step", w.saveComplaintStep, file)
	get("/complaint/review", w.complaintReview, file)
	post("/complaint/send", w.sendComplaint, file)
	post("/complaint/discard", w.discardComplaint, file)

	// A case: every party and the committee; what shows and which forms
	// work follow from the caller's relation, checked by the service.
	get("/cases", w.caseList, w.can("case:list")) // every dashboard list in full: filters, order, pages (caselist.go)
	get("/cases/:id", w.casePage, w.can("case:read"))
	get("/cases/:id/attachments/:aid", w.attachment, w.can("case:attachment"))
	post("/cases/:id/:action", w.caseAction, in)
	post("/cases/:id/legal-hold", w.legalHold, w.can("case:legal-hold"))
	post("/cases/:id/hearings/:hid/record", w.recordHearing, w.can("case:hearing"))
	// Its threads, notes, witnesses and retaliation reports (conversations.go).
	w.registerConversations(get, post)

	// Committee staff.
	get("/deadlines", w.deadlines, roles(authz.Secretary, authz.Chair))
	get("/committee/signals", w.signals, w.can("signal:list"))
	get("/committee/signals/:sid", w.signal, w.can("signal:list"))
	post("/committee/signals/:sid/answer", w.answerSignal, w.can("signal:answer"))
	post("/committee/signals/:sid/abuse", w.markSignalAbuse, w.can("signal:abuse"))

	// Reporter (and the committee): the annual report.
	get("/reports", w.report, w.can("report:read"))

	// Privacy officer: data-subject requests and exports under them.
	get("/privacy/requests", w.dsrList, w.can("dsr:manage"))
	post("/privacy/requests", w.dsrCreate, w.can("dsr:manage"))
	get("/privacy/requests/:request", w.dsrPage, w.can("dsr:manage"))
	post("/privacy/requests/:request/close", w.dsrClose, w.can("dsr:manage"))
	get("/privacy/requests/:request/export.:format", w.dsrExport, w.can("export:person"))

	// Privacy officer: the access log.
	get("/audit", w.auditPage, w.can("audit:read"))
	post("/audit/verify", w.auditVerify, w.can("audit:verify"))

	// Admin: accounts and role grants (no case content).
	get("/admin/accounts", w.adminAccounts, roles(authz.Admin))
	post("/admin/accounts", w.adminCreate, roles(authz.Admin))
	post("/admin/accounts/:pid/grants", w.adminGrant, roles(authz.Admin))
	post("/admin/ministries", w.adminMinistry, roles(authz.Admin))
	// Admin and chair: role requests under four eyes (grantrequests.go).
	get("/grant-requests", w.grantRequests, w.can("grant:decide"))
	post("/grant-requests/:rid/:decision", w.decideGrantRequest, w.can("grant:decide"))
	get("/admin/accounts/:pid", w.adminAccount, roles(authz.Admin))
	post("/admin/accounts/:pid/deactivate", w.adminDeactivate, w.can("account:manage"))
	post("/admin/accounts/:pid/activate", w.adminActivate, w.can("account:manage"))
	post("/admin/accounts/:pid/grants/withdraw", w.adminWithdraw, w.can("account:manage"))

	// Every signed-in person: their own sessions (account.go).
	get("/account/sessions", w.sessions, in)
	post("/account/sessions/:session/end", w.endSession, in)
}

// DefaultAccessibilityContact is the statement's address when none is
// configured.
const DefaultAccessibilityContact = "toegankelijkheid@rkc.localhost"

// Retention is how long closed cases and signals are kept, in years.
type Retention struct{ CaseYears, SignalYears int }
