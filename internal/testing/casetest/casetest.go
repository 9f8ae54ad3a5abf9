// Package casetest is the cast of the case tests: one person per part they
// play, signed in on one fresh service (apptest), with the steps that drive
// a case through its life over the HTTP API and the checks the tests of
// internal/cases and internal/conversations share.
package casetest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for OwnerDB
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// Cast is the standard set of people of the case tests, one per part they
// play, all signed in on one fresh service.
type Cast struct {
	E            *apptest.Env
	Complainant  *apptest.Person // BZK
	Complainant2 *apptest.Person // FIN
	Adviser      *apptest.Person // vertrouwenspersoon, BZK
	Respondent   *apptest.Person // BZK
	Secretary    *apptest.Person // committee staff
	Chair        *apptest.Person // works at OCW
	Member       *apptest.Person // works at JenV
	Member2      *apptest.Person // works at BZK, so never on a BZK case
	Authority    *apptest.Person // bevoegd gezag BZK
	AuthorityFIN *apptest.Person // bevoegd gezag FIN
	Reporter     *apptest.Person
	Admin        *apptest.Person
	Privacy      *apptest.Person
}

// NewCast starts the service on a fresh database and creates the cast.
func NewCast(t *testing.T) *Cast {
	t.Helper()
	return CastOn(t, apptest.New(t))
}

// CastOn creates the cast on a service already started (one started with a
// configuration of its own, or for a benchmark).
func CastOn(t testing.TB, e *apptest.Env) *Cast {
	t.Helper()
	g := apptest.Grant
	return &Cast{
		E:            e,
		Complainant:  e.Person("klager@test.rkc", "BZK", g("complainant", "BZK")),
		Complainant2: e.Person("klager2@test.rkc", "FIN", g("complainant", "FIN")),
		Adviser:      e.Person("vertrouwenspersoon@test.rkc", "BZK", g("adviser", "BZK")),
		Respondent:   e.Person("aangeklaagde@test.rkc", "BZK", g("respondent", "BZK")),
		Secretary:    e.Person("secretaris@test.rkc", "BZK", g("secretary", "*")),
		Chair:        e.Person("voorzitter@test.rkc", "OCW", g("chair", "*")),
		Member:       e.Person("lid@test.rkc", "JenV", g("member", "*")),
		Member2:      e.Person("lid2@test.rkc", "BZK", g("member", "*")),
		Authority:    e.Person("gezag-bzk@test.rkc", "BZK", g("authority", "BZK")),
		AuthorityFIN: e.Person("gezag-fin@test.rkc", "FIN", g("authority", "FIN")),
		Reporter:     e.Person("rapportage@test.rkc", "BZK", g("reporter", "*")),
		Admin:        e.Person("beheer@test.rkc", "BZK", g("admin", "*")),
		Privacy:      e.Person("fg@test.rkc", "BZK", g("privacy_officer", "*")),
	}
}

// Texts of the standard complaint, so tests can look for them in answers.
const (
	ContactText   = "06-12345678, privé-adres Voorbeeldstraat 1"
	WitnessText   = "Collega Jansen was erbij"
	ConsentText   = "Klager heeft op 3 maart schriftelijk ingestemd"
	DescriptText  = "Mijn leidinggevende maakt mij herhaaldelijk belachelijk in overleggen."
	Element1Text  = "Belachelijk maken in het teamoverleg"
	Element2Text  = "Uitsluiten van de teamuitjes"
	problemPrefix = "https://rkc.example/problems/"
)

// Complaint is a valid complaint against a respondent at BZK with two elements.
func Complaint() map[string]any { return TaggedComplaint("") }

