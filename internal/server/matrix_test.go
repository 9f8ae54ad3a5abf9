package server_test

// The access matrix (issue 3): for every route the server registers, every
// role and every relation to the case, the status the caller gets. The
// expectations are written out below as tables, from docs/design.md §1, §4.1 and §7,
// not derived from the code under test. The rules they follow:
//
//   - no session: 401;
//   - a role that may never do the action: 403, at the route layer, whether
//     or not the caller could see the case;
//   - a case the caller may not see (no relation to it: a role alone never
//     opens a case): 404, exactly like a case that does not exist;
//   - a case the caller sees, but whose relation does not allow the action:
//     403;
//   - otherwise the route's success status. Every success of a step that
//     changes a case is tried on a case of its own, built for that cell in
//     the state the step needs, so a status tells authorisation, never a
//     state error; refusals and reads share one case per state.
//
// The web pages (internal/web) share the echo instance and have a table of
// their own, with the web's answers: a visitor without a session is sent to
// the sign-in page ("login": 303 to /login), a form that worked answers 303
// to the next page, and a case step (POST /cases/:id/register and the
// others, where the route table checks only the session) is 404 for a case the caller may not
// see and 403 for one they see but may not act on.
//
// A route the server registers without rows here, or rows for a route it no
// longer registers, fails TestMatrixCoversEveryRoute.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/conversations"
	"github.com/rkc-nl/rkc/internal/signals"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// actor is a column of the matrix: a person with roles and a relation to
// the case of the row. Cases are filed in BZK by the adviser on behalf of
// the complainant, against a respondent of FIN; the panel is "mem".
type actor struct {
	key      string
	ministry string
	grants   []authz.Grant
	about    string
}

func grant(role, domain string) authz.Grant { return authz.Grant{Role: role, Domain: domain} }

var actors = []actor{
	{"anon", "", nil, "no session"},
	{"cmp", "BZK", []authz.Grant{grant(authz.Complainant, "BZK")}, "complainant of the case"},
	{"cmp~", "FIN", []authz.Grant{grant(authz.Complainant, "FIN")}, "complainant of another case"},
	{"adv", "BZK", []authz.Grant{grant(authz.Adviser, "BZK")}, "adviser who filed the case on the complainant's behalf"},
	{"adv~", "BZK", []authz.Grant{grant(authz.Adviser, authz.AnyDomain)}, "adviser in every ministry, who filed another case"},
	{"rsp", "FIN", []authz.Grant{grant(authz.Respondent, "FIN")}, "respondent of the case (related once informed, from investigating on)"},
	{"rsp~", "FIN", []authz.Grant{grant(authz.Respondent, "FIN")}, "respondent of another case"},
	{"sec", "BZK", []authz.Grant{grant(authz.Secretary, authz.AnyDomain)}, "secretary: committee staff, related to every case"},
	{"mem", "AZ", []authz.Grant{grant(authz.Member, authz.AnyDomain)}, "member assigned to the case's panel (from admissible on)"},
	{"mem~", "AZ", []authz.Grant{grant(authz.Member, authz.AnyDomain)}, "member not assigned (sits on another case's panel)"},
	{"chr", "OCW", []authz.Grant{grant(authz.Chair, authz.AnyDomain)}, "chair: committee staff, related to every case"},
	{"chr~", "OCW", []authz.Grant{grant(authz.Chair, authz.AnyDomain)}, "chair who declared a conflict of interest in the case"},
	{"ath", "FIN", []authz.Grant{grant(authz.Authority, "FIN")}, "authority of the respondent's ministry (related once advised)"},
	{"ath~c", "BZK", []authz.Grant{grant(authz.Authority, "BZK")}, "authority of the complainant's ministry"},
	{"ath~", "DEF", []authz.Grant{grant(authz.Authority, "DEF")}, "authority of another ministry"},
	{"rep", "BZK", []authz.Grant{grant(authz.Reporter, authz.AnyDomain)}, "reporter (annual statistics)"},
	{"adm", "BZK", []authz.Grant{grant(authz.Admin, authz.AnyDomain)}, "functional administrator"},
	{"fg", "BZK", []authz.Grant{grant(authz.PrivacyOfficer, authz.AnyDomain)}, "privacy officer"},
}

// accessMatrix: one row per route (and, for some, per state of the case);
// one column per actor. The state names the case the row is tried on ("-":
// the route concerns no single case). "advised:committee-file" asks for the
// file the secretary added, which the committee sees and the parties do not.
const accessMatrix = `
method path                                         state                  anon cmp  cmp~ adv  adv~ rsp  rsp~ sec  mem  mem~ chr  chr~ ath  ath~c ath~ rep  adm  fg
GET    /api/v1/me                                   -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
DELETE /api/v1/session                              -                      401  204  204  204  204  204  204  204  204  204  204  204  204  204   204  204  204  204
POST   /api/v1/session/otp                          -                      401  409  409  409  409  409  409  409  409  409  409  409  409  409   409  409  409  409
POST   /api/v1/session/password                     -                      401  409  409  409  409  409  409  409  409  409  409  409  409  409   409  409  409  409
POST   /api/v1/session/reauth                       -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
GET    /api/v1/me/sessions                          -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
DELETE /api/v1/me/sessions/:session                 -                      401  204  204  204  204  204  204  204  204  204  204  204  204  204   204  204  204  204
POST   /api/v1/me/totp                              -                      401  201  201  201  201  201  201  201  201  201  201  201  201  201   201  201  201  201
POST   /api/v1/me/totp/confirm                      -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
GET    /api/v1/accounts                             -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  200  403
POST   /api/v1/invitations                          -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  202  403
POST   /api/v1/accounts/:pid/deactivate             -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  204  403
POST   /api/v1/accounts/:pid/activate               -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  204  403
POST   /api/v1/accounts/:pid/grants                 -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  204  403
DELETE /api/v1/accounts/:pid/grants/:role/:domain   -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  204  403
DELETE /api/v1/accounts/:pid/totp                   -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  204  403
GET    /api/v1/grant-requests                       -                      401  403  403  403  403  403  403  403  403  403  200  200  403  403   403  403  200  403
POST   /api/v1/grant-requests/:rid/confirm          -                      401  403  403  403  403  403  403  403  403  403  204  204  403  403   403  403  204  403
POST   /api/v1/grant-requests/:rid/refuse           -                      401  403  403  403  403  403  403  403  403  403  204  204  403  403   403  403  204  403
POST   /api/v1/cases                                -                      401  201  201  201  201  403  403  403  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/signals/self/complaint               -                      401  201  201  403  403  403  403  403  403  403  403  403  403  403   403  403  403  403
GET    /api/v1/cases                                -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  403  403  403
GET    /api/v1/cases/:id                            submitted              401  200  404  200  404  404  404  200  404  404  200  404  404  404   404  403  403  403
GET    /api/v1/cases/:id                            advised                401  200  404  200  404  200  404  200  200  404  200  404  200  404   404  403  403  403
GET    /api/v1/cases/:id/events                     submitted              401  200  404  200  404  404  404  200  404  404  200  404  404  404   404  403  403  403
GET    /api/v1/cases/:id/events                     advised                401  200  404  200  404  200  404  200  200  404  200  404  200  404   404  403  403  403
POST   /api/v1/cases/:id/register                   submitted              401  403  403  403  403  403  403  200  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/cases/:id/information-request        registered             401  403  403  403  403  403  403  200  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/cases/:id/information                awaiting               401  200  404  200  404  403  403  403  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/cases/:id/admissibility              registered             401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/panel                      admissible             401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/investigation              admissible             401  403  403  403  403  403  403  200  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/conflicts                  investigating          401  403  403  403  403  403  403  403  204  404  204  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/extension                  registered             401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/further-delay              registered             401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/not-heard                  investigating          401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/statements                 investigating          401  201  404  201  404  201  404  403  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/cases/:id/attachments                investigating          401  201  404  201  404  201  404  201  201  404  201  404  403  403   403  403  403  403
GET    /api/v1/cases/:id/attachments/:aid           advised                401  200  404  200  404  200  404  200  200  404  200  404  403  403   403  403  403  403
GET    /api/v1/cases/:id/attachments/:aid           advised:committee-file 401  404  404  404  404  404  404  200  200  404  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/hearings                   investigating          401  403  403  403  403  403  403  201  201  404  201  404  403  403   403  403  403  403
PUT    /api/v1/cases/:id/hearings/:hid              planned                401  403  403  403  403  403  403  200  200  404  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/advice                     heard                  401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/decision                   advised                401  403  403  403  403  403  403  403  403  403  403  403  200  404   404  403  403  403
POST   /api/v1/cases/:id/withdraw                   investigating          401  200  404  200  404  403  403  403  403  403  403  403  403  403   403  403  403  403
POST   /api/v1/cases/:id/informal-resolution        investigating          401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/close                      decided                401  403  403  403  403  403  403  200  403  403  200  404  403  403   403  403  403  403
POST   /api/v1/cases/:id/legal-hold                 closed                 401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403
GET    /api/v1/signals                              -                      401  403  403  403  403  403  403  200  403  403  200  200  403  403   403  403  403  403
GET    /api/v1/signals/:sid                         -                      401  403  403  403  403  403  403  200  403  403  200  200  403  403   403  403  403  403
POST   /api/v1/signals/:sid/messages                -                      401  403  403  403  403  403  403  204  403  403  204  204  403  403   403  403  403  403
PUT    /api/v1/signals/:sid/abuse                   -                      401  403  403  403  403  403  403  204  403  403  204  204  403  403   403  403  403  403
GET    /api/v1/me/export                            -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
GET    /api/v1/persons/:pid/export                  -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
GET    /api/v1/me/notices                           -                      401  200  200  200  200  200  200  200  200  200  200  200  200  200   200  200  200  200
POST   /api/v1/data-subject-requests                -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  201
GET    /api/v1/data-subject-requests                -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
GET    /api/v1/data-subject-requests/:request       -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
POST   /api/v1/data-subject-requests/:request/close -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
GET    /api/v1/audit                                -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
POST   /api/v1/audit/verify                         -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
GET    /api/v1/audit/entries/:entry/proof           -                      401  403  403  403  403  403  403  403  403  403  403  403  403  403   403  403  403  200
GET    /api/v1/outbox/dead                          -                      401  403  403  403  403  403  403  200  403  403  403  403  403  403   403  403  403  403
GET    /api/v1/reports/annual/:year                 -                      401  403  403  403  403  403  403  200  403  403  200  200  403  403   403  200  403  403
GET    /api/v1/reports/recommendations/:year        -                      401  403  403  403  403  403  403  200  403  403  200  200  403  403   403  200  403  403
PUT    /api/v1/reports/recommendations/:year        -                      401  403  403  403  403  403  403  403  403  403  200  200  403  403   403  403  403  403
POST   /api/v1/reports/recommendations/:year/adopt  -                      401  403  403  403  403  403  403  403  403  403  200  200  403  403   403  403  403  403
`

