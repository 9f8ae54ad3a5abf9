package cases_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// cast is the standard set of people of the case tests, one per part they
// play, all signed in on one fresh service.
type cast struct {
	e            *apptest.Env
	complainant  *apptest.Person // BZK
	complainant2 *apptest.Person // FIN
	adviser      *apptest.Person // vertrouwenspersoon, BZK
	respondent   *apptest.Person // BZK
	secretary    *apptest.Person // committee staff
	chair        *apptest.Person // works at OCW
	member       *apptest.Person // works at JenV
	member2      *apptest.Person // works at BZK, so never on a BZK case
	authority    *apptest.Person // bevoegd gezag BZK
	authorityFIN *apptest.Person // bevoegd gezag FIN
	reporter     *apptest.Person
	admin        *apptest.Person
	privacy      *apptest.Person
}

// newCast starts the service on a fresh database and creates the cast.
func newCast(t *testing.T) *cast {
	t.Helper()
	e := apptest.New(t)
	g := apptest.Grant
	return &cast{
		e:            e,
		complainant:  e.Person("klager@test.rkc", "BZK", g("complainant", "BZK")),
		complainant2: e.Person("klager2@test.rkc", "FIN", g("complainant", "FIN")),
		adviser:      e.Person("vertrouwenspersoon@test.rkc", "BZK", g("adviser", "BZK")),
		respondent:   e.Person("aangeklaagde@test.rkc", "BZK", g("respondent", "BZK")),
		secretary:    e.Person("secretaris@test.rkc", "BZK", g("secretary", "*")),
		chair:        e.Person("voorzitter@test.rkc", "OCW", g("chair", "*")),
		member:       e.Person("lid@test.rkc", "JenV", g("member", "*")),
		member2:      e.Person("lid2@test.rkc", "BZK", g("member", "*")),
		authority:    e.Person("gezag-bzk@test.rkc", "BZK", g("authority", "BZK")),
		authorityFIN: e.Person("gezag-fin@test.rkc", "FIN", g("authority", "FIN")),
		reporter:     e.Person("rapportage@test.rkc", "BZK", g("reporter", "*")),
		admin:        e.Person("beheer@test.rkc", "BZK", g("admin", "*")),
		privacy:      e.Person("fg@test.rkc", "BZK", g("privacy_officer", "*")),
	}
}

// Texts of the standard complaint, so tests can look for them in answers.
const (
	contactText   = "06-12345678, privé-adres Voorbeeldstraat 1"
	witnessText   = "Collega Jansen was erbij"
	consentText   = "Klager heeft op 3 maart schriftelijk ingestemd"
	descriptText  = "Mijn leidinggevende maakt mij herhaaldelijk belachelijk in overleggen."
	element1Text  = "Belachelijk maken in het teamoverleg"
	element2Text  = "Uitsluiten van de teamuitjes"
	problemPrefix = "https://rkc.example/problems/"
)

// complaint is a valid complaint against a respondent at BZK with two elements.
func complaint() map[string]any {
	return map[string]any{
		"category":       "bullying",
		"description":    descriptText,
		"elements":       []string{element1Text, element2Text},
		"incident_when":  "voorjaar",
		"incident_where": "Den Haag",
		"respondent":     map[string]any{"name": "A. de Vries", "ministry": "BZK", "function": "afdelingshoofd"},
		"witnesses":      witnessText,
		"wished_outcome": "Excuses en een gesprek",
		"contact":        contactText,
	}
}

// file files a complaint as p and returns its id.
func (c *cast) file(t *testing.T, p *apptest.Person, body map[string]any) string {
	t.Helper()
	r := c.e.Must(201, p, "POST", "/api/v1/cases", body)
	var out struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		State  string `json:"state"`
	}
	r.Decode(t, &out)
	if out.State != "submitted" || out.ID == "" || !strings.HasPrefix(out.Number, "RKC-") {
		t.Fatalf("filing answered %s", r.Body)
	}
	return out.ID
}

// row is a case as stored, read around the API so that a refused request
// can be shown to have changed nothing.
type row struct {
	State   string
	Version int
}

