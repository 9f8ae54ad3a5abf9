package server

import (
	"database/sql"
	"log/slog"
	"net"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/caseapi"
	"github.com/rkc-nl/rkc/internal/conversations"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/dbhealth"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/reporting"
	"github.com/rkc-nl/rkc/internal/signals"
	"github.com/rkc-nl/rkc/internal/web"
)

// Deps are what the routes need; cmd/api builds them once.
type Deps struct {
	Log           *slog.Logger
	SQL           *sql.DB
	Enforcer      *authz.Enforcer
	Accounts      *accounts.Handlers
	Cases         *caseapi.Handlers
	Conversations *conversations.Handlers
	Signals       *signals.Handlers
	Audit         *audit.Handlers
	Privacy       *privacy.Handlers
	Outbox        *notify.Handlers
	Reports       *reporting.Handlers
	// SecureCookies: served over TLS, so the cookies carry the __Host-
	// prefix (config.Config.SecureCookies).
	SecureCookies bool
	// Metrics is the registry the request metrics go to, served apart by
	// MetricsHandler; nil: a registry of its own, not served.
	Metrics *prometheus.Registry
	// TrustedProxies are the ranges whose X-Forwarded-For names the client
	// (config.Config.TrustedProxies); empty: the peer is the client.
	TrustedProxies []*net.IPNet
	// Health watches the database (cmd/api runs it); nil: assume it is up.
	Health *dbhealth.Monitor
	// SecurityTxt is the content of /.well-known/security.txt.
	SecurityTxt SecurityTxt
	// Pages are the pages for people under / (internal/web); nil: the API
	// only.
	Pages *web.Web
}

// denied answers a request no role of the caller allows: 401 without a
// session, 403 with one.
func denied(c echo.Context) error {
	if _, ok := accounts.CallerFrom(c); !ok {
		return accounts.ErrUnauthenticated(c)
	}
	return apperr.New(apperr.Forbidden, "forbidden", "Your roles do not allow this.")
}