// TaggedComplaint is Complaint with tag at the end of every free text (the
// description, the elements, when and where, the respondent's name and
// function, the witnesses, the wished outcome, the contact details), so that
// a test can look for the complaint's words wherever they must not go: a
// mail, a log, an export, the database in the clear. An empty tag adds
// nothing.
func TaggedComplaint(tag string) map[string]any {
	tagged := func(text string) string {
		if tag == "" {
			return text
		}
		return text + " " + tag
	}
	return map[string]any{
		"category":       "bullying",
		"description":    tagged(DescriptText),
		"elements":       []string{tagged(Element1Text), tagged(Element2Text)},
		"incident_when":  tagged("voorjaar"),
		"incident_where": tagged("Den Haag"),
		"respondent":     map[string]any{"name": tagged("A. de Vries"), "ministry": "BZK", "function": tagged("afdelingshoofd")},
		"witnesses":      tagged(WitnessText),
		"wished_outcome": tagged("Excuses en een gesprek"),
		"contact":        tagged(ContactText),
	}
}

// File files a complaint as p and returns its id.
func (c *Cast) File(t testing.TB, p *apptest.Person, body map[string]any) string {
	t.Helper()
	r := c.E.Must(201, p, "POST", "/api/v1/cases", body)
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

// Row is a case as stored, read around the API so that a refused request
// can be shown to have changed nothing.
type Row struct {
	State   string
	Version int
}

func (c *Cast) Row(t *testing.T, id string) Row {
	t.Helper()
	var r Row
	if err := c.E.App.DB.Raw(`SELECT state, version FROM cases WHERE id = ?`, id).Scan(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

// Count counts the rows of table matching where.
func (c *Cast) Count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := `SELECT count(*) FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	if err := c.E.App.DB.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Problem checks that r is a problem document with the status and a type
// ending in typ, and returns its field errors.
func Problem(t *testing.T, r *apptest.Response, status int, typ string) map[string]string {
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

// CaseView is the part of a case answer the tests look at.
type CaseView struct {
	ID         string          `json:"id"`
	State      string          `json:"state"`
	Version    int             `json:"version"`
	Relation   string          `json:"relation"`
	Deadline   *cases.Deadline `json:"deadline"`
	ReceivedOn string          `json:"received_on"`
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

// Get reads the case as p, which must be allowed to.
func (c *Cast) Get(t *testing.T, p *apptest.Person, id string) (CaseView, *apptest.Response) {
	t.Helper()
	r := c.E.Must(200, p, "GET", "/api/v1/cases/"+id, nil)
	var v CaseView
	r.Decode(t, &v)
	return v, r
}

// Event is the part of a timeline entry the tests look at.
type Event struct {
	Kind      string `json:"kind"`
	FromState string `json:"from_state"`
	ToState   string `json:"to_state"`
	ActorRole string `json:"actor_role"`
	Reason    string `json:"reason"`
}

// Events reads the timeline as p.
func (c *Cast) Events(t *testing.T, p *apptest.Person, id string) []Event {
	t.Helper()
	var out struct {
		Items []Event `json:"items"`
	}
	c.E.Must(200, p, "GET", "/api/v1/cases/"+id+"/events", nil).Decode(t, &out)
	return out.Items
}

// Kinds lists the kinds of the entries, in order.
func Kinds(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// Post sends a step and expects 200 with the new state.
func (c *Cast) Post(t testing.TB, p *apptest.Person, id, step string, body any, wantState string) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := c.E.Must(200, p, "POST", "/api/v1/cases/"+id+"/"+step, body)
	var out struct {
		State string `json:"state"`
	}
	r.Decode(t, &out)
	if out.State != wantState {
		t.Fatalf("%s: state %s, want %s", step, out.State, wantState)
	}
}

// PlannedAt is a hearing time a day after the service's clock.
func (c *Cast) PlannedAt() string {
	return c.E.Clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
}

// HeldAt is a hearing time that has come: the service's clock itself.
func (c *Cast) HeldAt() string {
	return c.E.Clock.Now().UTC().Format(time.RFC3339Nano)
}

// HearHeld records a hearing of both sides after the fact, as held.
func (c *Cast) HearHeld(t *testing.T, id string) {
	t.Helper()
	c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/hearings",
		map[string]any{"planned_at": c.HeldAt(), "parties": "both", "minutes": "Beide partijen gehoord."})
}

// The steps that drive a case through its life, each by the person who may
// take it.
var (
	StepRegister = func(c *Cast, t *testing.T, id string) { c.Post(t, c.Secretary, id, "register", nil, "registered") }
	StepRequest  = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Secretary, id, "information-request", map[string]any{"what": "De datum van het voorval"}, "awaiting_information")
	}
	StepAdmit = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": true}, "admissible")
	}
	StepRefuse = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": false, "ground": "insufficient_interest",
			"reason": "Het belang is kennelijk onvoldoende"}, "inadmissible")
	}
	StepInvestigate = func(c *Cast, t *testing.T, id string) {
		c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})
		c.Post(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
	}
	StepAdvise = func(c *Cast, t *testing.T, id string) {
		c.HearHeld(t, id)
		c.Post(t, c.Chair, id, "advice", AdviceBody(), "advised")
	}
	StepDecide = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Authority, id, "decision", map[string]any{"follows_advice": true}, "decided")
	}
	StepClose    = func(c *Cast, t *testing.T, id string) { c.Post(t, c.Secretary, id, "close", nil, "closed") }
	StepWithdraw = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Complainant, id, "withdraw", map[string]any{"reason": "Opgelost in de lijn"}, "withdrawn")
	}
	StepResolve = func(c *Cast, t *testing.T, id string) {
		c.Post(t, c.Chair, id, "informal-resolution", map[string]any{"reason": "Bemiddeling geslaagd",
			"complainant_consented": true, "respondent_consented": true}, "resolved_informally")
	}
)

// AdviceBody is an advice judging the standard complaint's two elements.
func AdviceBody() map[string]any {
	return map[string]any{
		"findings": "De opmerkingen zijn gemaakt en waren kwetsend.",
		"measures": "Een gesprek onder begeleiding.",
		"judgements": []map[string]any{
			{"position": 1, "judgement": "founded"},
			{"position": 2, "judgement": "unfounded"},
		},
	}
}

// PathTo lists the steps from submitted to each state.
var PathTo = map[string][]func(*Cast, *testing.T, string){
	"submitted":            nil,
	"registered":           {StepRegister},
	"awaiting_information": {StepRegister, StepRequest},
	"admissible":           {StepRegister, StepAdmit},
	"inadmissible":         {StepRegister, StepRefuse},
	"investigating":        {StepRegister, StepAdmit, StepInvestigate},
	"advised":              {StepRegister, StepAdmit, StepInvestigate, StepAdvise},
	"decided":              {StepRegister, StepAdmit, StepInvestigate, StepAdvise, StepDecide},
	"withdrawn":            {StepRegister, StepWithdraw},
	"resolved_informally":  {StepRegister, StepAdmit, StepInvestigate, StepResolve},
	"closed":               {StepRegister, StepAdmit, StepInvestigate, StepAdvise, StepDecide, StepClose},
}

// CaseIn files the standard complaint as the complainant and drives it to state.
func (c *Cast) CaseIn(t *testing.T, state string) string {
	t.Helper()
	id := c.File(t, c.Complainant, Complaint())
	c.driveTo(t, id, state)
	return id
}

// driveTo takes the just-filed case id through the steps of PathTo to
// state, and checks that it stands there.
func (c *Cast) driveTo(t *testing.T, id, state string) {
	t.Helper()
	steps, ok := PathTo[state]
	if !ok {
		t.Fatalf("no path to %s", state)
	}
	for _, s := range steps {
		s(c, t, id)
	}
	if got := c.Row(t, id).State; got != state {
		t.Fatalf("case in %s, want %s", got, state)
	}
}

// MustJSON is v as JSON.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return b
}

// Upload sends one evidence file as p, as multipart/form-data with the
// part's own content type.
func (c *Cast) Upload(t testing.TB, p *apptest.Person, id, filename, contentType string, content []byte) *apptest.Response {
	t.Helper()
	body, formType := apptest.FileForm(t, filename, contentType, content)
	req, err := http.NewRequest("POST", c.E.Server.URL+"/api/v1/cases/"+id+"/attachments", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", formType)
	return c.E.Send(p, req)
}

// PDF is the smallest content that passes for a PDF.
var PDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// Conv is the standard cast with two witnesses who have accounts, and the
// notices the case service sends, recorded.
type Conv struct {
	*Cast
	Witness, Witness2 *apptest.Person
	mu                sync.Mutex
	notices           []cases.Notice
}

// NewConv starts the service with the standard cast and two witnesses.
func NewConv(t *testing.T) *Conv {
	t.Helper()
	c := &Conv{Cast: NewCast(t)}
	c.Witness = c.E.Person("getuige@test.rkc", "BZK")
	c.Witness2 = c.E.Person("getuige2@test.rkc", "SZW")
	// Every notice still goes to the outbox, in the step's transaction.
	outbox := c.E.App.Cases.Notify
	c.E.App.Cases.Notify = func(ctx context.Context, tx *gorm.DB, n cases.Notice) error {
		c.mu.Lock()
		c.notices = append(c.notices, n)
		c.mu.Unlock()
		if outbox == nil {
			return nil
		}
		return outbox(ctx, tx, n)
	}
	return c
}

// Sent returns the notices of kind sent so far, and forgets them all.
func (c *Conv) Sent(kind string) []cases.Notice {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cases.Notice
	for _, n := range c.notices {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	c.notices = nil
	return out
}

// Recipients lists the people the notices went to, sorted.
func Recipients(ns []cases.Notice) []uuid.UUID {
	var out []uuid.UUID
	for _, n := range ns {
		out = append(out, n.To...)
	}
	return sortIDs(out)
}

// IDs lists the people's ids, sorted as Recipients sorts.
func IDs(ps ...*apptest.Person) []uuid.UUID {
	var out []uuid.UUID
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return sortIDs(out)
}

// sortIDs sorts ids by their text, in place, and returns them: the one
// order of Recipients and IDs, so that the two compare with slices.Equal.
func sortIDs(ids []uuid.UUID) []uuid.UUID {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return ids
}

// CaseIn files the standard complaint through the adviser, on the
// complainant's behalf, and drives it to state: so that both relate to it.
func (c *Conv) CaseIn(t *testing.T, state string) string {
	t.Helper()
	body := Complaint()
	body["complainant_email"] = c.Complainant.Email
	body["consent"] = ConsentText
	id := c.File(t, c.Adviser, body)
	c.driveTo(t, id, state)
	return id
}

// WitnessOut is a witness as the API answers.
type WitnessOut struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Contact    string `json:"contact"`
	ProposedBy string `json:"proposed_by"`
	HasAccount bool   `json:"has_account"`
	Statement  string `json:"statement"`
	Version    int    `json:"version"`
}

// AddWitness adds a witness as the secretary.
func (c *Conv) AddWitness(t *testing.T, id, name string, p *apptest.Person) WitnessOut {
	t.Helper()
	body := map[string]any{"name": name, "contact": "06-" + name, "proposed_by": "complainant"}
	if p != nil {
		body["email"] = p.Email
	}
	var w WitnessOut
	c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/witnesses", body).Decode(t, &w)
	return w
}

// OwnerDB connects as the database owner (a superuser in tests), around the
// application and its role, as an attacker with database access would.
func OwnerDB(t testing.TB, e *apptest.Env) *sql.DB {
	t.Helper()
	return dbtest.OpenSQL(t, e.Config.DatabaseURL)
}