func (c *cast) row(t *testing.T, id string) row {
	t.Helper()
	var r row
	if err := c.e.App.DB.Raw(`SELECT state, version FROM cases WHERE id = ?`, id).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

// count counts the rows of table matching where.
func (c *cast) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := `SELECT count(*) FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	if err := c.e.App.DB.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// problem checks that r is a problem document with the status and a type
// ending in typ, and returns its field errors.
func problem(t *testing.T, r *apptest.Response, status int, typ string) map[string]string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body)
	}
	var p struct {
		Type   string            `json:"type"`
		Status int               `json:"status"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem %q: %v", r.Body, err)
	}
	if p.Status != status || !strings.HasPrefix(p.Type, problemPrefix) || !strings.HasSuffix(p.Type, typ) {
		t.Fatalf("problem type %q status %d, want …%s %d: %s", p.Type, p.Status, typ, status, r.Body)
	}
	return p.Errors
}

// caseView is the part of a case answer the tests look at.
type caseView struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Version  int    `json:"version"`
	Relation string `json:"relation"`
	Deadline *struct {
		DueOn           string `json:"due_on"`
		DaysLeft        int    `json:"days_left"`
		WorkingDaysLeft int    `json:"working_days_left"`
		DueSoon         bool   `json:"due_soon"`
		Overdue         bool   `json:"overdue"`
		Extended        bool   `json:"extended"`
		NotHandledDueOn string `json:"not_handled_due_on"`
	} `json:"deadline"`
	ReceivedOn string `json:"received_on"`
	Panel      []struct {
		ID string `json:"id"`
	} `json:"panel"`
	Hearings []struct {
		ID      string `json:"id"`
		Minutes string `json:"minutes"`
		Held    bool   `json:"held"`
		Version int    `json:"version"`
	} `json:"hearings"`
	Elements []struct {
		Position  int    `json:"position"`
		Judgement string `json:"judgement"`
	} `json:"elements"`
	Admissibility *struct {
		Admissible bool   `json:"admissible"`
		Ground     string `json:"ground"`
	} `json:"admissibility"`
	Decision *struct {
		FollowsAdvice bool   `json:"follows_advice"`
		Reasons       string `json:"reasons"`
	} `json:"decision"`
}

// get reads the case as p, which must be allowed to.
func (c *cast) get(t *testing.T, p *apptest.Person, id string) (caseView, *apptest.Response) {
	t.Helper()
	r := c.e.Must(200, p, "GET", "/api/v1/cases/"+id, nil)
	var v caseView
	r.Decode(t, &v)
	return v, r
}

type event struct {
	Kind      string `json:"kind"`
	FromState string `json:"from_state"`
	ToState   string `json:"to_state"`
	ActorRole string `json:"actor_role"`
	Reason    string `json:"reason"`
}

// events reads the timeline as p.
func (c *cast) events(t *testing.T, p *apptest.Person, id string) []event {
	t.Helper()
	var out struct {
		Items []event `json:"items"`
	}
	c.e.Must(200, p, "GET", "/api/v1/cases/"+id+"/events", nil).Decode(t, &out)
	return out.Items
}

func kinds(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// post sends a step and expects 200 with the new state.
func (c *cast) post(t *testing.T, p *apptest.Person, id, step string, body any, wantState string) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := c.e.Must(200, p, "POST", "/api/v1/cases/"+id+"/"+step, body)
	var out struct {
		State string `json:"state"`
	}
	r.Decode(t, &out)
	if out.State != wantState {
		t.Fatalf("%s: state %s, want %s", step, out.State, wantState)
	}
}

// plannedAt is a hearing time a day after the service's clock.
func (c *cast) plannedAt() string {
	return c.e.Clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
}

// heldAt is a hearing time that has come: the service's clock itself.
func (c *cast) heldAt() string {
	return c.e.Clock.Now().UTC().Format(time.RFC3339Nano)
}

// hearHeld records a hearing of both sides after the fact, as held.
func (c *cast) hearHeld(t *testing.T, id string) {
	t.Helper()
	c.e.Must(201, c.secretary, "POST", "/api/v1/cases/"+id+"/hearings",
		map[string]any{"planned_at": c.heldAt(), "parties": "both", "minutes": "Beide partijen gehoord."})
}

