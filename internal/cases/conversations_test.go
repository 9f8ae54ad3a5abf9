package cases_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Conversations inside a case (issue 10): threads per party, the panel's
// notes, witnesses and retaliation reports, through the HTTP API.

// conv is the standard cast with two witnesses who have accounts, and the
// notices the case service sends, recorded.
type conv struct {
	*cast
	witness, witness2 *apptest.Person
	mu                sync.Mutex
	notices           []cases.Notice
}

func newConv(t *testing.T) *conv {
	t.Helper()
	c := &conv{cast: newCast(t)}
	c.witness = c.e.Person("getuige@test.rkc", "BZK")
	c.witness2 = c.e.Person("getuige2@test.rkc", "SZW")
	// Every notice still goes to the outbox, in the step's transaction.
	outbox := c.e.App.Cases.Notify
	c.e.App.Cases.Notify = func(ctx context.Context, tx *gorm.DB, n cases.Notice) error {
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

// sent returns the notices of kind sent so far, and forgets them all.
func (c *conv) sent(kind string) []cases.Notice {
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

func recipients(ns []cases.Notice) []uuid.UUID {
	var out []uuid.UUID
	for _, n := range ns {
		out = append(out, n.To...)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func ids(ps ...*apptest.Person) []uuid.UUID {
	var out []uuid.UUID
	for _, p := range ps {
		out = append(out, p.ID)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// caseIn files the standard complaint through the adviser, on the
// complainant's behalf, and drives it to state: so that both relate to it.
func (c *conv) caseIn(t *testing.T, state string) string {
	t.Helper()
	body := complaint()
	body["complainant_email"] = c.complainant.Email
	body["consent"] = consentText
	id := c.file(t, c.adviser, body)
	for _, s := range pathTo[state] {
		s(c.cast, t, id)
	}
	if got := c.row(t, id).State; got != state {
		t.Fatalf("case in %s, want %s", got, state)
	}
	return id
}

type witnessOut struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Contact    string `json:"contact"`
	ProposedBy string `json:"proposed_by"`
	HasAccount bool   `json:"has_account"`
	Statement  string `json:"statement"`
	Version    int    `json:"version"`
}

// addWitness adds a witness as the secretary.
func (c *conv) addWitness(t *testing.T, id, name string, p *apptest.Person) witnessOut {
	t.Helper()
	body := map[string]any{"name": name, "contact": "06-" + name, "proposed_by": "complainant"}
	if p != nil {
		body["email"] = p.Email
	}
	var w witnessOut
	c.e.Must(201, c.secretary, "POST", "/api/v1/cases/"+id+"/witnesses", body).Decode(t, &w)
	return w
}

type messageOut struct {
	ID            string `json:"id"`
	Author        string `json:"author"`
	AuthorRole    string `json:"author_role"`
	FromCommittee bool   `json:"from_committee"`
	Body          string `json:"body"`
	Attachments   []struct {
		ID       string `json:"id"`
		Filename string `json:"filename"`
		Size     int64  `json:"size"`
	} `json:"attachments"`
}

type threadOut struct {
	Key      string       `json:"key"`
	Party    string       `json:"party"`
	Messages []messageOut `json:"messages"`
}

type file struct {
	name, contentType string
	content           []byte
}

// postMessage sends a message as multipart/form-data with files; without
// files as JSON.
func (c *conv) postMessage(p *apptest.Person, id, thread, body string, files ...file) *apptest.Response {
	path := "/api/v1/cases/" + id + "/threads/" + thread + "/messages"
	if len(files) == 0 {
		return c.e.Do(p, "POST", path, map[string]any{"body": body})
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("body", body)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.name))
		h.Set("Content-Type", f.contentType)
		part, _ := w.CreatePart(h)
		part.Write(f.content)
	}
	w.Close()
	req, _ := http.NewRequest("POST", c.e.Server.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.e.Send(p, req)
}

func (c *conv) mustPost(t *testing.T, p *apptest.Person, id, thread, body string, files ...file) messageOut {
	t.Helper()
	r := c.postMessage(p, id, thread, body, files...)
	if r.Status != 201 {
		t.Fatalf("%s posts in the %s thread: %d %s", p.Email, thread, r.Status, r.Body)
	}
	var m messageOut
	r.Decode(t, &m)
	return m
}

func (c *conv) thread(t *testing.T, p *apptest.Person, id, thread string) threadOut {
	t.Helper()
	var out threadOut
	c.e.Must(200, p, "GET", "/api/v1/cases/"+id+"/threads/"+thread, nil).Decode(t, &out)
	return out
}

func (c *conv) threadKeys(t *testing.T, p *apptest.Person, id string) []string {
	t.Helper()
	var out struct {
		Items []struct {
			Key      string `json:"key"`
			Messages int    `json:"messages"`
		} `json:"items"`
	}
	c.e.Must(200, p, "GET", "/api/v1/cases/"+id+"/threads", nil).Decode(t, &out)
	var keys []string
	for _, it := range out.Items {
		keys = append(keys, it.Key)
	}
	return keys
}

// TestThreads: each party talks with the committee in a thread of their
// own, with files; nobody else on the parties' side reads it, the timeline
// shows a message only to its side, and the other side hears of it without
// its content.
func TestThreads(t *testing.T) {
	t.Parallel()
	c := newConv(t)
	id := c.caseIn(t, "investigating")
	w1 := c.addWitness(t, id, "Jansen", c.witness)
	w2 := c.addWitness(t, id, "Pietersen", c.witness2)
	c.sent("")

	// The complainant writes with a file; the secretary answers.
	const secret = "Mijn leidinggevende belde mij gisteren thuis op."
	m := c.mustPost(t, c.complainant, id, "complainant", secret, file{"verslag.pdf", "application/pdf", pdf})
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "verslag.pdf" || m.FromCommittee || m.AuthorRole != "complainant" {
		t.Fatalf("posted message %+v", m)
	}
	// No committee member wrote in the thread yet: the secretaries hear
	// of it, and so does the adviser.
	if got, want := recipients(c.sent("message_received")), ids(c.secretary, c.adviser); !slices.Equal(got, want) {
		t.Errorf("the complainant's message was told to %v, want the secretary and the adviser %v", got, want)
	}
	c.mustPost(t, c.secretary, id, "complainant", "Dank u, wij nemen dit mee in het onderzoek.")
	if got, want := recipients(c.sent("message_received")), ids(c.complainant, c.adviser); !slices.Equal(got, want) {
		t.Errorf("the secretary's message was told to %v, want %v", got, want)
	}
	c.mustPost(t, c.adviser, id, "complainant", "Namens klager: aanvulling volgt.")
	if got, want := recipients(c.sent("message_received")), ids(c.secretary, c.complainant); !slices.Equal(got, want) {
		t.Errorf("the adviser's message was told to %v, want the secretary who wrote before and the complainant %v", got, want)
	}
	c.mustPost(t, c.respondent, id, "respondent", "Ik wil graag mijn kant toelichten.")
	c.mustPost(t, c.member, id, w1.ID, "Kunt u op 3 maart komen?")
	if got := recipients(c.sent("message_received")); !slices.Contains(got, c.witness.ID) {
		t.Errorf("the witness was not told of the member's message: %v", got)
	}
	c.mustPost(t, c.witness, id, w1.ID, "Ja, dat kan.")

	// Who sees which thread.
	if got := c.threadKeys(t, c.secretary, id); !slices.Equal(got, []string{"complainant", "respondent", w1.ID, w2.ID}) {
		t.Errorf("the secretary sees threads %v", got)
	}
	for p, want := range map[*apptest.Person][]string{c.complainant: {"complainant"}, c.adviser: {"complainant"},
		c.respondent: {"respondent"}, c.witness: {w1.ID}, c.witness2: {w2.ID}} {
		if got := c.threadKeys(t, p, id); !slices.Equal(got, want) {
			t.Errorf("%s sees threads %v, want %v", p.Email, got, want)
		}
	}
	th := c.thread(t, c.adviser, id, "complainant")
	if len(th.Messages) != 3 || th.Messages[0].Body != secret || !th.Messages[1].FromCommittee {
		t.Errorf("the adviser reads the complainant's thread as %+v", th)
	}
	type try struct {
		p      *apptest.Person
		thread string
		want   int
	}
	for _, tr := range []try{
		{c.respondent, "complainant", 404}, {c.complainant, "respondent", 404}, {c.complainant, w1.ID, 404},
		{c.witness, "complainant", 404}, {c.witness, "respondent", 404}, {c.witness, w2.ID, 404}, {c.witness2, w1.ID, 404},
		{c.respondent, uuid.NewString(), 404}, {c.secretary, uuid.NewString(), 404},
		{c.member2, "complainant", 404}, {c.complainant2, "complainant", 404},
		{c.authority, "complainant", 403}, {c.reporter, "complainant", 403}, {c.privacy, "complainant", 403}, {c.admin, "complainant", 403},
		{c.chair, "respondent", 200}, {c.member, w2.ID, 200}, {c.witness2, w2.ID, 200},
	} {
		r := c.e.Do(tr.p, "GET", "/api/v1/cases/"+id+"/threads/"+tr.thread, nil)
		if r.Status != tr.want {
			t.Errorf("%s reads thread %s: %d, want %d: %s", tr.p.Email, tr.thread, r.Status, tr.want, r.Body)
		}
		if tr.want == 404 && strings.Contains(string(r.Body), secret) {
			t.Errorf("the refusal holds the message")
		}
		if tr.want != 200 {
			if r := c.postMessage(tr.p, id, tr.thread, "Mag ik meelezen?"); r.Status != tr.want {
				t.Errorf("%s writes in thread %s: %d, want %d", tr.p.Email, tr.thread, r.Status, tr.want)
			}
		}
	}
	// A hidden thread answers exactly like one that does not exist.
	hidden := c.e.Do(c.respondent, "GET", "/api/v1/cases/"+id+"/threads/complainant", nil)
	missing := c.e.Do(c.respondent, "GET", "/api/v1/cases/"+id+"/threads/"+uuid.NewString(), nil)
	if a, b := problemText(t, hidden), problemText(t, missing); a != b {
		t.Errorf("a hidden thread answers %q, a missing one %q", a, b)
	}

	// The file comes back to the thread's side and the committee only.
	att := "/api/v1/cases/" + id + "/threads/complainant/attachments/" + m.Attachments[0].ID
	if r := c.e.Must(200, c.chair, "GET", att, nil); !bytes.Equal(r.Body, pdf) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the chair downloads %q with %q", r.Body, r.Header.Get("Content-Disposition"))
	}
	c.e.Must(200, c.complainant, "GET", att, nil)
	for p, want := range map[*apptest.Person]int{c.respondent: 404, c.witness: 404, c.member2: 404, c.authority: 403} {
		if r := c.e.Do(p, "GET", att, nil); r.Status != want {
			t.Errorf("%s downloads the complainant's file: %d, want %d", p.Email, r.Status, want)
		}
	}
	// Asked through another thread, the file is not there.
	other := "/api/v1/cases/" + id + "/threads/respondent/attachments/" + m.Attachments[0].ID
	if r := c.e.Do(c.chair, "GET", other, nil); r.Status != 404 {
		t.Errorf("the complainant's file through the respondent's thread: %d, want 404", r.Status)
	}

	// The timeline: the committee sees every message, a side only its own.
	count := func(p *apptest.Person) int {
		n := 0
		for _, e := range c.events(t, p, id) {
			if e.Kind == "message_posted" {
				n++
			}
		}
		return n
	}
	for p, want := range map[*apptest.Person]int{c.secretary: 6, c.member: 6, c.complainant: 3, c.adviser: 3, c.respondent: 1, c.witness: 2, c.witness2: 0} {
		if got := count(p); got != want {
			t.Errorf("%s sees %d messages on the timeline, want %d", p.Email, got, want)
		}
	}
	// A witness's timeline holds nothing of the case beyond their part.
	for _, e := range c.events(t, c.witness, id) {
		if !slices.Contains([]string{"witness_added", "message_posted"}, e.Kind) {
			t.Errorf("the witness's timeline shows %s", e.Kind)
		}
	}

	// Sealed like the rest, and bound to the row: a body copied onto
	// another message does not decrypt.
	if n := c.count(t, "messages", "position(convert_to(?, 'UTF8') in body_enc) > 0", secret); n != 0 {
		t.Errorf("a message body is stored in the clear")
	}
	if err := c.e.App.DB.Exec(`UPDATE messages SET body_enc = (SELECT body_enc FROM messages WHERE author_id = ? LIMIT 1)
		WHERE author_id = ?`, c.complainant.ID, c.secretary.ID).Error; err != nil {
		t.Fatal(err)
	}
	if r := c.e.Do(c.complainant, "GET", "/api/v1/cases/"+id+"/threads/complainant", nil); r.Status != 500 || strings.Contains(string(r.Body), secret) {
		t.Errorf("a body moved to another message reads as %d %s, want 500 without it", r.Status, r.Body)
	}
}

// problemText is the part of a problem document that must not tell a
// hidden thing from a missing one.
func problemText(t *testing.T, r *apptest.Response) string {
	m := r.Map(t)
	return fmt.Sprintf("%v %v %v %v", m["status"], m["type"], m["title"], m["detail"])
}

// TestMessageRules: what a message may be, and when.
func TestMessageRules(t *testing.T) {
	t.Parallel()
	c := newConv(t)
	id := c.caseIn(t, "registered")
	// Before the respondent is informed, there is no respondent's thread.
	if r := c.e.Do(c.secretary, "GET", "/api/v1/cases/"+id+"/threads/respondent", nil); r.Status != 404 {
		t.Errorf("the respondent's thread before the respondent is informed: %d", r.Status)
	}
	problem(t, c.postMessage(c.complainant, id, "complainant", ""), 400, "validation")
	problem(t, c.postMessage(c.complainant, id, "complainant", "Zie bijlage", file{"x.pdf", "application/pdf", []byte("MZ\x90\x00 not a pdf")}), 415, "content-mismatch")
	problem(t, c.postMessage(c.complainant, id, "complainant", "Zie bijlage", file{"x.html", "text/html", []byte("<script>")}), 415, "unsupported-file-type")
	six := make([]file, 6)
	for i := range six {
		six[i] = file{fmt.Sprintf("%d.txt", i), "text/plain", []byte("tekst")}
	}
	problem(t, c.postMessage(c.complainant, id, "complainant", "Zes bestanden", six...), 400, "validation")
	if n := c.count(t, "messages", "case_id = ?", id); n != 0 {
		t.Fatalf("refused messages were stored: %d", n)
	}
	// A message does not change the case's version: nobody's open form
	// goes stale because of it.
	before := c.row(t, id)
	c.mustPost(t, c.complainant, id, "complainant", "Een vraag over de procedure.")
	if after := c.row(t, id); after != before {
		t.Errorf("a message changed the case: %+v → %+v", before, after)
	}
	stepRefuse(c.cast, t, id)
	stepClose(c.cast, t, id)
	problem(t, c.postMessage(c.complainant, id, "complainant", "Nog één ding."), 409, "case-closed")
	// The thread stays readable.
	if th := c.thread(t, c.complainant, id, "complainant"); len(th.Messages) != 1 {
		t.Errorf("after closing the thread holds %d messages", len(th.Messages))
	}
}

type noteOut struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Versions []struct {
		Version int    `json:"version"`
		Body    string `json:"body"`
		Author  string `json:"author"`
	} `json:"versions"`
}

// TestNotes: the panel's working papers are versioned, guarded against
// lost edits, seen by the panel, the chair and the secretary only, logged
// as working papers, and absent from every party's view, timeline and
// export.
func TestNotes(t *testing.T) {
	t.Parallel()
	c := newConv(t)
	id := c.caseIn(t, "investigating")
	c.addWitness(t, id, "Jansen", c.witness)
	const draft = "Concept: de verklaringen van klager zijn consistent, die van verweerder niet."
	const edited = "Concept, herzien: beide verklaringen zijn deels consistent."
	var n noteOut
	c.e.Must(201, c.member, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"kind": "draft_findings", "title": "Bevindingen", "body": draft}).Decode(t, &n)
	if n.Version != 1 || n.Kind != "draft_findings" {
		t.Fatalf("note %+v", n)
	}
	var n2 noteOut
	c.e.Must(200, c.chair, "PUT", "/api/v1/cases/"+id+"/notes/"+n.ID, map[string]any{"version": 1, "title": "Bevindingen", "body": edited}).Decode(t, &n2)
	if n2.Version != 2 || n2.Body != edited {
		t.Fatalf("edited note %+v", n2)
	}
	// The member still holds version 1: their edit would overwrite the
	// chair's, so it is refused and nothing changes.
	problem(t, c.e.Do(c.member, "PUT", "/api/v1/cases/"+id+"/notes/"+n.ID, map[string]any{"version": 1, "body": "Mijn versie"}), 409, "stale-version")
	c.e.Must(201, c.secretary, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"body": "Getuige Jansen bellen."})
	var one noteOut
	c.e.Must(200, c.secretary, "GET", "/api/v1/cases/"+id+"/notes/"+n.ID, nil).Decode(t, &one)
	if one.Version != 2 || len(one.Versions) != 2 || one.Versions[0].Body != edited || one.Versions[1].Body != draft {
		t.Errorf("the note with its versions: %+v", one)
	}
	var list struct{ Items []noteOut }
	c.e.Must(200, c.member, "GET", "/api/v1/cases/"+id+"/notes", nil).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].Body != edited {
		t.Errorf("the notes: %+v", list.Items)
	}
	// A saved version is never changed, not even by the application's own
	// database role.
	if err := c.e.App.DB.Exec(`UPDATE note_versions SET author_id = author_id`).Error; err == nil {
		t.Errorf("a saved version of a note could be changed")
	}

	// Who reads them.
	for p, want := range map[*apptest.Person]int{c.member: 200, c.chair: 200, c.secretary: 200, c.member2: 404,
		c.complainant: 403, c.adviser: 403, c.respondent: 403, c.witness: 403, c.authority: 403, c.reporter: 403, c.privacy: 403, c.admin: 403} {
		for _, path := range []string{"/notes", "/notes/" + n.ID} {
			if r := c.e.Do(p, "GET", "/api/v1/cases/"+id+path, nil); r.Status != want {
				t.Errorf("%s GET %s: %d, want %d", p.Email, path, r.Status, want)
			}
		}
		if want != 200 {
			if r := c.e.Do(p, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"body": "x"}); r.Status != want {
				t.Errorf("%s writes a note: %d, want %d", p.Email, r.Status, want)
			}
		}
	}
	// The access log marks them as working papers.
	var actions []string
	// (The log names the case through its sealed key handle.)
	c.e.App.DB.Raw(`SELECT DISTINCT action FROM access_log WHERE key_handle = (SELECT handle FROM log_case_keys WHERE case_id = ?)
		AND action LIKE 'case:note:%' ORDER BY 1`, id).Scan(&actions)
	if !slices.Equal(actions, []string{"case:note:read", "case:note:write"}) {
		t.Errorf("the access log names notes as %v", actions)
	}

	// No trace in what a party sees or takes home.
	stepAdvise(c.cast, t, id)
	stepDecide(c.cast, t, id)
	for _, p := range []*apptest.Person{c.complainant, c.adviser, c.respondent, c.witness, c.authority} {
		for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events", "/api/v1/me/export", "/api/v1/me/export?format=pdf"} {
			r := c.e.Must(200, p, "GET", path, nil)
			for _, s := range []string{draft, edited, "Bevindingen", "Getuige Jansen bellen", "note_written", "note_edited"} {
				if bytes.Contains(r.Body, []byte(s)) {
					t.Errorf("%s GET %s shows %q", p.Email, path, s)
				}
			}
		}
	}
	// Not even on the privacy officer's data-subject run for the complainant.
	c.e.OpenDataSubjectRequest(c.privacy.ID, c.complainant.ID)
	r := c.e.Must(200, c.privacy, "GET", "/api/v1/persons/"+c.complainant.ID.String()+"/export", nil)
	if bytes.Contains(r.Body, []byte(edited)) || bytes.Contains(r.Body, []byte(draft)) {
		t.Errorf("the complainant's export by the privacy officer holds the panel's note")
	}
	// Nor in a panel member's own export: working papers, not their data.
	r = c.e.Must(200, c.member, "GET", "/api/v1/me/export", nil)
	if bytes.Contains(r.Body, []byte(edited)) || bytes.Contains(r.Body, []byte(draft)) {
		t.Errorf("the member's export holds the panel's note")
	}
}