// New returns the HTTP handler of the whole service. This file is the route
// table of both faces, the API under /api/v1 and the pages under /: every
// route shows the permission it needs, with the same middleware on both.
// "auth" routes need a session; pm(action) additionally needs a role that
// allows the action in some domain; reauth needs a recent proof of
// identity; the handlers then check the caller's relation to the case.
// Refused access to a case (403 or 404 on a case route, to a signed-in
// caller) goes on the access log on both faces (refused).
func New(d Deps) *echo.Echo {
	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	e := newEcho(d.Log, reg)
	if len(d.TrustedProxies) > 0 {
		// Behind an ingress every connection comes from the proxy: without
		// this, the sign-in throttle's address key would be one for all.
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range d.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	if d.SecureCookies {
		e.Pre(prefixedCookies)
	}
	e.Use(apiVersionHeader)
	ops(e, d.SQL, d.Health, reg)
	e.Use(databaseUp(d.Health))

	// A state-changing request authenticated by the session cookie must come
	// from this site (CSRF); bearer tokens pass.
	refused := logRefusedCaseAccess(d.Audit)
	api := e.Group("/api/v1", renameDeprecatedQueryKeys, d.Accounts.Authenticate, accounts.RefuseCrossSite, refused)
	auth := accounts.RequireCaller
	pm := func(action string) echo.MiddlewareFunc {
		return d.Enforcer.Require(action, accounts.CallerID, denied)
	}
	// pending also lets in a session that waits for its second factor;
	// reauth needs a proof of identity within the last minutes.
	pending := accounts.RequireSession
	reauth := d.Accounts.RequireRecentAuth
	cs, ac := d.Cases, d.Accounts

	api.POST("/session", ac.Login)
	api.DELETE("/session", ac.Logout, auth)
	api.POST("/session/otp", ac.CompleteSignIn, pending)
	api.POST("/session/password", ac.ReplaceOneTimePassword, pending)
	api.POST("/session/reauth", ac.Reauthenticate, auth)
	api.GET("/me", ac.Me, auth)
	api.GET("/me/sessions", ac.MySessions, auth)
	api.DELETE("/me/sessions/:session", ac.EndMySession, auth)
	api.POST("/me/totp", ac.BeginEnrolment, pending)
	api.POST("/me/totp/confirm", ac.ConfirmEnrolment, pending)
	api.GET("/oidc/:provider/start", ac.StartOIDC) // anyone; ?reauth=1 needs a session
	api.GET("/oidc/:provider/callback", ac.FinishOIDC)
	api.POST("/password-reset", ac.RequestReset)
	api.POST("/password", ac.SetPassword) // with an invitation's or reset's token

	api.GET("/accounts", ac.ListAccounts, pm("account:manage"))
	api.POST("/invitations", ac.Invite, pm("account:manage"))
	api.POST("/accounts/:pid/deactivate", ac.Deactivate, pm("account:manage"))
	api.POST("/accounts/:pid/activate", ac.Activate, pm("account:manage"))
	api.POST("/accounts/:pid/grants", ac.GrantRole, pm("account:manage"))
	api.DELETE("/accounts/:pid/grants/:role/:domain", ac.WithdrawRole, pm("account:manage"))
	api.DELETE("/accounts/:pid/totp", ac.ResetSecondFactor, pm("account:manage"))
	api.GET("/grant-requests", ac.GrantRequests, pm("grant:decide"))
	api.POST("/grant-requests/:rid/confirm", ac.ConfirmGrant, pm("grant:decide"), reauth)
	api.POST("/grant-requests/:rid/refuse", ac.RefuseGrant, pm("grant:decide"))

	api.POST("/cases", cs.File, pm("case:file"))
	api.GET("/cases", cs.List, pm("case:list"))
	caseRead := api.GET("/cases/:id", cs.Get, pm("case:read"))
	// The case read, the most frequent request, loads its case in the
	// statement that checks the session.
	ac.Companion = cs.CaseReadCompanion(caseRead.Method, caseRead.Path)
	api.GET("/cases/:id/events", cs.Events, pm("case:read"))
	api.POST("/cases/:id/register", cs.Register, pm("case:register"))
	api.POST("/cases/:id/information-request", cs.RequestInformation, pm("case:request-information"))
	api.POST("/cases/:id/information", cs.SupplyInformation, pm("case:supply-information"))
	api.POST("/cases/:id/admissibility", cs.Admissibility, pm("case:admissibility"))
	api.POST("/cases/:id/panel", cs.Panel, pm("case:panel"))
	api.POST("/cases/:id/investigation", cs.Investigation, pm("case:investigate"))
	api.POST("/cases/:id/conflicts", cs.Conflicts, pm("case:conflict"))
	api.POST("/cases/:id/extension", cs.Extension, pm("case:extend"))
	api.POST("/cases/:id/further-delay", cs.FurtherDelayStep, pm("case:extend"))
	api.POST("/cases/:id/not-heard", cs.NotHeardStep, pm("case:advice"))
	api.POST("/cases/:id/statements", cs.Statements, pm("case:statement"))
	api.POST("/cases/:id/attachments", cs.AddAttachment, pm("case:attachment"))
	api.GET("/cases/:id/attachments/:aid", cs.Attachment, pm("case:attachment"))
	api.POST("/cases/:id/hearings", cs.Hearings, pm("case:hearing"))
	api.PUT("/cases/:id/hearings/:hid", cs.Hearing, pm("case:hearing"))
	api.POST("/cases/:id/advice", cs.Advice, pm("case:advice"), reauth)
	api.POST("/cases/:id/decision", cs.Decision, pm("case:decision"), reauth)
	api.POST("/cases/:id/withdraw", cs.Withdraw, pm("case:withdraw"))
	api.POST("/cases/:id/informal-resolution", cs.InformalResolution, pm("case:informal-resolution"))
	api.POST("/cases/:id/close", cs.Close, pm("case:close"))
	api.POST("/cases/:id/legal-hold", cs.LegalHold, pm("case:legal-hold"))

	// Conversations inside a case (issue 10): the service checks which
	// thread, note, witness or report the caller's relation reaches.
	cv := d.Conversations
	api.GET("/cases/:id/threads", cv.Threads, pm("case:thread"))
	api.GET("/cases/:id/threads/:thread", cv.Thread, pm("case:thread"))
	api.POST("/cases/:id/threads/:thread/messages", cv.PostMessage, pm("case:message"))
	api.GET("/cases/:id/threads/:thread/attachments/:aid", cv.MessageAttachment, pm("case:thread"))
	api.GET("/cases/:id/notes", cv.Notes, pm("case:note:read"))
	api.POST("/cases/:id/notes", cv.AddNote, pm("case:note:write"))
	api.GET("/cases/:id/notes/:nid", cv.Note, pm("case:note:read"))
	api.PUT("/cases/:id/notes/:nid", cv.EditNote, pm("case:note:write"))
	api.GET("/cases/:id/witnesses", cs.Witnesses, pm("case:witness:read"))
	api.POST("/cases/:id/witnesses", cs.AddWitness, pm("case:witness"))
	api.PUT("/cases/:id/witnesses/:wid/statement", cs.WitnessStatement, pm("case:witness"))
	api.GET("/cases/:id/retaliation", cv.RetaliationReports, pm("case:retaliation:read"))
	api.POST("/cases/:id/retaliation", cv.ReportRetaliation, pm("case:retaliation:report"))
	api.GET("/cases/:id/retaliation/:rid", cv.RetaliationReport, pm("case:retaliation:read"))
	api.POST("/cases/:id/retaliation/:rid/state", cv.MoveRetaliation, pm("case:retaliation:handle"))

	sg := d.Signals
	api.POST("/signals", sg.FileSignal) // anyone, no account
	api.GET("/signals/self", sg.OwnSignal)
	api.POST("/signals/self/messages", sg.OwnSignalMessage)
	api.POST("/signals/self/complaint", sg.ConvertOwnSignal, pm("case:file"))
	api.GET("/signals", sg.Signals, pm("signal:list"))
	api.GET("/signals/:sid", sg.Signal, pm("signal:list"))
	api.POST("/signals/:sid/messages", sg.AnswerSignal, pm("signal:answer"))
	api.PUT("/signals/:sid/abuse", sg.MarkSignalAbuse, pm("signal:abuse"))

	api.GET("/me/export", d.Privacy.Mine, pm("export:self"))
	// Another person's data only under an open data-subject request (issue 14).
	api.GET("/persons/:pid/export", d.Privacy.Person, pm("export:person"), reauth)
	api.GET("/me/notices", d.Privacy.Notices, auth)
	api.POST("/data-subject-requests", d.Privacy.CreateRequest, pm("dsr:manage"))
	api.GET("/data-subject-requests", d.Privacy.Requests, pm("dsr:manage"))
	api.GET("/data-subject-requests/:request", d.Privacy.Request, pm("dsr:manage"))
	api.POST("/data-subject-requests/:request/close", d.Privacy.CloseRequest, pm("dsr:manage"))
	api.GET("/audit", d.Audit.Search, pm("audit:read"))
	api.POST("/audit/verify", d.Audit.Verify, pm("audit:verify"))
	api.GET("/audit/entries/:entry/proof", d.Audit.Prove, pm("audit:read"))

	api.GET("/outbox/dead", d.Outbox.Dead, pm("outbox:read"))

	api.GET("/reports/annual/:year", d.Reports.Annual, pm("report:read"))
	api.GET("/reports/recommendations/:year", d.Reports.Recommendations, pm("report:read"))
	api.PUT("/reports/recommendations/:year", d.Reports.SaveRecommendations, pm("report:write"))
	api.POST("/reports/recommendations/:year/adopt", d.Reports.AdoptRecommendations, pm("report:write"))

	api.GET("/openapi.yaml", serveOpenAPI)
	api.GET("/openapi.json", serveOpenAPIJSON)

	e.GET("/.well-known/security.txt", securityTxt(d.SecurityTxt, time.Now())) // anyone (RFC 9116)

	if d.Pages != nil {
		pages(e, d.Pages.Router(e, refused), d.Pages, d.Cases, pm, auth, reauth)
	}
	return e
}

// pages is the route table of the pages (internal/web): the same permission
// middleware as the API's routes; a refusal becomes a page (the sign-in page
// without a session, the error page, or beside the form that was posted).
func pages(e *echo.Echo, pg *web.Router, p *web.Web, cs *caseapi.Handlers, pm func(string) echo.MiddlewareFunc, auth, reauth echo.MiddlewareFunc) {
	e.GET("/static/*", p.ServeStatic) // the embedded assets, without the pages' middleware: they hold no data
	pg.NotFound(p.NotFound)

	// Anyone.
	pg.GET("/", p.Home)
	pg.GET("/lang/:lang", p.SetLanguage)
	pg.GET("/login", p.LoginForm)
	pg.POST("/login", p.Login)
	pg.POST("/logout", p.Logout)
	pg.GET("/signal", p.SignalForm)
	pg.POST("/signal", p.FileSignal)
	pg.GET("/signal/follow", p.SignalFollowForm)
	pg.POST("/signal/follow", p.SignalFollow)
	pg.POST("/signal/follow/message", p.SignalMessage)
	pg.POST("/signal/follow/complaint", p.SignalComplaint, pm("case:file")) // the reporter comes forward
	pg.GET("/toegankelijkheid", p.Accessibility)                            // the accessibility statement
	pg.GET("/password/:token", p.PasswordForm)                              // the link of an invitation or a reset
	pg.POST("/password/:token", p.SetPassword)

	// Setting up the second factor: every signed-in person, and staff whose
	// password sign-in waits for it (the pages' pending session).
	pg.GET("/account/two-factor", p.TwoFactorForm, p.Enrolling)
	pg.POST("/account/two-factor", p.TwoFactorConfirm, p.Enrolling)
	// The first admin's own password in place of the printed one.
	pg.GET("/account/new-password", p.NewPasswordForm, p.NewPasswordSession)
	pg.POST("/account/new-password", p.NewPassword, p.NewPasswordSession)

	// Every signed-in person.
	pg.GET("/session/ping", p.Ping, auth)
	pg.GET("/dashboard", p.Dashboard, auth)
	pg.GET("/my-data", p.MyData, auth)
	pg.GET("/my-data/export.:format", p.MyDataExport, pm("export:self"))
	pg.GET("/account/sessions", p.Sessions, auth)
	pg.POST("/account/sessions/:session/end", p.EndSession, auth)

	// The complaint form with its draft.
	pg.GET("/complaint", p.ComplaintIntro, pm("case:file"))
	pg.GET("/complaint/step/:step", p.ComplaintStep, pm("case:file"))
	pg.POST("/complaint/step/:step", p.SaveComplaintStep, pm("case:file"))
	pg.GET("/complaint/review", p.ComplaintReview, pm("case:file"))
	pg.POST("/complaint/send", p.SendComplaint, pm("case:file"))
	pg.POST("/complaint/discard", p.DiscardComplaint, pm("case:file"))

	// A case: what shows follows from the caller's relation, checked by the
	// service. Its steps name the casbin action the service checks against
	// the caller's relation (cases.Service.Steps); the route itself checks
	// the session only, so a case the caller may not see stays 404.
	pg.GET("/cases", p.CaseList, pm("case:list"))
	casePage := pg.GET("/cases/:id", p.CasePage, pm("case:read"))
	p.SetCompanion(cs.CaseReadCompanion(casePage.Method, casePage.Path)) // as the API's case read
	pg.GET("/cases/:id/attachments/:aid", p.Attachment, pm("case:attachment"))
	pg.Form("/cases/:id/register", p.Step("register"), auth)                       // case:register
	pg.Form("/cases/:id/information-request", p.Step("information-request"), auth) // case:request-information
	pg.Form("/cases/:id/information", p.Step("information"), auth)                 // case:supply-information
	pg.Form("/cases/:id/admissibility", p.Step("admissibility"), auth)             // case:admissibility
	pg.Form("/cases/:id/panel", p.Step("panel"), auth)                             // case:panel
	pg.Form("/cases/:id/investigation", p.Step("investigation"), auth)             // case:investigate
	pg.Form("/cases/:id/conflict", p.Step("conflict"), auth)                       // case:conflict
	pg.Form("/cases/:id/extension", p.Step("extension"), auth)                     // case:extend
	pg.Form("/cases/:id/further-delay", p.Step("further-delay"), auth)             // case:extend
	pg.Form("/cases/:id/not-heard", p.Step("not-heard"), auth)                     // case:advice
	pg.Form("/cases/:id/statement", p.Step("statement"), auth)                     // case:statement
	pg.Form("/cases/:id/attachment", p.Step("attachment"), auth)                   // case:attachment
	pg.Form("/cases/:id/hearing", p.Step("hearing"), auth)                         // case:hearing
	pg.Form("/cases/:id/advice", p.Step("advice"), auth, reauth)                   // case:advice
	pg.Form("/cases/:id/decision", p.Step("decision"), auth, reauth)               // case:decision
	pg.Form("/cases/:id/withdraw", p.Step("withdraw"), auth)                       // case:withdraw
	pg.Form("/cases/:id/informal-resolution", p.Step("informal-resolution"), auth) // case:informal-resolution
	pg.Form("/cases/:id/close", p.Step("close"), auth)                             // case:close
	pg.POST("/cases/:id/:action", p.NoSuchStep, auth)
	pg.Form("/cases/:id/legal-hold", p.LegalHold(), pm("case:legal-hold"))
	pg.Form("/cases/:id/hearings/:hid/record", p.RecordHearing(), pm("case:hearing"))
	// Its threads, notes, witnesses and retaliation reports.
	pg.GET("/cases/:id/threads/:thread", p.ThreadPage, pm("case:thread"))
	pg.Form("/cases/:id/threads/:thread/messages", p.PostMessage(), pm("case:message"))
	pg.GET("/cases/:id/threads/:thread/attachments/:aid", p.MessageAttachment, pm("case:thread"))
	pg.GET("/cases/:id/notes", p.NotesPage, pm("case:note:read"))
	pg.Form("/cases/:id/notes", p.AddNote(), pm("case:note:write"))
	pg.Form("/cases/:id/notes/:nid", p.EditNote(), pm("case:note:write"))
	pg.GET("/cases/:id/witnesses", p.WitnessesPage, pm("case:witness:read"))
	pg.Form("/cases/:id/witnesses", p.AddWitness(), pm("case:witness"))
	pg.Form("/cases/:id/witnesses/:wid/statement", p.WitnessStatement(), pm("case:witness"))
	pg.Form("/cases/:id/witnesses/:wid/hearing", p.WitnessHearing(), pm("case:witness"))
	pg.GET("/cases/:id/retaliation", p.RetaliationPage, pm("case:retaliation:read"))
	pg.Form("/cases/:id/retaliation", p.ReportRetaliation(), pm("case:retaliation:report"))
	pg.Form("/cases/:id/retaliation/:rid/state", p.MoveRetaliation(), pm("case:retaliation:handle"))

	// Committee staff.
	pg.GET("/deadlines", p.Deadlines, p.Roles(authz.Secretary, authz.Chair)) // a work list: the policy names no action for it
	pg.GET("/committee/signals", p.Signals, pm("signal:list"))
	pg.GET("/committee/signals/:sid", p.Signal, pm("signal:list"))
	pg.POST("/committee/signals/:sid/answer", p.AnswerSignal, pm("signal:answer"))
	pg.POST("/committee/signals/:sid/abuse", p.MarkSignalAbuse, pm("signal:abuse"))

	pg.GET("/reports", p.Report, pm("report:read"))

	// Privacy officer: data-subject requests, exports under them, the access log.
	pg.GET("/privacy/requests", p.DSRList, pm("dsr:manage"))
	pg.POST("/privacy/requests", p.DSRCreate, pm("dsr:manage"))
	pg.GET("/privacy/requests/:request", p.DSRPage, pm("dsr:manage"))
	pg.POST("/privacy/requests/:request/close", p.DSRClose, pm("dsr:manage"))
	pg.GET("/privacy/requests/:request/export.:format", p.DSRExport, pm("export:person"), reauth)
	pg.GET("/audit", p.AuditPage, pm("audit:read"))
	pg.POST("/audit/verify", p.AuditVerify, pm("audit:verify"))

	// Admin: accounts and role grants (no case content).
	pg.GET("/admin/accounts", p.AdminAccounts, pm("account:manage"))
	pg.POST("/admin/accounts", p.AdminCreate, pm("account:manage"))
	pg.GET("/admin/accounts/:pid", p.AdminAccount, pm("account:manage"))
	pg.POST("/admin/accounts/:pid/grants", p.AdminGrant, pm("account:manage"))
	pg.POST("/admin/accounts/:pid/grants/withdraw", p.AdminWithdraw, pm("account:manage"))
	pg.POST("/admin/accounts/:pid/deactivate", p.AdminDeactivate, pm("account:manage"))
	pg.POST("/admin/accounts/:pid/activate", p.AdminActivate, pm("account:manage"))
	pg.POST("/admin/ministries", p.AdminMinistry, pm("account:manage"))
	// Admin and chair: role requests under four eyes.
	pg.GET("/grant-requests", p.GrantRequests, pm("grant:decide"))
	pg.Form("/grant-requests/:rid/confirm", p.GrantDecision(true), pm("grant:decide"), reauth)
	pg.Form("/grant-requests/:rid/refuse", p.GrantDecision(false), pm("grant:decide"))
}