// The steps that drive a case through its life, each by the person who may
// take it.
var (
	stepRegister = func(c *cast, t *testing.T, id string) { c.post(t, c.secretary, id, "register", nil, "registered") }
	stepRequest  = func(c *cast, t *testing.T, id string) {
		c.post(t, c.secretary, id, "information-request", map[string]any{"what": "De datum van het voorval"}, "awaiting_information")
	}
	stepAdmit = func(c *cast, t *testing.T, id string) {
		c.post(t, c.chair, id, "admissibility", map[string]any{"admissible": true}, "admissible")
	}
	stepRefuse = func(c *cast, t *testing.T, id string) {
		c.post(t, c.chair, id, "admissibility", map[string]any{"admissible": false, "ground": "insufficient_interest",
			"reason": "Het belang is kennelijk onvoldoende"}, "inadmissible")
	}
	stepInvestigate = func(c *cast, t *testing.T, id string) {
		c.e.Must(200, c.chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.member.ID.String(), c.chair.ID.String()}})
		c.post(t, c.secretary, id, "investigation", map[string]any{"respondent_email": c.respondent.Email}, "investigating")
	}
	stepAdvise = func(c *cast, t *testing.T, id string) {
		c.hearHeld(t, id)
		c.post(t, c.chair, id, "advice", adviceBody(), "advised")
	}
	stepDecide = func(c *cast, t *testing.T, id string) {
		c.post(t, c.authority, id, "decision", map[string]any{"follows_advice": true}, "decided")
	}
	stepClose    = func(c *cast, t *testing.T, id string) { c.post(t, c.secretary, id, "close", nil, "closed") }
	stepWithdraw = func(c *cast, t *testing.T, id string) {
		c.post(t, c.complainant, id, "withdraw", map[string]any{"reason": "Opgelost in de lijn"}, "withdrawn")
	}
	stepResolve = func(c *cast, t *testing.T, id string) {
		c.post(t, c.chair, id, "informal-resolution", map[string]any{"reason": "Bemiddeling geslaagd",
			"complainant_consented": true, "respondent_consented": true}, "resolved_informally")
	}
)

func adviceBody() map[string]any {
	return map[string]any{
		"findings": "De opmerkingen zijn gemaakt en waren kwetsend.",
		"measures": "Een gesprek onder begeleiding.",
		"judgements": []map[string]any{
			{"position": 1, "judgement": "founded"},
			{"position": 2, "judgement": "unfounded"},
		},
	}
}

// pathTo lists the steps from submitted to each state.
var pathTo = map[string][]func(*cast, *testing.T, string){
	"submitted":            nil,
	"registered":           {stepRegister},
	"awaiting_information": {stepRegister, stepRequest},
	"admissible":           {stepRegister, stepAdmit},
	"inadmissible":         {stepRegister, stepRefuse},
	"investigating":        {stepRegister, stepAdmit, stepInvestigate},
	"advised":              {stepRegister, stepAdmit, stepInvestigate, stepAdvise},
	"decided":              {stepRegister, stepAdmit, stepInvestigate, stepAdvise, stepDecide},
	"withdrawn":            {stepRegister, stepWithdraw},
	"resolved_informally":  {stepRegister, stepAdmit, stepInvestigate, stepResolve},
	"closed":               {stepRegister, stepAdmit, stepInvestigate, stepAdvise, stepDecide, stepClose},
}

// caseIn files the standard complaint as the complainant and drives it to state.
func (c *cast) caseIn(t *testing.T, state string) string {
	t.Helper()
	steps, ok := pathTo[state]
	if !ok {
		t.Fatalf("no path to %s", state)
	}
	id := c.file(t, c.complainant, complaint())
	for _, s := range steps {
		s(c, t, id)
	}
	if got := c.row(t, id).State; got != state {
		t.Fatalf("case in %s, want %s", got, state)
	}
	return id
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return b
}

// upload sends one evidence file as p, as multipart/form-data with the
// part's own content type.
func (c *cast) upload(t *testing.T, p *apptest.Person, id, filename, contentType string, content []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(content)
	w.Close()
	req, err := http.NewRequest("POST", c.e.Server.URL+"/api/v1/cases/"+id+"/attachments", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.e.Send(p, req)
}

// pdf is the smallest content that passes for a PDF.
var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