// publicRoute is a route anyone may call without a session, with the
// status they get.
type publicRoute struct {
	method, path string
	want         int
}

// publicRoutes answer without a session: the ops endpoints, the API
// document, signing in (with a password or an OpenID provider), asking for
// and using a password link, and the anonymous signal with its receipt code. The
// two echo_route_not_found entries are echo's fallbacks for unknown paths
// under /api/v1 (registered by the group's middleware): they answer 404.
var publicRoutes = []publicRoute{
	{"GET", "/healthz", 200},
	{"GET", "/readyz", 200},
	{"GET", "/api/v1/openapi.yaml", 200},
	{"GET", "/api/v1/openapi.json", 200},
	{"GET", "/.well-known/security.txt", 200},
	{"POST", "/api/v1/session", 201},
	{"POST", "/api/v1/password-reset", 202},
	// A link nobody was sent; internal/accounts sets passwords with real ones.
	{"POST", "/api/v1/password", 404},
	// No OpenID provider is configured here: the provider is not found.
	// internal/accounts signs in through a real provider on loopback.
	{"GET", "/api/v1/oidc/:provider/start", 404},
	{"GET", "/api/v1/oidc/:provider/callback", 404},
	{"POST", "/api/v1/signals", 201},
	{"GET", "/api/v1/signals/self", 200},
	{"POST", "/api/v1/signals/self/messages", 204},
	{"echo_route_not_found", "/api/v1", 404},
	{"echo_route_not_found", "/api/v1/*", 404},
}

// Committee roles held by parties: a person with a committee role (or the
// authority's) who is a party to the case acts in it only as a party. Each
// column has cases of its own, with this person as the complainant or the
// respondent (informed from investigating on); the other parts are played
// as in the matrix above.
var partyActors = []actor{
	{"lid+kl", "BZK", []authz.Grant{grant(authz.Member, authz.AnyDomain), grant(authz.Complainant, "BZK")}, "member who is the complainant"},
	{"vz+kl", "BZK", []authz.Grant{grant(authz.Chair, authz.AnyDomain), grant(authz.Complainant, "BZK")}, "chair who is the complainant"},
	{"sec+vw", "FIN", []authz.Grant{grant(authz.Secretary, authz.AnyDomain), grant(authz.Respondent, "FIN")}, "secretary who is the respondent"},
	{"gz+kl", "FIN", []authz.Grant{grant(authz.Authority, "FIN"), grant(authz.Complainant, "FIN")}, "authority of the respondent's ministry who is the complainant"},
}

const partyMatrix = `
method path                                         state                  lid+kl vz+kl sec+vw gz+kl
GET    /api/v1/cases/:id                            advised                200    200   200    200
GET    /api/v1/cases/:id/events                     advised                200    200   200    200
POST   /api/v1/cases/:id/information                awaiting               200    200   403    200
POST   /api/v1/cases/:id/admissibility              registered             403    403   403    403
POST   /api/v1/cases/:id/panel                      admissible             403    403   403    403
POST   /api/v1/cases/:id/conflicts                  investigating          403    403   403    403
POST   /api/v1/cases/:id/extension                  registered             403    403   403    403
POST   /api/v1/cases/:id/further-delay              registered             403    403   403    403
POST   /api/v1/cases/:id/not-heard                  investigating          403    403   403    403
POST   /api/v1/cases/:id/statements                 investigating          201    201   201    201
POST   /api/v1/cases/:id/attachments                investigating          201    201   201    201
GET    /api/v1/cases/:id/attachments/:aid           advised                200    200   200    200
GET    /api/v1/cases/:id/attachments/:aid           advised:committee-file 404    404   404    404
POST   /api/v1/cases/:id/hearings                   investigating          403    403   403    403
PUT    /api/v1/cases/:id/hearings/:hid              planned                403    403   403    403
POST   /api/v1/cases/:id/advice                     heard                  403    403   403    403
POST   /api/v1/cases/:id/decision                   advised                403    403   403    403
POST   /api/v1/cases/:id/withdraw                   investigating          200    200   403    200
POST   /api/v1/cases/:id/informal-resolution        investigating          403    403   403    403
POST   /api/v1/cases/:id/close                      decided                403    403   403    403
POST   /api/v1/cases/:id/legal-hold                 closed                 403    403   403    403
`