// TestWitnesses: the secretary adds witnesses, invites one to a hearing and
// records their statement; the witness sees only their own part.
func TestWitnesses(t *testing.T) {
	t.Parallel()
	c := newConv(t)
	id := c.caseIn(t, "investigating")
	base := "/api/v1/cases/" + id

	// Refused: a party, a member of the panel, someone without an account,
	// the same person twice; a role that may not.
	for _, p := range []*apptest.Person{c.complainant, c.respondent, c.member} {
		problem(t, c.e.Do(c.secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee", "email": p.Email}), 400, "validation")
	}
	problem(t, c.e.Do(c.secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee", "email": "niemand@test.rkc"}), 400, "validation")
	problem(t, c.e.Do(c.secretary, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "de buurman"}), 400, "validation")
	for _, p := range []*apptest.Person{c.chair, c.member, c.complainant, c.respondent} {
		if r := c.e.Do(p, "POST", base+"/witnesses", map[string]any{"name": "X", "proposed_by": "committee"}); r.Status != 403 {
			t.Errorf("%s adds a witness: %d, want 403", p.Email, r.Status)
		}
	}
	w1 := c.addWitness(t, id, "Jansen", c.witness)
	if got := recipients(c.sent("witness_added")); !slices.Equal(got, ids(c.witness)) {
		t.Errorf("witness_added told %v", got)
	}
	w2 := c.addWitness(t, id, "Pietersen", c.witness2)
	w3 := c.addWitness(t, id, "De Boer", nil) // reached by telephone
	if !w1.HasAccount || w3.HasAccount || w3.Contact != "06-De Boer" {
		t.Errorf("witnesses %+v %+v", w1, w3)
	}
	problem(t, c.e.Do(c.secretary, "POST", base+"/witnesses", map[string]any{"name": "Jansen", "proposed_by": "committee", "email": c.witness.Email}), 400, "validation")
	// A member of the committee who witnessed the behaviour cannot sit on
	// the panel.
	lid3 := c.e.Person("lid3@test.rkc", "AZ", apptest.Grant("member", "*"))
	c.addWitness(t, id, "Lid drie", lid3)
	errs := problem(t, c.e.Do(c.chair, "POST", base+"/panel", map[string]any{"member_ids": []string{c.member.ID.String(), lid3.ID.String()}}), 409, "conflict-of-interest")
	if errs[lid3.ID.String()] != "is a witness in the case" {
		t.Errorf("panel refused with %v", errs)
	}

	// A hearing of the witness, and their statement.
	var h struct {
		ID        string `json:"id"`
		Version   int    `json:"version"`
		WitnessID string `json:"witness_id"`
	}
	c.e.Must(201, c.secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.plannedAt(), "parties": "witness",
		"witness_id": w1.ID, "location": "Den Haag, zaal 3"}).Decode(t, &h)
	if h.WitnessID != w1.ID {
		t.Errorf("the hearing names witness %q", h.WitnessID)
	}
	if got := recipients(c.sent("hearing_planned")); !slices.Equal(got, ids(c.witness)) {
		t.Errorf("the witness hearing was told to %v", got)
	}
	problem(t, c.e.Do(c.secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.plannedAt(), "parties": "both", "witness_id": w1.ID}), 400, "validation")
	problem(t, c.e.Do(c.secretary, "POST", base+"/hearings", map[string]any{"planned_at": c.plannedAt(), "parties": "witness", "witness_id": uuid.NewString()}), 400, "validation")
	c.e.Must(200, c.member, "PUT", base+"/hearings/"+h.ID, map[string]any{"version": 1, "minutes": "Getuige Jansen gehoord."})
	const statement = "Ik zag op 3 maart dat de leidinggevende klager uitlachte in het overleg."
	var st witnessOut
	c.e.Must(200, c.secretary, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 1, "statement": statement}).Decode(t, &st)
	if st.Version != 2 || st.Statement != statement {
		t.Errorf("recorded statement %+v", st)
	}
	problem(t, c.e.Do(c.secretary, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 1, "statement": "Oud"}), 409, "stale-version")
	problem(t, c.e.Do(c.secretary, "PUT", base+"/witnesses/"+uuid.NewString()+"/statement", map[string]any{"version": 1, "statement": "x"}), 404, "not-found")
	c.e.Must(200, c.secretary, "PUT", base+"/witnesses/"+w2.ID+"/statement", map[string]any{"version": 1, "statement": "Ik was er niet bij."})
	if r := c.e.Do(c.member, "PUT", base+"/witnesses/"+w1.ID+"/statement", map[string]any{"version": 2, "statement": "x"}); r.Status != 403 {
		t.Errorf("a member records a statement: %d, want 403", r.Status)
	}

	// The committee reads every witness; a witness only themself.
	var all struct{ Items []witnessOut }
	c.e.Must(200, c.member, "GET", base+"/witnesses", nil).Decode(t, &all)
	if len(all.Items) != 4 {
		t.Errorf("the panel sees %d witnesses", len(all.Items))
	}
	var mine struct{ Items []witnessOut }
	c.e.Must(200, c.witness, "GET", base+"/witnesses", nil).Decode(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != w1.ID || mine.Items[0].Statement != statement {
		t.Errorf("the witness sees %+v", mine.Items)
	}
	for p, want := range map[*apptest.Person]int{c.complainant: 403, c.respondent: 403, c.member2: 404, c.authority: 403} {
		if r := c.e.Do(p, "GET", base+"/witnesses", nil); r.Status != want {
			t.Errorf("%s lists the witnesses: %d, want %d", p.Email, r.Status, want)
		}
	}

	// The case as the witness sees it: their hearing and statement, nothing
	// of the complaint, nothing of the other witness.
	r := c.e.Must(200, c.witness, "GET", base, nil)
	var v struct {
		Relation    string `json:"relation"`
		Category    string `json:"category"`
		Description string `json:"description"`
		Elements    []any  `json:"elements"`
		Hearings    []struct {
			ID       string `json:"id"`
			Minutes  string `json:"minutes"`
			Location string `json:"location"`
		} `json:"hearings"`
		Witness *witnessOut `json:"witness"`
	}
	r.Decode(t, &v)
	if v.Relation != "witness" || v.Category != "" || v.Description != "" || len(v.Elements) != 0 {
		t.Errorf("the witness reads the case as %s", r.Body)
	}
	if len(v.Hearings) != 1 || v.Hearings[0].ID != h.ID || v.Hearings[0].Location != "Den Haag, zaal 3" || v.Hearings[0].Minutes == "" {
		t.Errorf("the witness sees hearings %+v", v.Hearings)
	}
	if v.Witness == nil || v.Witness.Statement != statement {
		t.Errorf("the witness does not see their statement: %+v", v.Witness)
	}
	for _, s := range []string{descriptText, contactText, witnessText, element1Text, "Ik was er niet bij", "Pietersen", "Beide partijen"} {
		if bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("the witness's view holds %q", s)
		}
	}
	r2 := c.e.Must(200, c.witness2, "GET", base, nil)
	if bytes.Contains(r2.Body, []byte(statement)) || bytes.Contains(r2.Body, []byte(h.ID)) {
		t.Errorf("the second witness sees the first's statement or hearing")
	}
	// The case is in each witness's list, without what it is about.
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Category string `json:"category"`
		} `json:"items"`
	}
	c.e.Must(200, c.witness, "GET", "/api/v1/cases", nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id || list.Items[0].Category != "" {
		t.Errorf("the witness's list: %+v", list.Items)
	}
	// The parties do not see the witness hearing or who the witnesses are.
	for _, p := range []*apptest.Person{c.complainant, c.respondent} {
		r := c.e.Must(200, p, "GET", base, nil)
		if bytes.Contains(r.Body, []byte(h.ID)) || bytes.Contains(r.Body, []byte("Jansen gehoord")) || bytes.Contains(r.Body, []byte(statement)) {
			t.Errorf("%s sees the witness hearing or statement", p.Email)
		}
		for _, e := range c.events(t, p, id) {
			if strings.HasPrefix(e.Kind, "witness_") {
				t.Errorf("%s sees %s on the timeline", p.Email, e.Kind)
			}
		}
	}
	// Sealed and bound to their row.
	for _, s := range []string{"Jansen", statement} {
		if n := c.count(t, "witnesses", "position(convert_to(?, 'UTF8') in name_enc) > 0 OR position(convert_to(?, 'UTF8') in coalesce(statement_enc, '')) > 0", s, s); n != 0 {
			t.Errorf("%q is stored in the clear", s)
		}
	}
	// The witness's own export: their record and statement, nothing else.
	exp := c.e.Must(200, c.witness, "GET", "/api/v1/me/export", nil)
	if !bytes.Contains(exp.Body, []byte(statement)) || bytes.Contains(exp.Body, []byte(descriptText)) || bytes.Contains(exp.Body, []byte("Pietersen")) {
		t.Errorf("the witness's export: %s", exp.Body)
	}
	// After the advice, no more witness work.
	stepAdvise(c.cast, t, id)
	problem(t, c.e.Do(c.secretary, "POST", base+"/witnesses", map[string]any{"name": "Laat", "proposed_by": "committee"}), 409, "case-not-open")
}

