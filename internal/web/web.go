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
	// Exports makes the files of data-subject exports, as the API does
	// (logged, signed, with the entry\'s inclusion proof).
	Exports *privacy.Handlers
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
	// companion gives a page's request a read to run in the statement
	// that checks its session; nil: none.
	companion func(echo.Context) *accounts.Companion
}

// SetCompanion gives the pages' session check a read to run with it, for
// the requests companion answers (the route table gives the case page the
// load of its case, as it gives the API's case read).
func (w *Web) SetCompanion(companion func(echo.Context) *accounts.Companion) {
	w.companion = companion
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
	if d.Drafts == nil {
		d.Drafts = drafts.NewMemory(d.Now)
	}
	return &Web{d: d, pages: pages, static: st, drafts: d.Drafts}, nil
}

// DefaultAccessibilityContact is the statement's address when none is
// configured.
const DefaultAccessibilityContact = "toegankelijkheid@rkc.localhost"

// Retention is how long closed cases and signals are kept, in years.
type Retention struct{ CaseYears, SignalYears int }