// webMatrix: the pages under / (internal/web), signed in with the session
// cookie, every form with its CSRF token. "login": 303 to the sign-in page;
// a case action's state names the action after the colon.
const webMatrix = `
method path                                         state                             anon  cmp   cmp~  adv   adv~  rsp   rsp~  sec   mem   mem~  chr   chr~  ath   ath~c ath~  rep   adm   fg
GET    /session/ping                                -                                 login 204   204   204   204   204   204   204   204   204   204   204   204   204   204   204   204   204
GET    /dashboard                                   -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /my-data                                     -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /my-data/export.:format                      -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /account/two-factor                          -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
POST   /account/two-factor                          -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
GET    /account/new-password                        -                                 login login login login login login login login login login login login login login login login login login
POST   /account/new-password                        -                                 login login login login login login login login login login login login login login login login login login
GET    /complaint                                   -                                 login 200   200   200   200   403   403   403   403   403   403   403   403   403   403   403   403   403
GET    /complaint/step/:step                        -                                 login 200   200   200   200   403   403   403   403   403   403   403   403   403   403   403   403   403
POST   /complaint/step/:step                        -                                 login 303   303   303   303   403   403   403   403   403   403   403   403   403   403   403   403   403
GET    /complaint/review                            -                                 login 200   200   200   200   403   403   403   403   403   403   403   403   403   403   403   403   403
POST   /complaint/send                              -                                 login 303   303   303   303   403   403   403   403   403   403   403   403   403   403   403   403   403
POST   /complaint/discard                           -                                 login 303   303   303   303   403   403   403   403   403   403   403   403   403   403   403   403   403
GET    /cases/:id                                   submitted                         login 200   404   200   404   404   404   200   404   404   200   404   404   404   404   403   403   403
GET    /cases/:id                                   advised                           login 200   404   200   404   200   404   200   200   404   200   404   200   404   404   403   403   403
GET    /cases/:id/attachments/:aid                  advised                           login 200   404   200   404   200   404   200   200   404   200   404   403   403   403   403   403   403
GET    /cases/:id/attachments/:aid                  advised:committee-file            login 404   404   404   404   404   404   200   200   404   200   404   403   403   403   403   403   403
POST   /cases/:id/register                          submitted:register                login 403   404   403   404   404   404   303   404   404   403   404   404   404   404   404   404   404
POST   /cases/:id/information-request               registered:information-request    login 403   404   403   404   404   404   303   404   404   403   404   404   404   404   404   404   404
POST   /cases/:id/information                       awaiting:information              login 303   404   303   404   404   404   403   404   404   403   404   404   404   404   404   404   404
POST   /cases/:id/admissibility                     registered:admissibility          login 403   404   403   404   404   404   403   404   404   303   404   404   404   404   404   404   404
POST   /cases/:id/panel                             admissible:panel                  login 403   404   403   404   404   404   403   403   404   303   404   404   404   404   404   404   404
POST   /cases/:id/investigation                     admissible:investigation          login 403   404   403   404   404   404   303   403   404   303   404   404   404   404   404   404   404
POST   /cases/:id/conflict                          investigating:conflict            login 403   404   403   404   403   404   403   303   404   303   404   404   404   404   404   404   404
POST   /cases/:id/extension                         registered:extension              login 403   404   403   404   404   404   403   404   404   303   404   404   404   404   404   404   404
POST   /cases/:id/further-delay                     registered:further-delay          login 403   404   403   404   404   404   403   404   404   303   404   404   404   404   404   404   404
POST   /cases/:id/not-heard                         investigating:not-heard           login 403   404   403   404   403   404   403   403   404   303   404   404   404   404   404   404   404
POST   /cases/:id/statement                         investigating:statement           login 303   404   303   404   303   404   403   403   404   403   404   404   404   404   404   404   404
POST   /cases/:id/attachment                        investigating:attachment          login 303   404   303   404   303   404   303   303   404   303   404   404   404   404   404   404   404
POST   /cases/:id/hearing                           investigating:hearing             login 403   404   403   404   403   404   303   303   404   303   404   404   404   404   404   404   404
POST   /cases/:id/advice                            heard:advice                      login 403   404   403   404   403   404   403   403   404   303   404   404   404   404   404   404   404
POST   /cases/:id/decision                          advised:decision                  login 403   404   403   404   403   404   403   403   404   403   404   303   404   404   404   404   404
POST   /cases/:id/withdraw                          investigating:withdraw            login 303   404   303   404   403   404   403   403   404   403   404   404   404   404   404   404   404
POST   /cases/:id/informal-resolution               investigating:informal-resolution login 403   404   403   404   403   404   403   403   404   303   404   404   404   404   404   404   404
POST   /cases/:id/close                             decided:close                     login 403   404   403   404   403   404   303   403   404   303   404   403   404   404   404   404   404
POST   /cases/:id/:action                           investigating:no-such-step        login 404   404   404   404   404   404   404   404   404   404   404   404   404   404   404   404   404
POST   /cases/:id/hearings/:hid/record              planned                           login 403   403   403   403   403   403   303   303   404   303   404   403   403   403   403   403   403
GET    /deadlines                                   -                                 login 403   403   403   403   403   403   200   403   403   200   200   403   403   403   403   403   403
GET    /committee/signals                           -                                 login 403   403   403   403   403   403   200   403   403   200   200   403   403   403   403   403   403
GET    /committee/signals/:sid                      -                                 login 403   403   403   403   403   403   200   403   403   200   200   403   403   403   403   403   403
POST   /committee/signals/:sid/answer               -                                 login 403   403   403   403   403   403   303   403   403   303   303   403   403   403   403   403   403
POST   /committee/signals/:sid/abuse                -                                 login 403   403   403   403   403   403   303   403   403   303   303   403   403   403   403   403   403
GET    /reports                                     -                                 login 403   403   403   403   403   403   200   403   403   200   200   403   403   403   200   403   403
GET    /privacy/requests                            -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200
POST   /privacy/requests                            -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303
GET    /privacy/requests/:request                   -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200
POST   /privacy/requests/:request/close             -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303
GET    /privacy/requests/:request/export.:format    -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200
GET    /audit                                       -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200
POST   /audit/verify                                -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200
GET    /admin/accounts                              -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200   403
POST   /admin/accounts                              -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
POST   /admin/accounts/:pid/grants                  -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
POST   /admin/ministries                            -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
GET    /grant-requests                              -                                 login 403   403   403   403   403   403   403   403   403   200   200   403   403   403   403   200   403
POST   /grant-requests/:rid/confirm                 -                                 login 403   403   403   403   403   403   403   403   403   303   303   403   403   403   403   303   403
POST   /grant-requests/:rid/refuse                  -                                 login 403   403   403   403   403   403   403   403   403   303   303   403   403   403   403   303   403
GET    /account/sessions                            -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200   200
POST   /account/sessions/:session/end               -                                 login 303   303   303   303   303   303   303   303   303   303   303   303   303   303   303   303   303
GET    /cases                                       -                                 login 200   200   200   200   200   200   200   200   200   200   200   200   200   200   403   403   403
POST   /cases/:id/legal-hold                        closed                            login 403   403   403   403   403   403   403   403   403   303   404   403   403   403   403   403   403
GET    /admin/accounts/:pid                         -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   200   403
POST   /admin/accounts/:pid/deactivate              -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
POST   /admin/accounts/:pid/activate                -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
POST   /admin/accounts/:pid/grants/withdraw         -                                 login 403   403   403   403   403   403   403   403   403   403   403   403   403   403   403   303   403
POST   /signal/follow/complaint                     -                                 login 303   303   403   403   403   403   403   403   403   403   403   403   403   403   403   403   403
`

// webPublicRoutes are the pages anyone may open without a session, with the
// status a visitor gets; echo_route_not_found /* is the web's page for
// unknown addresses.
var webPublicRoutes = []publicRoute{
	{"GET", "/", 200},
	{"GET", "/lang/:lang", 303},
	{"GET", "/login", 200},
	{"POST", "/login", 303},
	{"POST", "/logout", 303},
	{"GET", "/signal", 200},
	{"POST", "/signal", 200},
	{"GET", "/signal/follow", 200},
	{"POST", "/signal/follow", 200},
	{"POST", "/signal/follow/message", 200},
	{"GET", "/toegankelijkheid", 200}, // the accessibility statement
	// The page of an e-mailed password link; the form with a link nobody
	// was sent answers with the form and its error.
	{"GET", "/password/:token", 200},
	{"POST", "/password/:token", 422},
	{"GET", "/static/*", 200},
	{"echo_route_not_found", "/*", 404},
}

// casts: who plays which part in the cases of a matrix column.
type cast struct {
	name        string
	complainant string // actor key
	adviser     string // "" when the complainant files themselves
	respondent  string
	panel       []string
}

var (
	mainCast  = cast{name: "main", complainant: "cmp", adviser: "adv", respondent: "rsp", panel: []string{"mem"}}
	otherCast = cast{name: "elsewhere", complainant: "cmp~", adviser: "adv~", respondent: "rsp~", panel: []string{"mem~"}}
	partyCast = map[string]cast{
		"lid+kl": {name: "lid+kl", complainant: "lid+kl", respondent: "rsp", panel: []string{"mem"}},
		"vz+kl":  {name: "vz+kl", complainant: "vz+kl", respondent: "rsp", panel: []string{"mem"}},
		"sec+vw": {name: "sec+vw", complainant: "cmp", adviser: "adv", respondent: "sec+vw", panel: []string{"mem"}},
		"gz+kl":  {name: "gz+kl", complainant: "gz+kl", respondent: "rsp", panel: []string{"mem"}},
	}
)

// stateSteps are the steps that bring a new case to each state, in order.
var stateSteps = map[string][]string{
	"submitted":     nil,
	"registered":    {"register"},
	"awaiting":      {"register", "request-information"},
	"admissible":    {"register", "admit", "panel"},
	"investigating": {"register", "admit", "panel", "investigate", "files"},
	"planned":       {"register", "admit", "panel", "investigate", "files", "plan-hearing"},
	"heard":         {"register", "admit", "panel", "investigate", "files", "record-hearing"},
	"advised":       {"register", "admit", "panel", "investigate", "files", "record-hearing", "advise"},
	"decided":       {"register", "admit", "panel", "investigate", "files", "record-hearing", "advise", "decide"},
	"closed":        {"register", "admit", "panel", "investigate", "files", "record-hearing", "advise", "decide", "close"},
}

type row struct {
	line          int
	web           bool // a row of webMatrix
	conv          bool // a row of conversationMatrix
	method, path  string
	state         string // "" for routes about no single case
	variant       string // after the colon of the state
	want          map[string]int
	route         string // method and path, as e.Routes() names it
	changesOnSucc bool
}

// toLogin stands for the web's answer to a visitor without a session: 303
// to the sign-in page.
const toLogin = 1303

// succeeds reports whether want is a success: 2xx, or a form's 303 onwards.
func succeeds(want int) bool { return want < 300 || want == 303 }