type retaliationOut struct {
	ID             string `json:"id"`
	Side           string `json:"side"`
	State          string `json:"state"`
	Version        int    `json:"version"`
	Description    string `json:"description"`
	Recommendation string `json:"recommendation"`
	Reporter       string `json:"reporter"`
	History        []struct {
		FromState string `json:"from_state"`
		ToState   string `json:"to_state"`
		ActorRole string `json:"actor_role"`
		Reason    string `json:"reason"`
	} `json:"history"`
}

// TestRetaliation: a report walked through its states by the chair, seen by
// its reporter and the chair only, and counted in the annual report of the
// year it was filed.
func TestRetaliation(t *testing.T) {
	t.Parallel()
	c := newConv(t)
	id := c.caseIn(t, "investigating")
	base := "/api/v1/cases/" + id
	c.addWitness(t, id, "Jansen", c.witness)
	c.addWitness(t, id, "Pietersen", c.witness2)
	c.sent("")

	const text = "Sinds mijn klacht word ik niet meer uitgenodigd voor het werkoverleg en is mijn beoordeling verlaagd."
	var rep retaliationOut
	c.e.Must(201, c.complainant, "POST", base+"/retaliation", map[string]any{"description": text}).Decode(t, &rep)
	if rep.State != "received" || rep.Side != "complainant" || rep.Version != 1 {
		t.Fatalf("report %+v", rep)
	}
	if got := recipients(c.sent("retaliation_reported")); !slices.Equal(got, ids(c.chair)) {
		t.Errorf("the report was told to %v, want the chair", got)
	}
	var wrep retaliationOut
	c.e.Must(201, c.witness, "POST", base+"/retaliation", map[string]any{"description": "Mijn collega's mijden mij sinds mijn verklaring."}).Decode(t, &wrep)
	if wrep.Side != "witness" {
		t.Errorf("the witness's report has side %s", wrep.Side)
	}
	problem(t, c.e.Do(c.complainant, "POST", base+"/retaliation", map[string]any{"description": ""}), 400, "validation")
	for p, want := range map[*apptest.Person]int{c.secretary: 403, c.member: 403, c.authority: 403, c.complainant2: 404, c.reporter: 403} {
		if r := c.e.Do(p, "POST", base+"/retaliation", map[string]any{"description": "x"}); r.Status != want {
			t.Errorf("%s reports retaliation: %d, want %d", p.Email, r.Status, want)
		}
	}

	// Who reads it: the chair and the reporter's side; nobody else.
	for p, want := range map[*apptest.Person]int{c.chair: 200, c.complainant: 200, c.adviser: 200,
		c.respondent: 404, c.witness: 404, c.witness2: 404, c.secretary: 403, c.member: 403, c.member2: 403, c.authority: 403} {
		r := c.e.Do(p, "GET", base+"/retaliation/"+rep.ID, nil)
		if r.Status != want {
			t.Errorf("%s reads the complainant's report: %d, want %d", p.Email, r.Status, want)
		}
		if want != 200 && bytes.Contains(r.Body, []byte(text)) {
			t.Errorf("the refusal holds the report")
		}
	}
	lists := map[*apptest.Person]int{c.chair: 2, c.complainant: 1, c.adviser: 1, c.respondent: 0, c.witness: 1}
	for p, want := range lists {
		var l struct{ Items []retaliationOut }
		c.e.Must(200, p, "GET", base+"/retaliation", nil).Decode(t, &l)
		if len(l.Items) != want {
			t.Errorf("%s lists %d reports, want %d", p.Email, len(l.Items), want)
		}
	}

	// The chair's handling, step by step.
	move := func(who *apptest.Person, body map[string]any) *apptest.Response {
		return c.e.Do(who, "POST", base+"/retaliation/"+rep.ID+"/state", body)
	}
	for _, p := range []*apptest.Person{c.secretary, c.member, c.complainant} {
		if r := move(p, map[string]any{"version": 1, "to": "under_review"}); r.Status != 403 {
			t.Errorf("%s handles the report: %d, want 403", p.Email, r.Status)
		}
	}
	problem(t, move(c.chair, map[string]any{"version": 1, "to": "referred_to_authority", "recommendation": "Herstel de beoordeling."}), 409, "illegal-transition")
	c.e.Must(200, c.chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 1, "to": "under_review", "reason": "Wordt onderzocht."})
	if got := recipients(c.sent("retaliation_updated")); !slices.Equal(got, ids(c.complainant)) {
		t.Errorf("the move was told to %v, want the reporter", got)
	}
	problem(t, move(c.chair, map[string]any{"version": 1, "to": "closed"}), 409, "stale-version")
	problem(t, move(c.chair, map[string]any{"version": 2, "to": "referred_to_authority"}), 400, "validation")
	const advice = "De commissie beveelt aan de beoordeling te herzien en de klager weer uit te nodigen."
	var ref retaliationOut
	c.e.Must(200, c.chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 2, "to": "referred_to_authority",
		"recommendation": advice, "reason": "Benadeling aannemelijk."}).Decode(t, &ref)
	if ref.State != "referred_to_authority" || ref.Recommendation != advice {
		t.Errorf("referred report %+v", ref)
	}
	c.e.Must(200, c.chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 3, "to": "closed", "reason": "Doorgezonden; afgerond."})
	problem(t, move(c.chair, map[string]any{"version": 4, "to": "under_review"}), 409, "illegal-transition")
	var mine retaliationOut
	c.e.Must(200, c.complainant, "GET", base+"/retaliation/"+rep.ID, nil).Decode(t, &mine)
	var states []string
	for _, h := range mine.History {
		states = append(states, h.ToState)
	}
	if mine.State != "closed" || !slices.Equal(states, []string{"received", "under_review", "referred_to_authority", "closed"}) ||
		mine.History[2].Reason != "Benadeling aannemelijk." || mine.Reporter != "" {
		t.Errorf("the reporter reads %+v", mine)
	}
	// The reporter's export holds the report; the respondent's does not.
	if r := c.e.Must(200, c.complainant, "GET", "/api/v1/me/export", nil); !bytes.Contains(r.Body, []byte(text)) {
		t.Errorf("the complainant's export lacks their report")
	}
	if r := c.e.Must(200, c.respondent, "GET", "/api/v1/me/export", nil); bytes.Contains(r.Body, []byte(text)) {
		t.Errorf("the respondent's export holds the complainant's report")
	}
	if n := c.count(t, "retaliation_reports", "position(convert_to(?, 'UTF8') in description_enc) > 0", text); n != 0 {
		t.Errorf("the report is stored in the clear")
	}
	var stats struct {
		State    string
		Referred bool
	}
	c.e.App.DB.Raw(`SELECT state, referred FROM retaliation_stats WHERE side = 'complainant'`).Scan(&stats)
	if stats.State != "closed" || !stats.Referred {
		t.Errorf("statistical record %+v", stats)
	}

	// Counted in the annual report of the year filed, suppressed like
	// every figure: a report filed last year counts there; this year's
	// two are fewer than five.
	lastYear := c.e.Clock.Now().Year() - 1
	now := c.e.Clock.Now()
	c.e.Clock.Set(time.Date(lastYear, 6, 1, 12, 0, 0, 0, time.UTC))
	for range 5 {
		c.e.Must(201, c.respondent, "POST", base+"/retaliation", map[string]any{"description": "Ik word sinds de klacht buitengesloten."})
	}
	c.e.Clock.Set(now)
	figure := func(year int) (total any, respondent any, headline any) {
		var rep struct {
			Summary []struct {
				Key    string `json:"key"`
				Values []any  `json:"values"`
			} `json:"summary"`
			Figures []struct {
				Key   string `json:"key"`
				Years []struct {
					Year  int `json:"year"`
					Table *struct {
						Cols      []string `json:"cols"`
						ColTotals []any    `json:"col_totals"`
						Total     any      `json:"total"`
					} `json:"table"`
				} `json:"years"`
			} `json:"figures"`
		}
		c.e.Must(200, c.reporter, "GET", fmt.Sprintf("/api/v1/reports/annual/%d", year), nil).Decode(t, &rep)
		for _, f := range rep.Figures {
			if f.Key != "retaliation_reports" {
				continue
			}
			y := f.Years[len(f.Years)-1]
			if y.Year != year || y.Table == nil {
				t.Fatalf("figure year %+v", y)
			}
			total, respondent = y.Table.Total, y.Table.ColTotals[slices.Index(y.Table.Cols, "respondent")]
		}
		for _, h := range rep.Summary {
			if h.Key == "retaliation" {
				headline = h.Values[len(h.Values)-1]
			}
		}
		return
	}
	if total, resp, head := figure(lastYear); total != float64(5) || resp != float64(5) || head != float64(5) {
		t.Errorf("%d: %v reports, %v by respondents, headline %v; want 5, 5, 5", lastYear, total, resp, head)
	}
	if total, _, head := figure(now.Year()); total != "<5" || head != "<5" {
		t.Errorf("%d: %v reports, headline %v; want <5", now.Year(), total, head)
	}
}
