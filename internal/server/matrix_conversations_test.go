package server_test

// The access matrix of the conversations inside a case (issue 10): threads,
// notes, witnesses and retaliation reports, with two more columns — two
// witnesses of the case, each linked by their account. Every case of this
// table is the main cast's case under investigation, in which the secretary
// added both witnesses, the complainant wrote in their thread with a file
// and filed a retaliation report, and the panel member wrote a note.
//
// The thread of a row is named after the colon of its state: the
// complainant's, the respondent's, or the first witness's ("witness").
// A thread the caller may not see answers 404, like one that does not
// exist; the authority, the reporter, the administrator and the privacy
// officer have no role that reaches any of this (403). The notes are the
// committee's working papers: a party or witness gets 403, a member who is
// not on the panel 404. Retaliation reports go to the chair: the secretary
// and the members get 403; a party reads their own side's, a witness their
// own.

import (
	"net/url"
	"regexp"
	"time"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// witnessActors are the extra columns: both are witnesses of the case.
var witnessActors = []actor{
	{"wit", "SZW", []authz.Grant{grant(authz.Witness, "BZK")}, "witness of the case, whose thread the rows name"},
	{"wit2", "SZW", []authz.Grant{grant(authz.Witness, "BZK")}, "another witness of the same case"},
}

// conversationActors are the columns of conversationMatrix.
func conversationActors() []actor { return append(append([]actor{}, actors...), witnessActors...) }

const conversationMatrix = `
method path                                                  state                     anon cmp  cmp~ adv  adv~ rsp  rsp~ sec  mem  mem~ chr  chr~ ath  ath~c ath~ rep  adm  fg   wit  wit2
GET    /api/v1/cases/:id                                     investigating             401  200  404  200  404  200  404  200  200  404  200  404  404  404   404  403  403  403  200  200
GET    /api/v1/cases/:id/events                              investigating             401  200  404  200  404  200  404  200  200  404  200  404  404  404   404  403  403  403  200  200
GET    /api/v1/cases/:id/threads                             investigating             401  200  404  200  404  200  404  200  200  404  200  404  403  403   403  403  403  403  200  200
GET    /api/v1/cases/:id/threads/:thread                     investigating:complainant 401  200  404  200  404  404  404  200  200  404  200  404  403  403   403  403  403  403  404  404
GET    /api/v1/cases/:id/threads/:thread                     investigating:respondent  401  404  404  404  404  200  404  200  200  404  200  404  403  403   403  403  403  403  404  404
GET    /api/v1/cases/:id/threads/:thread                     investigating:witness     401  404  404  404  404  404  404  200  200  404  200  404  403  403   403  403  403  403  200  404
POST   /api/v1/cases/:id/threads/:thread/messages            investigating:complainant 401  201  404  201  404  404  404  201  201  404  201  404  403  403   403  403  403  403  404  404
POST   /api/v1/cases/:id/threads/:thread/messages            investigating:respondent  401  404  404  404  404  201  404  201  201  404  201  404  403  403   403  403  403  403  404  404
POST   /api/v1/cases/:id/threads/:thread/messages            investigating:witness     401  404  404  404  404  404  404  201  201  404  201  404  403  403   403  403  403  403  201  404
GET    /api/v1/cases/:id/threads/:thread/attachments/:aid    investigating:complainant 401  200  404  200  404  404  404  200  200  404  200  404  403  403   403  403  403  403  404  404
GET    /api/v1/cases/:id/notes                               investigating             401  403  403  403  403  403  403  200  200  404  200  404  403  403   403  403  403  403  403  403
POST   /api/v1/cases/:id/notes                               investigating             401  403  403  403  403  403  403  201  201  404  201  404  403  403   403  403  403  403  403  403
GET    /api/v1/cases/:id/notes/:nid                          investigating             401  403  403  403  403  403  403  200  200  404  200  404  403  403   403  403  403  403  403  403
PUT    /api/v1/cases/:id/notes/:nid                          investigating             401  403  403  403  403  403  403  200  200  404  200  404  403  403   403  403  403  403  403  403
GET    /api/v1/cases/:id/witnesses                           investigating             401  403  403  403  403  403  403  200  200  404  200  404  403  403   403  403  403  403  200  200
POST   /api/v1/cases/:id/witnesses                           investigating             401  403  403  403  403  403  403  201  403  403  403  403  403  403   403  403  403  403  403  403
PUT    /api/v1/cases/:id/witnesses/:wid/statement            investigating             401  403  403  403  403  403  403  200  403  403  403  403  403  403   403  403  403  403  403  403
GET    /api/v1/cases/:id/retaliation                         investigating             401  200  404  200  404  200  404  403  403  403  200  404  403  403   403  403  403  403  200  200
POST   /api/v1/cases/:id/retaliation                         investigating             401  201  404  201  404  201  404  403  403  403  403  403  403  403   403  403  403  403  201  201
GET    /api/v1/cases/:id/retaliation/:rid                    investigating             401  200  404  200  404  404  404  403  403  403  200  404  403  403   403  403  403  403  404  404
POST   /api/v1/cases/:id/retaliation/:rid/state              investigating             401  403  403  403  403  403  403  403  403  403  200  404  403  403   403  403  403  403  403  403
`

// convFixture is what the conversations rows need of a case.
type convFixture struct {
	witness, witness2, messageFile, note, report string
}

// conv adds the conversations to a case under investigation, once.
func (w *world) conv(f *fixture) *convFixture {
	if f.conv != nil {
		return f.conv
	}
	t, env := w.t, w.env
	t.Helper()
	base := "/api/v1/cases/" + f.id
	sec := w.person("sec")
	c := &convFixture{}
	c.witness = env.Must(201, sec, "POST", base+"/witnesses", map[string]any{"name": "Getuige Een", "proposed_by": "complainant",
		"email": w.person("wit").Email}).Map(t)["id"].(string)
	c.witness2 = env.Must(201, sec, "POST", base+"/witnesses", map[string]any{"name": "Getuige Twee", "proposed_by": "respondent",
		"email": w.person("wit2").Email}).Map(t)["id"].(string)
	res := w.message(w.person("cmp"), f.id, "complainant", true)
	if res.Status != 201 {
		t.Fatalf("message with a file: %d %s", res.Status, res.Body)
	}
	c.messageFile = res.Map(t)["attachments"].([]any)[0].(map[string]any)["id"].(string)
	c.note = env.Must(201, w.person("mem"), "POST", base+"/notes", map[string]any{"body": "Eerste indruk van het dossier."}).Map(t)["id"].(string)
	c.report = env.Must(201, w.person("cmp"), "POST", base+"/retaliation", map[string]any{"description": "Ik word buitengesloten sinds mijn klacht."}).Map(t)["id"].(string)
	f.conv = c
	return c
}

// message writes in a thread, with a file when withFile.
func (w *world) message(p *apptest.Person, caseID, thread string, withFile bool) *apptest.Response {
	path := "/api/v1/cases/" + caseID + "/threads/" + thread + "/messages"
	if !withFile {
		return w.env.Do(p, "POST", path, map[string]any{"body": "Een vraag over de hoorzitting."})
	}
	return w.env.Send(p, multipartPost(w.t, w.env.Server.URL+path, url.Values{"body": {"Zie de bijlage."}},
		"brief.txt", "Brief van de leidinggevende.\n"))
}

// convParam is the value of a conversations path parameter on case f.
func (w *world) convParam(r row, f *fixture, name string) (string, bool) {
	c := w.conv(f)
	switch name {
	case ":thread":
		switch r.variant {
		case "complainant", "respondent":
			return r.variant, true
		case "witness":
			return c.witness, true
		}
	case ":aid":
		return c.messageFile, true
	case ":nid":
		return c.note, true
	case ":wid":
		return c.witness, true
	case ":rid":
		return c.report, true
	}
	return "", false
}

// convCall sends a conversations row's request as the actor, with a valid
// body; the other rows of the table go through call.
func (w *world) convCall(r row, who string, f *fixture, missing string) *apptest.Response {
	t, env := w.t, w.env
	t.Helper()
	if r.web {
		return w.webConvCall(r, who, f, missing)
	}
	w.conv(f)
	p := w.person(who)
	path := w.path(r, who, f, missing)
	var body any
	switch r.route {
	case "GET /api/v1/cases/:id", "GET /api/v1/cases/:id/events":
		return w.call(r, who, f, missing)
	case "GET /api/v1/cases/:id/threads", "GET /api/v1/cases/:id/threads/:thread", "GET /api/v1/cases/:id/threads/:thread/attachments/:aid",
		"GET /api/v1/cases/:id/notes", "GET /api/v1/cases/:id/notes/:nid", "GET /api/v1/cases/:id/witnesses",
		"GET /api/v1/cases/:id/retaliation", "GET /api/v1/cases/:id/retaliation/:rid":
	case "POST /api/v1/cases/:id/threads/:thread/messages":
		body = map[string]any{"body": "Een vraag over de hoorzitting."}
	case "POST /api/v1/cases/:id/notes":
		body = map[string]any{"kind": "draft_findings", "body": "Concept van de bevindingen."}
	case "PUT /api/v1/cases/:id/notes/:nid":
		body = map[string]any{"version": 1, "body": "Herziene indruk."}
	case "POST /api/v1/cases/:id/witnesses":
		body = map[string]any{"name": "Getuige Drie", "contact": "06-33333333", "proposed_by": "committee"}
	case "PUT /api/v1/cases/:id/witnesses/:wid/statement":
		body = map[string]any{"version": 1, "statement": "Ik zag het gebeuren."}
	case "POST /api/v1/cases/:id/retaliation":
		body = map[string]any{"description": "Mijn rooster is veranderd na de klacht."}
	case "POST /api/v1/cases/:id/retaliation/:rid/state":
		body = map[string]any{"version": 1, "to": "under_review", "reason": "In behandeling."}
	default:
		t.Fatalf("conversations matrix line %d: no request for %s: add one to convCall", r.line, r.route)
	}
	return env.Do(p, r.method, path, body)
}

// webConversationMatrix: the pages of the conversations (internal/web), on
// the same cases, with the web's answers ("login": 303 to the sign-in page;
// a form that worked: 303 back to its page).
const webConversationMatrix = `
method path                                                  state                     anon  cmp   cmp~  adv   adv~  rsp   rsp~  sec   mem   mem~  chr   chr~  ath   ath~c ath~  rep   adm   fg    wit   wit2
GET    /cases/:id                                            investigating             login 200   404   200   404   200   404   200   200   404   200   404   404   404   404   403   403   403   200   200
GET    /cases/:id/threads/:thread                            investigating:complainant login 200   404   200   404   404   404   200   200   404   200   404   403   403   403   403   403   403   404   404
GET    /cases/:id/threads/:thread                            investigating:witness     login 404   404   404   404   404   404   200   200   404   200   404   403   403   403   403   403   403   200   404
POST   /cases/:id/threads/:thread/messages                   investigating:complainant login 303   404   303   404   404   404   303   303   404   303   404   403   403   403   403   403   403   404   404
POST   /cases/:id/threads/:thread/messages                   investigating:witness     login 404   404   404   404   404   404   303   303   404   303   404   403   403   403   403   403   403   303   404
GET    /cases/:id/threads/:thread/attachments/:aid           investigating:complainant login 200   404   200   404   404   404   200   200   404   200   404   403   403   403   403   403   403   404   404
GET    /cases/:id/notes                                      investigating             login 403   403   403   403   403   403   200   200   404   200   404   403   403   403   403   403   403   403   403
POST   /cases/:id/notes                                      investigating             login 403   403   403   403   403   403   303   303   404   303   404   403   403   403   403   403   403   403   403
POST   /cases/:id/notes/:nid                                 investigating             login 403   403   403   403   403   403   303   303   404   303   404   403   403   403   403   403   403   403   403
GET    /cases/:id/witnesses                                  investigating             login 403   403   403   403   403   403   200   200   404   200   404   403   403   403   403   403   403   200   200
POST   /cases/:id/witnesses                                  investigating             login 403   403   403   403   403   403   303   403   403   403   403   403   403   403   403   403   403   403   403
POST   /cases/:id/witnesses/:wid/statement                   investigating             login 403   403   403   403   403   403   303   403   403   403   403   403   403   403   403   403   403   403   403
POST   /cases/:id/witnesses/:wid/hearing                     investigating             login 403   403   403   403   403   403   303   403   403   403   403   403   403   403   403   403   403   403   403
GET    /cases/:id/retaliation                                investigating             login 200   404   200   404   200   404   403   403   403   200   404   403   403   403   403   403   403   200   200
POST   /cases/:id/retaliation                                investigating             login 303   404   303   404   303   404   403   403   403   403   403   403   403   403   403   403   403   303   303
POST   /cases/:id/retaliation/:rid/state                     investigating             login 403   403   403   403   403   403   403   403   403   303   404   403   403   403   403   403   403   403   403
`

// webConvCall sends a row of webConversationMatrix as the actor, with a
// valid form.
func (w *world) webConvCall(r row, who string, f *fixture, missing string) *apptest.Response {
	t := w.t
	t.Helper()
	w.conv(f)
	form := url.Values{}
	switch r.route {
	case "GET /cases/:id":
		return w.webCall(r, who, f, missing)
	case "GET /cases/:id/threads/:thread", "GET /cases/:id/threads/:thread/attachments/:aid", "GET /cases/:id/notes",
		"GET /cases/:id/witnesses", "GET /cases/:id/retaliation":
		form = nil
	case "POST /cases/:id/threads/:thread/messages":
		form.Set("body", "Een vraag over de hoorzitting.")
	case "POST /cases/:id/notes":
		form = url.Values{"kind": {"note"}, "body": {"Concept van de bevindingen."}}
	case "POST /cases/:id/notes/:nid":
		form = url.Values{"version": {"1"}, "body": {"Herziene indruk."}}
	case "POST /cases/:id/witnesses":
		form = url.Values{"name": {"Getuige Drie"}, "proposed_by": {"committee"}}
	case "POST /cases/:id/witnesses/:wid/statement":
		form = url.Values{"version": {"1"}, "statement": {"Ik zag het gebeuren."}}
	case "POST /cases/:id/witnesses/:wid/hearing":
		form = url.Values{"date": {w.env.Clock.Now().AddDate(0, 0, 7).Format(time.DateOnly)}, "time": {"10:00"}, "location": {"Den Haag"}}
	case "POST /cases/:id/retaliation":
		form.Set("description", "Mijn rooster is veranderd na de klacht.")
	case "POST /cases/:id/retaliation/:rid/state":
		form = url.Values{"version": {"1"}, "to": {"under_review"}, "reason": {"In behandeling."}}
	default:
		t.Fatalf("web conversations matrix line %d: no request for %s: add one to webConvCall", r.line, r.route)
	}
	return w.webDo(w.person(who), r.method, w.path(r, who, f, missing), form, false)
}

// threadName is a thread named by its party in a path.
var threadName = regexp.MustCompile(`(/|%2f)threads(/|%2f)(complainant|respondent)`)

// convPage is page with the thread named by its party made anonymous too:
// the twin of a hidden thread names a thread that does not exist by an id,
// and the pages echo the path (the language switch).
func convPage(res *apptest.Response) string {
	return page(&apptest.Response{Status: res.Status, Header: res.Header, Body: threadName.ReplaceAll(res.Body, []byte("${1}threads${2}<id>"))})
}