// parseMatrix reads a table whose columns after method, path and state are
// the given actors, in that order.
func parseMatrix(t *testing.T, table string, cols []actor) []row {
	t.Helper()
	var rows []row
	lines := strings.Split(strings.TrimSpace(table), "\n")
	header := strings.Fields(lines[0])
	var keys []string
	for _, a := range cols {
		keys = append(keys, a.key)
	}
	if !slices.Equal(header[3:], keys) {
		t.Fatalf("matrix header names %v, want %v", header[3:], keys)
	}
	web := table == webMatrix || table == webConversationMatrix
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 3+len(keys) {
			t.Fatalf("matrix line %d has %d fields, want %d", i+2, len(f), 3+len(keys))
		}
		r := row{line: i + 2, web: web, conv: table == conversationMatrix || table == webConversationMatrix, method: f[0], path: f[1], want: map[string]int{}, route: f[0] + " " + f[1]}
		if f[2] != "-" {
			r.state, r.variant, _ = strings.Cut(f[2], ":")
			if _, ok := stateSteps[r.state]; !ok {
				t.Fatalf("matrix line %d: unknown state %q", r.line, r.state)
			}
		}
		r.changesOnSucc = r.state != "" && r.method != http.MethodGet
		for j, k := range keys {
			if f[3+j] == "login" && web {
				r.want[k] = toLogin
				continue
			}
			n, err := strconv.Atoi(f[3+j])
			if err != nil {
				t.Fatalf("matrix line %d, column %s: %v", r.line, k, err)
			}
			r.want[k] = n
		}
		rows = append(rows, r)
	}
	return rows
}

// Every route the server registers has rows, and every row names a route
// the server registers.
func TestMatrixCoversEveryRoute(t *testing.T) {
	env := apptest.New(t)
	listed := map[string]bool{}
	for _, r := range parseMatrix(t, accessMatrix, actors) {
		listed[r.route] = true
	}
	for _, r := range parseMatrix(t, partyMatrix, partyActors) {
		if !listed[r.route] {
			t.Errorf("the party matrix names %s, which the access matrix lacks", r.route)
		}
	}
	for _, r := range parseMatrix(t, webMatrix, actors) {
		listed[r.route] = true
	}
	for _, r := range parseMatrix(t, conversationMatrix, conversationActors()) {
		listed[r.route] = true
	}
	for _, r := range parseMatrix(t, webConversationMatrix, conversationActors()) {
		listed[r.route] = true
	}
	for _, p := range append(slices.Clone(publicRoutes), webPublicRoutes...) {
		k := p.method + " " + p.path
		if listed[k] {
			t.Errorf("%s is listed both as public and in the matrix", k)
		}
		listed[k] = true
	}
	registered := map[string]bool{}
	for _, r := range env.App.Handler.Routes() {
		k := r.Method + " " + r.Path
		registered[k] = true
		if !listed[k] {
			t.Errorf("route %s has no rows in the access matrix (internal/server/matrix_test.go): add them, with a request in call", k)
		}
	}
	for k := range listed {
		if !registered[k] {
			t.Errorf("the access matrix names %s, which the server does not register", k)
		}
	}
}

// world is one running service with the matrix's people, an anonymous
// signal, and the cases built so far.
type world struct {
	t        *testing.T
	env      *apptest.Env
	who      map[string]*apptest.Person
	shared   map[string]*fixture // cast name + "@" + state → case for refusals and reads
	signalID string
	receipt  string
	// requestID is an open data-subject request about cmp, under which the
	// privacy officer exports cmp's data.
	requestID string
}

// fixture is one case, brought to a state.
type fixture struct {
	id, hearing, partyFile, committeeFile string
	conv                                  *convFixture // the conversations, once added (matrix_conversations_test.go)
}

func newWorld(t *testing.T) *world {
	// Every actor files signals from this one address: the matrix tests
	// access, not the limit on signals (TestSignalFlood in internal/cases).
	// Nor the re-authentication window: the actors sign in once, and on a
	// busy machine the matrix outlasts the 5 minutes (tests of the window:
	// internal/accounts, TestSensitiveStepsNeedRecentSignIn).
	env := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{"RKC_SIGNALS_PER_ADDRESS": "0", "RKC_SIGNALS_PER_HOUR": "0",
		"RKC_REAUTH_WINDOW": "1h"}))
	w := &world{t: t, env: env, who: map[string]*apptest.Person{}, shared: map[string]*fixture{}}
	for _, a := range append(append(slices.Clone(actors), partyActors...), witnessActors...) {
		if a.key == "anon" {
			continue
		}
		email := strings.NewReplacer("~", "-other", "+", "-").Replace(a.key) + "@matrix.test"
		w.who[a.key] = env.Person(email, a.ministry, a.grants...)
	}
	// A member who will be named respondent in a case whose panel they sit on.
	w.who["lid+vw"] = env.Person("lid-verweerder@matrix.test", "AZ", grant(authz.Member, authz.AnyDomain))
	// Someone the admin grants roles to in the web matrix, apart from the actors.
	w.who["grant-target"] = env.Person("grant-target@matrix.test", "BZK")
	// The account the admin's API routes act on (deactivated, granted…).
	w.who["account-target"] = env.Person("account-target@matrix.test", "BZK")
	// A second admin, who asks for the role grants the others decide on.
	w.who["second-admin"] = env.Person("beheer-2@matrix.test", "BZK", grant(authz.Admin, authz.AnyDomain))

	// The parties of "another case" relate to it, and to no other.
	w.build(otherCast, "investigating")

	res := env.Must(201, nil, "POST", "/api/v1/signals", signals.SignalInput{Category: "bullying", Message: "Er wordt gepest op de afdeling."})
	w.receipt = res.Map(t)["receipt_code"].(string)
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	env.Must(200, w.who["sec"], "GET", "/api/v1/signals", nil).Decode(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("the signal is not listed")
	}
	w.signalID = list.Items[0].ID
	w.requestID = env.OpenDataSubjectRequest(w.who["fg"].ID, w.who["cmp"].ID).String()
	return w
}

// grantRequest makes a fresh role request, asked by the second admin,
// that who may decide if anyone may: a committee role for the chairs, the
// competent authority (which another admin confirms) for everyone else.
func (w *world) grantRequest(who string) string {
	g := grant(authz.Authority, "FIN")
	if strings.HasPrefix(who, "chr") {
		g = grant(authz.Member, authz.AnyDomain)
	}
	target := w.env.Person("verzoek-"+uuid.NewString()[:8]+"@matrix.test", "BZK")
	adm2 := w.who["second-admin"]
	req, err := w.env.App.Accounts.GrantRole(w.t.Context(), &accounts.Caller{ID: adm2.ID, Grants: []authz.Grant{grant(authz.Admin, authz.AnyDomain)}},
		target.ID, g)
	if err != nil || req == nil {
		w.t.Fatalf("a role request: %v", err)
	}
	return req.ID.String()
}

func (w *world) person(key string) *apptest.Person {
	if key == "anon" {
		return nil
	}
	p, ok := w.who[key]
	if !ok {
		w.t.Fatalf("no actor %q", key)
	}
	return p
}

func complaint() cases.Complaint {
	return cases.Complaint{Category: "bullying", Description: "Mijn leidinggevende kleineert mij in elk overleg.",
		Respondent: cases.Respondent{Name: "J. de Vries", Ministry: "FIN", Function: "teamleider"},
		Contact:    "06-12345678", IncidentWhen: "voorjaar"}
}

// build files a new case with the cast's parties and brings it to state.
// The recused chair ("chr~") declares a conflict in every case at once.
func (w *world) build(c cast, state string) *fixture {
	t, env := w.t, w.env
	t.Helper()
	body := complaint()
	filer := w.person(c.complainant)
	if c.adviser != "" {
		filer = w.person(c.adviser)
		body.ComplainantEmail = w.person(c.complainant).Email
		body.Consent = "Schriftelijke toestemming van de klager, 3 maart."
	}
	f := &fixture{id: env.Must(201, filer, "POST", "/api/v1/cases", body).Map(t)["id"].(string)}
	base := "/api/v1/cases/" + f.id
	env.Must(204, w.person("chr~"), "POST", base+"/conflicts", cases.ConflictDeclaration{Reason: "Ik ken de klager persoonlijk."})
	sec, chair := w.person("sec"), w.person("chr")
	for _, step := range stateSteps[state] {
		switch step {
		case "register":
			env.Must(200, sec, "POST", base+"/register", cases.Registration{})
		case "request-information":
			env.Must(200, sec, "POST", base+"/information-request", cases.InformationRequest{What: "De datum van het voorval."})
		case "admit":
			yes := true
			env.Must(200, chair, "POST", base+"/admissibility", cases.Ruling{Admissible: &yes})
		case "panel":
			var ids []uuid.UUID
			for _, k := range c.panel {
				ids = append(ids, w.person(k).ID)
			}
			env.Must(200, chair, "POST", base+"/panel", cases.PanelRequest{MemberIDs: ids})
		case "investigate":
			env.Must(200, sec, "POST", base+"/investigation", cases.Investigation{RespondentEmail: w.person(c.respondent).Email})
		case "files":
			f.partyFile = w.mustUpload(w.person(c.complainant), f.id)
			f.committeeFile = w.mustUpload(sec, f.id)
		case "plan-hearing":
			f.hearing = env.Must(201, sec, "POST", base+"/hearings", hearingPlan(env)).Map(t)["id"].(string)
		case "record-hearing":
			// Held just now, recorded after the fact.
			past := cases.HearingPlan{PlannedAt: env.Clock.Now().Format(time.RFC3339Nano), Parties: "both", Minutes: "Beide partijen gehoord."}
			f.hearing = env.Must(201, sec, "POST", base+"/hearings", past).Map(t)["id"].(string)
		case "advise":
			env.Must(200, chair, "POST", base+"/advice", adviceInput())
		case "decide":
			yes := true
			env.Must(200, w.person("ath"), "POST", base+"/decision", cases.DecisionInput{FollowsAdvice: &yes})
		case "close":
			env.Must(200, sec, "POST", base+"/close", cases.Closing{})
		default:
			t.Fatalf("unknown step %q", step)
		}
	}
	return f
}

// ownSession opens another session of the actor, so that a row that ends
// or rotates a session leaves the actor's own signed in; id is its id.
type ownSession struct {
	as *apptest.Person
	id string
}

func (w *world) ownSession(who string) ownSession {
	p := w.person(who)
	if p == nil {
		return ownSession{id: uuid.NewString()}
	}
	token, err := w.env.App.Accounts.OpenSession(w.t.Context(), p.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	q := *p
	q.Token = token
	var me struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	w.env.Must(200, &q, "GET", "/api/v1/me", nil).Decode(w.t, &me)
	return ownSession{as: &q, id: me.Session.ID}
}

// sharedCase returns the case for refusals and reads of a cast in a state.
func (w *world) sharedCase(c cast, state string) *fixture {
	k := c.name + "@" + state
	if f, ok := w.shared[k]; ok {
		return f
	}
	f := w.build(c, state)
	w.shared[k] = f
	return f
}

func hearingPlan(env *apptest.Env) cases.HearingPlan {
	return cases.HearingPlan{PlannedAt: env.Clock.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339), Parties: "both", Location: "Den Haag"}
}

// furtherDelay delays a case registered today by the service's clock to a
// working day well past its term, with consent received today.
func furtherDelay(env *apptest.Env) cases.FurtherDelayInput {
	today := cases.DateOf(env.Clock.Now())
	return cases.FurtherDelayInput{NewDueOn: env.App.Cases.Calendar().Shift(today.AddDate(0, 0, 120)).Format(time.DateOnly),
		ConsentReceivedOn: today.Format(time.DateOnly), ConsentForm: "letter", Reason: "Het deskundigenrapport komt later."}
}

func adviceInput() cases.AdviceInput {
	return cases.AdviceInput{Findings: "De klacht is aannemelijk geworden.", Measures: "Een gesprek onder begeleiding.",
		Judgements: []cases.ElementJudgement{{Position: 1, Judgement: "founded"}}}
}

func (w *world) upload(p *apptest.Person, caseID string) *apptest.Response {
	w.t.Helper()
	return w.env.Send(p, multipartPost(w.t, w.env.Server.URL+"/api/v1/cases/"+caseID+"/attachments", nil,
		"verklaring.txt", "Verklaring van een collega over het overleg van 3 maart.\n"))
}

func (w *world) mustUpload(p *apptest.Person, caseID string) string {
	w.t.Helper()
	res := w.upload(p, caseID)
	if res.Status != 201 {
		w.t.Fatalf("upload to %s as %s: %d %s", caseID, p.Email, res.Status, res.Body)
	}
	return res.Map(w.t)["id"].(string)
}

// path fills in the route's parameters; the parameter named missing (if
// any) gets a fresh id that names nothing.
func (w *world) path(r row, who string, f *fixture, missing string) string {
	var parts []string
	for _, seg := range strings.Split(r.path, "/") {
		if i := strings.IndexByte(seg, ':'); i >= 0 {
			if seg[i:] == missing {
				seg = seg[:i] + uuid.NewString()
			} else {
				seg = seg[:i] + w.param(r, who, f, seg[i:])
			}
		}
		parts = append(parts, seg)
	}
	return strings.Join(parts, "/")
}

// idParams name objects that may be hidden; the innermost of them in a
// path is the one a "missing" twin request replaces.
var idParams = []string{":id", ":thread", ":aid", ":hid", ":sid", ":pid", ":nid", ":wid", ":rid", ":request"}

func innermostID(path string) string {
	missing := ""
	for _, seg := range strings.Split(path, "/") {
		if slices.Contains(idParams, seg) {
			missing = seg
		}
	}
	return missing
}

func (w *world) param(r row, who string, f *fixture, name string) string {
	if r.conv {
		if v, ok := w.convParam(r, f, name); ok {
			return v
		}
	}
	switch name {
	case ":id":
		return f.id
	case ":aid":
		if r.variant == "committee-file" {
			return f.committeeFile
		}
		return f.partyFile
	case ":hid":
		return f.hearing
	case ":sid":
		return w.signalID
	case ":request":
		if strings.HasSuffix(r.path, "/close") {
			// Closing is once: a fresh open request each time.
			return w.env.OpenDataSubjectRequest(w.person("fg").ID, w.person("cmp").ID).String()
		}
		return w.requestID
	case ":pid":
		if r.web {
			return w.who["grant-target"].ID.String()
		}
		if strings.HasPrefix(r.path, "/api/v1/accounts/") {
			return w.who["account-target"].ID.String()
		}
		return w.person("cmp").ID.String()
	case ":session":
		return w.ownSession(who).id
	case ":rid":
		if strings.Contains(r.path, "grant-requests") {
			return w.grantRequest(who)
		}
	case ":role":
		return authz.Reporter
	case ":domain":
		return authz.AnyDomain
	case ":action":
		return r.variant
	case ":format":
		return "json"
	case ":step":
		return "what"
	case ":entry":
		return w.sequencedEntry()
	case ":year":
		if r.method == http.MethodGet {
			return strconv.Itoa(time.Now().Year() - 1)
		}
		// Each writer writes a year of their own, so that one success does
		// not turn the next into a version conflict.
		return strconv.Itoa(2000 + slices.IndexFunc(actors, func(a actor) bool { return a.key == who }))
	}
	w.t.Fatalf("matrix line %d: no value for %s", r.line, name)
	return ""
}

// call sends the row's request as the actor, with a valid body, to the case
// f (nil for routes about no single case).
func (w *world) call(r row, who string, f *fixture, missing string) *apptest.Response {
	t, env := w.t, w.env
	t.Helper()
	p := w.person(who)
	path := w.path(r, who, f, missing)
	yes := true
	var body any
	switch r.route {
	case "GET /api/v1/me", "GET /api/v1/cases", "GET /api/v1/cases/:id", "GET /api/v1/cases/:id/events",
		"GET /api/v1/cases/:id/attachments/:aid", "GET /api/v1/signals", "GET /api/v1/signals/:sid",
		"GET /api/v1/me/export", "GET /api/v1/persons/:pid/export", "GET /api/v1/audit", "POST /api/v1/audit/verify", "GET /api/v1/audit/entries/:entry/proof",
		"GET /api/v1/me/notices", "GET /api/v1/data-subject-requests", "GET /api/v1/data-subject-requests/:request",
		"GET /api/v1/outbox/dead", "POST /api/v1/cases/:id/register", "POST /api/v1/cases/:id/close",
		"GET /api/v1/reports/annual/:year", "GET /api/v1/reports/recommendations/:year":
		if r.method == "POST" {
			body = map[string]any{}
		}
	case "POST /api/v1/session/otp":
		// A usable session waits for no code.
		body = map[string]string{"otp": "123456"}
	case "POST /api/v1/session/password":
		// A usable session waits for no new password.
		body = map[string]string{"password": "een nieuw lang wachtwoord"}
	case "POST /api/v1/session/reauth":
		// Re-authenticating rotates the token: a session of its own.
		if p != nil {
			p = w.ownSession(who).as
		}
		body = map[string]string{"password": apptest.Password}
	case "GET /api/v1/me/sessions", "POST /api/v1/me/totp", "DELETE /api/v1/me/sessions/:session":
	case "POST /api/v1/me/totp/confirm":
		// Setting up the authenticator in a session of its own (confirming
		// rotates it), then taking it away again, so that the actor signs
		// in as before in the rows that follow.
		if p != nil {
			own := w.ownSession(who).as
			var en struct {
				Secret string `json:"secret"`
			}
			env.Must(201, own, "POST", "/api/v1/me/totp", nil).Decode(t, &en)
			c, err := totp.GenerateCode(en.Secret, env.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			res := env.Do(own, r.method, path, map[string]string{"otp": c})
			if err := env.App.DB.Exec(`DELETE FROM totp_secrets WHERE person_id = ?`, p.ID).Error; err != nil {
				t.Fatal(err)
			}
			return res
		}
		body = map[string]string{"otp": "123456"}
	case "GET /api/v1/accounts", "GET /api/v1/grant-requests", "POST /api/v1/grant-requests/:rid/confirm",
		"POST /api/v1/grant-requests/:rid/refuse":
	case "POST /api/v1/invitations":
		body = accounts.Invitation{Email: "uitgenodigd-" + strings.NewReplacer("~", "x", "+", "x").Replace(who) + "@matrix.test",
			Name: "Nieuw Account", Ministry: "BZK"}
	case "POST /api/v1/accounts/:pid/deactivate", "POST /api/v1/accounts/:pid/activate", "DELETE /api/v1/accounts/:pid/grants/:role/:domain",
		"DELETE /api/v1/accounts/:pid/totp":
		if r.method == "POST" {
			body = map[string]any{}
		}
	case "POST /api/v1/accounts/:pid/grants":
		body = authz.Grant{Role: authz.Reporter, Domain: authz.AnyDomain}
	case "DELETE /api/v1/session":
		// Sign out of a session of its own, so the actor stays signed in.
		if p != nil {
			token, err := env.App.Accounts.OpenSession(t.Context(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			q := *p
			q.Token = token
			p = &q
		}
	case "POST /api/v1/signals/self/complaint":
		// A fresh signal each time: a signal becomes a complaint only once.
		res := env.Do(nil, "POST", "/api/v1/signals", signals.SignalInput{Category: "bullying", Message: "Ik word buitengesloten."})
		code, _ := res.Map(t)["receipt_code"].(string)
		req, err := http.NewRequest("POST", env.Server.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Receipt-Code", code)
		return env.Send(p, req)
	case "POST /api/v1/cases":
		c := complaint()
		if who == "adv" || who == "adv~" {
			c.ComplainantEmail = w.person("cmp").Email
			c.Consent = "Mondelinge toestemming, vastgelegd."
		}
		body = c
	case "POST /api/v1/cases/:id/information-request":
		body = cases.InformationRequest{What: "De namen van de getuigen."}
	case "POST /api/v1/cases/:id/information":
		body = cases.Supply{Text: "Het voorval was op 3 maart."}
	case "POST /api/v1/cases/:id/admissibility":
		body = cases.Ruling{Admissible: &yes}
	case "POST /api/v1/cases/:id/panel":
		body = cases.PanelRequest{MemberIDs: []uuid.UUID{w.person("mem").ID}}
	case "POST /api/v1/cases/:id/investigation":
		body = cases.Investigation{RespondentEmail: w.person("rsp").Email}
	case "POST /api/v1/cases/:id/conflicts":
		body = cases.ConflictDeclaration{Reason: "Ik werkte met een partij samen."}
	case "POST /api/v1/cases/:id/extension":
		body = cases.Extension{Reason: "Een getuige is pas over drie weken terug."}
	case "POST /api/v1/cases/:id/further-delay":
		body = furtherDelay(env)
	case "POST /api/v1/cases/:id/not-heard":
		body = cases.NotHeardInput{Side: "respondent", Ground: "waived", Reason: "Brief van 3 maart: ziet af van horen."}
	case "POST /api/v1/cases/:id/statements":
		body = cases.StatementInput{Body: "Mijn kant van het verhaal."}
	case "POST /api/v1/cases/:id/attachments":
		if missing != "" {
			return w.upload(p, strings.Split(path, "/")[4])
		}
		return w.upload(p, f.id)
	case "POST /api/v1/cases/:id/hearings":
		body = hearingPlan(env)
	case "PUT /api/v1/cases/:id/hearings/:hid":
		// The hearing lies ahead: minutes of its preparation, not yet held.
		body = cases.HearingRecord{Version: 1, Minutes: "Vragen voor de hoorzitting."}
	case "POST /api/v1/cases/:id/advice":
		body = adviceInput()
	case "POST /api/v1/cases/:id/decision":
		body = cases.DecisionInput{FollowsAdvice: &yes}
	case "POST /api/v1/cases/:id/withdraw":
		body = cases.Withdrawal{Reason: "Opgelost in een gesprek."}
	case "POST /api/v1/cases/:id/informal-resolution":
		body = cases.InformalResolution{Reason: "Bemiddeld.", ComplainantConsented: true, RespondentConsented: true}
	case "POST /api/v1/cases/:id/legal-hold":
		body = cases.LegalHoldInput{Hold: &yes, Reason: "Er loopt een procedure bij de rechter."}
	case "POST /api/v1/signals/:sid/messages":
		body = conversations.MessageInput{Body: "Dank voor uw melding; wilt u contact opnemen?"}
	case "PUT /api/v1/signals/:sid/abuse":
		body = signals.AbuseInput{Abuse: &yes}
	case "POST /api/v1/data-subject-requests":
		body = map[string]any{"subject_id": w.person("cmp").ID, "requested_by": "De klager, per brief", "identity_check": "Paspoort getoond",
			"received_on": env.Clock.Now().Format(time.DateOnly), "legal_basis": "art15"}
	case "POST /api/v1/data-subject-requests/:request/close":
		body = map[string]any{"outcome": "completed"}
	case "PUT /api/v1/reports/recommendations/:year":
		body = map[string]any{"text": "Meer voorlichting over de klachtregeling.", "version": 0}
	case "POST /api/v1/reports/recommendations/:year/adopt":
		// There must be a text to adopt: the chair writes one first.
		rec := "/api/v1/reports/recommendations/" + strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/reports/recommendations/"), "/adopt")
		var cur struct {
			Latest int `json:"latest_version"`
		}
		env.Must(200, w.person("chr"), "GET", rec, nil).Decode(t, &cur)
		env.Must(200, w.person("chr"), "PUT", rec, map[string]any{"text": "Aanbevelingen van de commissie.", "version": cur.Latest})
		body = map[string]any{}
	default:
		t.Fatalf("matrix line %d: no request for %s: add one to call", r.line, r.route)
	}
	return env.Do(p, r.method, path, body)
}

// callPublic sends a public route's request without a session.
func (w *world) callPublic(method, path string) *apptest.Response {
	env := w.env
	switch method + " " + path {
	case "POST /api/v1/session":
		return env.Do(nil, method, path, map[string]string{"email": w.person("cmp").Email, "password": apptest.Password})
	case "POST /api/v1/signals":
		return env.Do(nil, method, path, signals.SignalInput{Category: "discrimination", Message: "Opmerkingen over afkomst."})
	case "POST /api/v1/password-reset":
		return env.Do(nil, method, path, map[string]string{"email": w.person("cmp").Email})
	case "POST /api/v1/password":
		return env.Do(nil, method, path, map[string]string{"token": "a-link-nobody-was-sent", "password": "een lang nieuw wachtwoord"})
	case "GET /api/v1/oidc/:provider/start", "GET /api/v1/oidc/:provider/callback":
		return env.Do(nil, method, strings.Replace(path, ":provider", "rijk", 1)+"?state=x&code=y", nil)
	case "GET /api/v1/signals/self", "POST /api/v1/signals/self/messages":
		var body *bytes.Reader
		if method == "POST" {
			body = bytes.NewReader([]byte(`{"body":"Het gebeurde opnieuw."}`))
		} else {
			body = bytes.NewReader(nil)
		}
		req, err := http.NewRequest(method, env.Server.URL+path, body)
		if err != nil {
			w.t.Fatal(err)
		}
		req.Header.Set("X-Receipt-Code", w.receipt)
		req.Header.Set("Content-Type", "application/json")
		return env.Send(nil, req)
	case "echo_route_not_found /api/v1":
		return env.Do(nil, "GET", "/api/v1", nil)
	case "echo_route_not_found /api/v1/*":
		return env.Do(nil, "GET", "/api/v1/no-such-thing", nil)
	}
	return env.Do(nil, method, path, nil)
}

// webCSRF is the double-submitted token every web form carries.
var webCSRF = strings.Repeat("matrix-csrf-", 4)

// webDo sends a request to the pages as p (nil: a visitor), with the
// session cookie and, for a form, the CSRF token; redirects are not
// followed. file adds an evidence file to the form.
func (w *world) webDo(p *apptest.Person, method, path string, form url.Values, file bool) *apptest.Response {
	t := w.t
	t.Helper()
	var body io.Reader
	contentType := ""
	if method == http.MethodPost {
		if form == nil {
			form = url.Values{}
		}
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", webCSRF)
		}
		if file {
			b, formType := apptest.FormWithFile(t, form, "verklaring.txt", "text/plain", []byte("Verklaring van een collega.\n"))
			body, contentType = bytes.NewReader(b), formType
		} else {
			body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
		}
	}
	req, err := http.NewRequest(method, w.env.Server.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.AddCookie(&http.Cookie{Name: "rkc_csrf", Value: webCSRF})
	if p != nil {
		req.AddCookie(&http.Cookie{Name: accounts.CookieName, Value: p.Token})
	}
	client := &http.Client{Transport: w.env.Server.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// webCall sends the row's request to the pages as the actor, with a valid
// form, to the case f (nil for pages about no single case).
func (w *world) webCall(r row, who string, f *fixture, missing string) *apptest.Response {
	t := w.t
	t.Helper()
	p := w.person(who)
	path := w.path(r, who, f, missing)
	form := url.Values{}
	file := false
	switch r.route {
	case "GET /session/ping", "GET /dashboard", "GET /my-data", "GET /my-data/export.:format", "GET /complaint",
		"GET /complaint/step/:step", "GET /complaint/review", "GET /cases/:id", "GET /cases/:id/attachments/:aid",
		"GET /deadlines", "GET /committee/signals", "GET /committee/signals/:sid", "GET /audit", "POST /audit/verify",
		"GET /privacy/requests", "GET /privacy/requests/:request", "GET /privacy/requests/:request/export.:format",
		"GET /admin/accounts", "POST /complaint/discard", "GET /reports", "GET /grant-requests", "POST /grant-requests/:rid/confirm",
		"POST /grant-requests/:rid/refuse":
	case "GET /account/two-factor", "GET /account/new-password", "POST /account/new-password":
	case "POST /account/two-factor":
		// The first code of a secret set up in a session of its own (the
		// code rotates it), then the secret taken away again, so that the
		// actor signs in as before in the rows that follow.
		own := w.ownSession(who).as
		if own == nil {
			form.Set("otp", "123456")
			break
		}
		page := w.webDo(own, "GET", path, nil, false)
		m := regexp.MustCompile(`<code class="rkc-secret">([A-Z2-7 ]+)</code>`).FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("web matrix line %d: no secret on the set-up page: %d", r.line, page.Status)
		}
		c, err := totp.GenerateCode(strings.ReplaceAll(string(m[1]), " ", ""), w.env.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		res := w.webDo(own, "POST", path, url.Values{"otp": {c}}, false)
		if err := w.env.App.DB.Exec(`DELETE FROM totp_secrets WHERE person_id = ?`, own.ID).Error; err != nil {
			t.Fatal(err)
		}
		return res
	case "POST /admin/ministries":
		form = url.Values{"code": {"RWS"}, "name": {"Rijkswaterstaat"}}
	case "POST /complaint/step/:step":
		form = url.Values{"category": {"bullying"}, "description": {"Ik word buitengesloten."}, "nav": {"save"}}
	case "POST /complaint/send":
		// A draft to send: the adviser says for whom, then what happened.
		if who == "adv" || who == "adv~" {
			w.webDo(p, "POST", "/complaint/step/behalf", url.Values{"on_behalf": {"other"}, "complainant_email": {w.person("cmp").Email},
				"consent": {"Schriftelijk, 3 maart."}, "consent_given": {"yes"}, "nav": {"save"}}, false)
		}
		w.webDo(p, "POST", "/complaint/step/what", url.Values{"category": {"bullying"}, "description": {"Ik word buitengesloten."}, "nav": {"save"}}, false)
	case "POST /cases/:id/:action", "POST /cases/:id/" + r.variant:
		// A case step: its form by the step's name.
		switch r.variant {
		case "register", "close", "no-such-step":
		case "information-request":
			form.Set("what", "De namen van de getuigen.")
		case "information":
			form.Set("text", "Het voorval was op 3 maart.")
		case "admissibility":
			form.Set("admissible", "yes")
		case "panel":
			form.Set("member", w.person("mem").ID.String())
		case "investigation":
			form.Set("respondent_email", w.person("rsp").Email)
		case "conflict":
			form.Set("reason", "Ik werkte met een partij samen.")
		case "extension":
			form.Set("reason", "Een getuige is pas over drie weken terug.")
		case "further-delay":
			d := furtherDelay(w.env)
			form = url.Values{"new_due_on": {d.NewDueOn}, "consent_received_on": {d.ConsentReceivedOn}, "consent_form": {d.ConsentForm}, "reason": {d.Reason}}
		case "not-heard":
			form = url.Values{"side": {"respondent"}, "ground": {"waived"}, "reason": {"Brief van 3 maart."}}
		case "statement":
			form.Set("body", "Mijn kant van het verhaal.")
		case "attachment":
			file = true
		case "hearing":
			form = url.Values{"date": {w.env.Clock.Now().AddDate(0, 0, 7).Format(time.DateOnly)}, "time": {"10:00"}, "parties": {"both"}, "location": {"Den Haag"}}
		case "advice":
			form = url.Values{"findings": {"De klacht is aannemelijk."}, "measures": {"Een gesprek."}, "judgement-1": {"founded"}}
		case "decision":
			form.Set("follows_advice", "yes")
		case "withdraw":
			form = url.Values{"confirm": {"yes"}, "reason": {"Opgelost."}}
		case "informal-resolution":
			form = url.Values{"reason": {"Bemiddeld."}, "complainant_consented": {"yes"}, "respondent_consented": {"yes"}}
		default:
			t.Fatalf("web matrix line %d: no form for action %q", r.line, r.variant)
		}
	case "POST /cases/:id/hearings/:hid/record":
		form = url.Values{"version": {"1"}, "minutes": {"Vragen voor de hoorzitting."}}
	case "POST /committee/signals/:sid/answer":
		form.Set("body", "Dank voor uw melding.")
	case "POST /committee/signals/:sid/abuse":
		form.Set("abuse", "yes")
	case "POST /privacy/requests":
		form = url.Values{"subject_email": {w.person("cmp").Email}, "requested_by": {"De klager, per brief"},
			"received_on": {w.env.Clock.Now().Format(time.DateOnly)}, "identity_check": {"Paspoort getoond"}, "legal_basis": {"art15"}}
	case "POST /privacy/requests/:request/close":
		form.Set("outcome", "completed")
	case "POST /admin/accounts":
		form = url.Values{"email": {"nieuw-" + strings.NewReplacer("~", "x", "+", "x").Replace(who) + "@matrix.test"}, "name": {"Nieuw Account"},
			"ministry": {"BZK"}}
	case "POST /admin/accounts/:pid/grants":
		form = url.Values{"role": {authz.Reporter}, "domain": {authz.AnyDomain}}
	case "GET /account/sessions", "POST /account/sessions/:session/end", "GET /cases", "GET /admin/accounts/:pid",
		"POST /admin/accounts/:pid/deactivate", "POST /admin/accounts/:pid/activate":
	case "POST /admin/accounts/:pid/grants/withdraw":
		form = url.Values{"role": {authz.Reporter}, "domain": {authz.AnyDomain}}
	case "POST /cases/:id/legal-hold":
		form = url.Values{"hold": {"yes"}, "reason": {"Opgevraagd door de rechtbank."}}
	case "POST /signal/follow/complaint":
		// A fresh signal each time: a signal becomes a complaint only once.
		res := w.env.Do(nil, "POST", "/api/v1/signals", signals.SignalInput{Category: "bullying", Message: "Ik word buitengesloten."})
		code, _ := res.Map(t)["receipt_code"].(string)
		form = url.Values{"code": {code}, "confirm": {"yes"}}
	default:
		t.Fatalf("web matrix line %d: no request for %s: add one to webCall", r.line, r.route)
	}
	if r.method == http.MethodGet {
		form = nil
	}
	return w.webDo(p, r.method, path, form, file)
}

// webPublic sends a public page's request as a visitor.
func (w *world) webPublic(method, path string) *apptest.Response {
	switch method + " " + path {
	case "GET /lang/:lang":
		return w.webDo(nil, "GET", "/lang/en?next=/signal", nil, false)
	case "POST /login":
		return w.webDo(nil, "POST", "/login", url.Values{"email": {w.person("cmp").Email}, "password": {apptest.Password}}, false)
	case "POST /signal":
		return w.webDo(nil, "POST", "/signal", url.Values{"category": {"bullying"}, "message": {"Er wordt gepest."}}, false)
	case "POST /signal/follow":
		return w.webDo(nil, "POST", "/signal/follow", url.Values{"code": {w.receipt}}, false)
	case "POST /signal/follow/message":
		return w.webDo(nil, "POST", "/signal/follow/message", url.Values{"code": {w.receipt}, "body": {"Het gebeurde weer."}}, false)
	case "GET /static/*":
		return w.webDo(nil, "GET", "/static/app.css", nil, false)
	case "GET /password/:token":
		return w.webDo(nil, "GET", "/password/a-link-nobody-was-sent", nil, false)
	case "POST /password/:token":
		return w.webDo(nil, "POST", "/password/a-link-nobody-was-sent", url.Values{"password": {"een lang nieuw wachtwoord"},
			"password_again": {"een lang nieuw wachtwoord"}}, false)
	case "echo_route_not_found /*":
		return w.webDo(nil, "GET", "/no-such-page", nil, false)
	}
	return w.webDo(nil, method, path, nil, false)
}

// webStatus is a web answer as the matrix writes it.
func webStatus(res *apptest.Response) int {
	if res.Status == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login") {
		return toLogin
	}
	return res.Status
}

var (
	uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	idlePattern = regexp.MustCompile(`data-idle-until="\d+"|\b\d{1,2}:\d{2}\b`)
)

// page is a web answer with the ids and the session's end in it made
// anonymous, to compare a hidden object's page with a missing one's.
func page(res *apptest.Response) string {
	b := uuidPattern.ReplaceAll(res.Body, []byte("<id>"))
	return fmt.Sprintf("%d %s", res.Status, idlePattern.ReplaceAll(b, []byte("<time>")))
}

// listed reports whether the case appears in the actor's list of cases.
func (w *world) listed(who, id string) bool {
	for page := 1; ; page++ {
		var out struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		w.env.Must(200, w.person(who), "GET", fmt.Sprintf("/api/v1/cases?perPage=100&page=%d", page), nil).Decode(w.t, &out)
		for _, it := range out.Items {
			if it.ID == id {
				return true
			}
		}
		if len(out.Items) < 100 {
			return false
		}
	}
}

// problem is the part of a problem document that must not tell a hidden
// case from a missing one.
func problem(t *testing.T, r *apptest.Response) string {
	m := r.Map(t)
	return fmt.Sprintf("%v %v %v %v", m["status"], m["type"], m["title"], m["detail"])
}

// check runs one row for the given columns, each on the case of its cast.
func (w *world) check(t *testing.T, r row, cols []actor, castOf func(key string) cast) {
	send, status, same := w.call, func(res *apptest.Response) int { return res.Status }, func(res *apptest.Response) string { return problem(t, res) }
	if r.web {
		send, status, same = w.webCall, webStatus, page
	}
	if r.conv {
		send = w.convCall
		if r.web {
			same = convPage
		}
	}
	for _, a := range cols {
		want := r.want[a.key]
		var f *fixture
		if r.state != "" {
			if r.changesOnSucc && succeeds(want) {
				f = w.build(castOf(a.key), r.state) // a success changes the case: one of its own
			} else {
				f = w.sharedCase(castOf(a.key), r.state)
			}
		}
		res := send(r, a.key, f, "")
		if got := status(res); got != want {
			state := r.state
			if state == "" {
				state = "no case"
			}
			if r.variant != "" {
				state += ":" + r.variant
			}
			body := res.Body
			if r.web && len(body) > 200 {
				body = body[:200]
			}
			t.Errorf("line %d: %s %s (%s) as %s, %s: %d (Location %q), want %d: %s", r.line, r.method, r.path, state, a.key, a.about,
				got, res.Header.Get("Location"), want, body)
			continue
		}
		if want == 404 {
			// Exactly like a missing one: the same answer for an id that
			// names nothing, in the innermost position.
			if missing := innermostID(r.path); missing != "" {
				twin := send(r, a.key, f, missing)
				if got, exp := same(res), same(twin); got != exp {
					t.Errorf("line %d: %s %s as %s: the hidden object answers differently from a missing one:\n%s", r.line, r.method, r.path, a.key, firstDiff(got, exp))
				}
			}
		}
		if strings.HasSuffix(r.route, " /api/v1/cases/:id") || r.route == "GET /cases/:id" {
			if want == 200 || want == 404 {
				if got := w.listed(a.key, f.id); got != (want == 200) {
					t.Errorf("line %d: case listed for %s: %v, want %v", r.line, a.key, got, want == 200)
				}
			}
		}
	}
}

func TestMatrix(t *testing.T) {
	w := newWorld(t)

	t.Run("public", func(t *testing.T) {
		for _, p := range publicRoutes {
			if res := w.callPublic(p.method, p.path); res.Status != p.want {
				t.Errorf("%s %s without a session: %d, want %d: %s", p.method, p.path, res.Status, p.want, res.Body)
			}
		}
	})

	rows := parseMatrix(t, accessMatrix, actors)
	t.Run("access", func(t *testing.T) {
		n := 0
		for _, r := range rows {
			w.check(t, r, actors, func(string) cast { return mainCast })
			n += len(actors)
		}
		t.Logf("access matrix: %d rows × %d actors = %d cells", len(rows), len(actors), n)
	})

	prows := parseMatrix(t, partyMatrix, partyActors)
	t.Run("committee roles as parties", func(t *testing.T) {
		for _, r := range prows {
			w.check(t, r, partyActors, func(k string) cast { return partyCast[k] })
		}
		t.Logf("party matrix: %d rows × %d actors = %d cells", len(prows), len(partyActors), len(prows)*len(partyActors))
	})

	t.Run("web public", func(t *testing.T) {
		for _, p := range webPublicRoutes {
			if res := w.webPublic(p.method, p.path); res.Status != p.want {
				t.Errorf("%s %s as a visitor: %d, want %d: %.200s", p.method, p.path, res.Status, p.want, res.Body)
			}
		}
	})

	crows := parseMatrix(t, conversationMatrix, conversationActors())
	t.Run("conversations", func(t *testing.T) {
		for _, r := range crows {
			w.check(t, r, conversationActors(), func(string) cast { return mainCast })
		}
		t.Logf("conversations matrix: %d rows × %d actors = %d cells", len(crows), len(conversationActors()), len(crows)*len(conversationActors()))
	})

	wcrows := parseMatrix(t, webConversationMatrix, conversationActors())
	t.Run("web conversations", func(t *testing.T) {
		for _, r := range wcrows {
			w.check(t, r, conversationActors(), func(string) cast { return mainCast })
		}
		t.Logf("web conversations matrix: %d rows × %d actors = %d cells", len(wcrows), len(conversationActors()), len(wcrows)*len(conversationActors()))
	})

	wrows := parseMatrix(t, webMatrix, actors)
	t.Run("web", func(t *testing.T) {
		for _, r := range wrows {
			w.check(t, r, actors, func(string) cast { return mainCast })
		}
		t.Logf("web matrix: %d rows × %d actors = %d cells", len(wrows), len(actors), len(wrows)*len(actors))
	})

	// A form without its CSRF token is refused and changes nothing, even
	// from the one who may send it.
	t.Run("web forms need the CSRF token", func(t *testing.T) {
		f := w.build(mainCast, "submitted")
		res := w.webDo(w.person("sec"), "POST", "/cases/"+f.id+"/register", url.Values{"csrf": {"wrong"}}, false)
		if res.Status != http.StatusForbidden {
			t.Errorf("register without the token: %d, want 403", res.Status)
		}
		if st := w.env.Must(200, w.person("sec"), "GET", "/api/v1/cases/"+f.id, nil).Map(t)["state"]; st != "submitted" {
			t.Errorf("the refused form changed the case to %v", st)
		}
	})

	// A member sits on the panel and is then named respondent. The system
	// should refuse to inform a panel member as respondent (a party cannot
	// sit on the panel, docs/design.md §1); where it does not, the member must at
	// least act in the case only as a party.
	t.Run("panel member named respondent", func(t *testing.T) {
		c := cast{name: "lid+vw", complainant: "cmp", adviser: "adv", respondent: "lid+vw", panel: []string{"mem", "lid+vw"}}
		f := w.build(c, "admissible")
		base := "/api/v1/cases/" + f.id
		res := w.env.Do(w.person("sec"), "POST", base+"/investigation", cases.Investigation{RespondentEmail: w.person("lid+vw").Email})
		if res.Status == 409 || res.Status == 400 {
			t.Logf("refused, as it should be: %d %s", res.Status, res.Body)
			return
		}
		if res.Status != 200 {
			t.Fatalf("investigation: %d %s", res.Status, res.Body)
		}
		t.Errorf("a member of the panel was informed as respondent and stays on the panel (want 409 conflict-of-interest)")
		m := w.person("lid+vw")
		if res := w.env.Do(m, "POST", base+"/hearings", hearingPlan(w.env)); res.Status != 403 {
			t.Errorf("the respondent on the panel plans a hearing: %d, want 403", res.Status)
		}
		if res := w.env.Do(m, "POST", base+"/admissibility", map[string]any{"admissible": true}); res.Status != 403 {
			t.Errorf("the respondent on the panel rules on admissibility: %d, want 403", res.Status)
		}
		view := w.env.Must(200, m, "GET", base, nil).Map(t)
		if view["complainant_contact"] != nil || view["relation"] != "respondent" {
			t.Errorf("the respondent on the panel reads the case as %v, with the complainant's contact %v; want the respondent's view without it",
				view["relation"], view["complainant_contact"])
		}
	})
}

// firstDiff shows where two answers part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("…%s…\nversus\n…%s…", a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}

// sequencedEntry is the id of an access log entry in the log's tree.
func (w *world) sequencedEntry() string {
	if _, err := w.env.App.AuditLog.SequenceOnce(w.t.Context()); err != nil {
		w.t.Fatal(err)
	}
	var id int64
	if err := w.env.App.DB.Raw(`SELECT min(entry_id) FROM log_leaves`).Scan(&id).Error; err != nil || id == 0 {
		w.t.Fatalf("no sequenced access log entry: %v", err)
	}
	return strconv.FormatInt(id, 10)
}
