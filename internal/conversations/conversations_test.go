package conversations_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// Conversations inside a case (issue 10): threads per party, the panel's
// notes, witnesses and retaliation reports, through the HTTP API.

// conv is casetest's cast with two witnesses, and the threads' own calls.
type conv struct{ *casetest.Conv }

func newConv(t *testing.T) *conv { return &conv{casetest.NewConv(t)} }

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
		return c.E.Do(p, "POST", path, map[string]any{"body": body})
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
	req, _ := http.NewRequest("POST", c.E.Server.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.E.Send(p, req)
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
	c.E.Must(200, p, "GET", "/api/v1/cases/"+id+"/threads/"+thread, nil).Decode(t, &out)
	return out
}

// threadKeys lists the threads p sees in case id, in order, each as its
// key and its number of messages ("complainant:3").
func (c *conv) threadKeys(t *testing.T, p *apptest.Person, id string) []string {
	t.Helper()
	var out struct {
		Items []struct {
			Key      string `json:"key"`
			Messages int    `json:"messages"`
		} `json:"items"`
	}
	c.E.Must(200, p, "GET", "/api/v1/cases/"+id+"/threads", nil).Decode(t, &out)
	var keys []string
	for _, it := range out.Items {
		keys = append(keys, fmt.Sprintf("%s:%d", it.Key, it.Messages))
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
	id := c.CaseIn(t, "investigating")
	w1 := c.AddWitness(t, id, "Jansen", c.Witness)
	w2 := c.AddWitness(t, id, "Pietersen", c.Witness2)
	c.Sent("")

	// The complainant writes with a file; the secretary answers.
	const secret = "Mijn leidinggevende belde mij gisteren thuis op."
	m := c.mustPost(t, c.Complainant, id, "complainant", secret, file{"verslag.pdf", "application/pdf", casetest.PDF})
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "verslag.pdf" || m.FromCommittee || m.AuthorRole != "complainant" {
		t.Fatalf("posted message %+v", m)
	}
	// No committee member wrote in the thread yet: the secretaries hear
	// of it, and so does the adviser.
	if got, want := casetest.Recipients(c.Sent("message_received")), casetest.IDs(c.Secretary, c.Adviser); !slices.Equal(got, want) {
		t.Errorf("the complainant's message was told to %v, want the secretary and the adviser %v", got, want)
	}
	c.mustPost(t, c.Secretary, id, "complainant", "Dank u, wij nemen dit mee in het onderzoek.")
	if got, want := casetest.Recipients(c.Sent("message_received")), casetest.IDs(c.Complainant, c.Adviser); !slices.Equal(got, want) {
		t.Errorf("the secretary's message was told to %v, want %v", got, want)
	}
	c.mustPost(t, c.Adviser, id, "complainant", "Namens klager: aanvulling volgt.")
	if got, want := casetest.Recipients(c.Sent("message_received")), casetest.IDs(c.Secretary, c.Complainant); !slices.Equal(got, want) {
		t.Errorf("the adviser's message was told to %v, want the secretary who wrote before and the complainant %v", got, want)
	}
	c.mustPost(t, c.Respondent, id, "respondent", "Ik wil graag mijn kant toelichten.")
	c.mustPost(t, c.Member, id, w1.ID, "Kunt u op 3 maart komen?")
	if got := casetest.Recipients(c.Sent("message_received")); !slices.Contains(got, c.Witness.ID) {
		t.Errorf("the witness was not told of the member's message: %v", got)
	}
	c.mustPost(t, c.Witness, id, w1.ID, "Ja, dat kan.")

	// Who sees which thread.
	if got := c.threadKeys(t, c.Secretary, id); !slices.Equal(got, []string{"complainant:3", "respondent:1", w1.ID + ":2", w2.ID + ":0"}) {
		t.Errorf("the secretary sees threads %v", got)
	}
	for p, want := range map[*apptest.Person][]string{c.Complainant: {"complainant:3"}, c.Adviser: {"complainant:3"},
		c.Respondent: {"respondent:1"}, c.Witness: {w1.ID + ":2"}, c.Witness2: {w2.ID + ":0"}} {
		if got := c.threadKeys(t, p, id); !slices.Equal(got, want) {
			t.Errorf("%s sees threads %v, want %v", p.Email, got, want)
		}
	}
	th := c.thread(t, c.Adviser, id, "complainant")
	if len(th.Messages) != 3 || th.Messages[0].Body != secret || !th.Messages[1].FromCommittee {
		t.Errorf("the adviser reads the complainant's thread as %+v", th)
	}
	type try struct {
		p      *apptest.Person
		thread string
		want   int
	}
	for _, tr := range []try{
		{c.Respondent, "complainant", 404}, {c.Complainant, "respondent", 404}, {c.Complainant, w1.ID, 404},
		{c.Witness, "complainant", 404}, {c.Witness, "respondent", 404}, {c.Witness, w2.ID, 404}, {c.Witness2, w1.ID, 404},
		{c.Respondent, uuid.NewString(), 404}, {c.Secretary, uuid.NewString(), 404},
		{c.Member2, "complainant", 404}, {c.Complainant2, "complainant", 404},
		{c.Authority, "complainant", 403}, {c.Reporter, "complainant", 403}, {c.Privacy, "complainant", 403}, {c.Admin, "complainant", 403},
		{c.Chair, "respondent", 200}, {c.Member, w2.ID, 200}, {c.Witness2, w2.ID, 200},
	} {
		r := c.E.Do(tr.p, "GET", "/api/v1/cases/"+id+"/threads/"+tr.thread, nil)
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
	hidden := c.E.Do(c.Respondent, "GET", "/api/v1/cases/"+id+"/threads/complainant", nil)
	missing := c.E.Do(c.Respondent, "GET", "/api/v1/cases/"+id+"/threads/"+uuid.NewString(), nil)
	if a, b := problemText(t, hidden), problemText(t, missing); a != b {
		t.Errorf("a hidden thread answers %q, a missing one %q", a, b)
	}

	// The file comes back to the thread's side and the committee only.
	att := "/api/v1/cases/" + id + "/threads/complainant/attachments/" + m.Attachments[0].ID
	if r := c.E.Must(200, c.Chair, "GET", att, nil); !bytes.Equal(r.Body, casetest.PDF) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the chair downloads %q with %q", r.Body, r.Header.Get("Content-Disposition"))
	}
	c.E.Must(200, c.Complainant, "GET", att, nil)
	for p, want := range map[*apptest.Person]int{c.Respondent: 404, c.Witness: 404, c.Member2: 404, c.Authority: 403} {
		if r := c.E.Do(p, "GET", att, nil); r.Status != want {
			t.Errorf("%s downloads the complainant's file: %d, want %d", p.Email, r.Status, want)
		}
	}
	// Asked through another thread, the file is not there.
	other := "/api/v1/cases/" + id + "/threads/respondent/attachments/" + m.Attachments[0].ID
	if r := c.E.Do(c.Chair, "GET", other, nil); r.Status != 404 {
		t.Errorf("the complainant's file through the respondent's thread: %d, want 404", r.Status)
	}

	// The timeline: the committee sees every message, a side only its own.
	count := func(p *apptest.Person) int {
		n := 0
		for _, e := range c.Events(t, p, id) {
			if e.Kind == "message_posted" {
				n++
			}
		}
		return n
	}
	for p, want := range map[*apptest.Person]int{c.Secretary: 6, c.Member: 6, c.Complainant: 3, c.Adviser: 3, c.Respondent: 1, c.Witness: 2, c.Witness2: 0} {
		if got := count(p); got != want {
			t.Errorf("%s sees %d messages on the timeline, want %d", p.Email, got, want)
		}
	}
	// A witness's timeline holds nothing of the case beyond their part.
	for _, e := range c.Events(t, c.Witness, id) {
		if !slices.Contains([]string{"witness_added", "message_posted"}, e.Kind) {
			t.Errorf("the witness's timeline shows %s", e.Kind)
		}
	}

	// Sealed like the rest, and bound to the row: a body copied onto
	// another message does not decrypt.
	if n := c.Count(t, "messages", "position(convert_to(?, 'UTF8') in body_enc) > 0", secret); n != 0 {
		t.Errorf("a message body is stored in the clear")
	}
	if err := c.E.App.DB.Exec(`UPDATE messages SET body_enc = (SELECT body_enc FROM messages WHERE author_id = ? LIMIT 1)
		WHERE author_id = ?`, c.Complainant.ID, c.Secretary.ID).Error; err != nil {
		t.Fatal(err)
	}
	if r := c.E.Do(c.Complainant, "GET", "/api/v1/cases/"+id+"/threads/complainant", nil); r.Status != 500 || strings.Contains(string(r.Body), secret) {
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
	id := c.CaseIn(t, "registered")
	// Before the respondent is informed, there is no respondent's thread.
	if r := c.E.Do(c.Secretary, "GET", "/api/v1/cases/"+id+"/threads/respondent", nil); r.Status != 404 {
		t.Errorf("the respondent's thread before the respondent is informed: %d", r.Status)
	}
	casetest.Problem(t, c.postMessage(c.Complainant, id, "complainant", ""), 400, "validation")
	casetest.Problem(t, c.postMessage(c.Complainant, id, "complainant", "Zie bijlage", file{"x.pdf", "application/pdf", []byte("MZ\x90\x00 not a casetest.PDF")}), 415, "content-mismatch")
	casetest.Problem(t, c.postMessage(c.Complainant, id, "complainant", "Zie bijlage", file{"x.html", "text/html", []byte("<script>")}), 415, "unsupported-file-type")
	six := make([]file, 6)
	for i := range six {
		six[i] = file{fmt.Sprintf("%d.txt", i), "text/plain", []byte("tekst")}
	}
	casetest.Problem(t, c.postMessage(c.Complainant, id, "complainant", "Zes bestanden", six...), 400, "validation")
	if n := c.Count(t, "messages", "case_id = ?", id); n != 0 {
		t.Fatalf("refused messages were stored: %d", n)
	}
	// A message does not change the case's version: nobody's open form
	// goes stale because of it.
	before := c.Row(t, id)
	c.mustPost(t, c.Complainant, id, "complainant", "Een vraag over de procedure.")
	if after := c.Row(t, id); after != before {
		t.Errorf("a message changed the case: %+v → %+v", before, after)
	}
	casetest.StepRefuse(c.Cast, t, id)
	casetest.StepClose(c.Cast, t, id)
	casetest.Problem(t, c.postMessage(c.Complainant, id, "complainant", "Nog één ding."), 409, "case-closed")
	// The thread stays readable.
	if th := c.thread(t, c.Complainant, id, "complainant"); len(th.Messages) != 1 {
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
	id := c.CaseIn(t, "investigating")
	c.AddWitness(t, id, "Jansen", c.Witness)
	const draft = "Concept: de verklaringen van klager zijn consistent, die van verweerder niet."
	const edited = "Concept, herzien: beide verklaringen zijn deels consistent."
	var n noteOut
	c.E.Must(201, c.Member, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"kind": "draft_findings", "title": "Bevindingen", "body": draft}).Decode(t, &n)
	if n.Version != 1 || n.Kind != "draft_findings" {
		t.Fatalf("note %+v", n)
	}
	var n2 noteOut
	c.E.Must(200, c.Chair, "PUT", "/api/v1/cases/"+id+"/notes/"+n.ID, map[string]any{"version": 1, "title": "Bevindingen", "body": edited}).Decode(t, &n2)
	if n2.Version != 2 || n2.Body != edited {
		t.Fatalf("edited note %+v", n2)
	}
	// The member still holds version 1: their edit would overwrite the
	// chair's, so it is refused and nothing changes.
	casetest.Problem(t, c.E.Do(c.Member, "PUT", "/api/v1/cases/"+id+"/notes/"+n.ID, map[string]any{"version": 1, "body": "Mijn versie"}), 409, "stale-version")
	c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"body": "Getuige Jansen bellen."})
	var one noteOut
	c.E.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id+"/notes/"+n.ID, nil).Decode(t, &one)
	if one.Version != 2 || len(one.Versions) != 2 || one.Versions[0].Body != edited || one.Versions[1].Body != draft {
		t.Errorf("the note with its versions: %+v", one)
	}
	var list struct{ Items []noteOut }
	c.E.Must(200, c.Member, "GET", "/api/v1/cases/"+id+"/notes", nil).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].Body != edited {
		t.Errorf("the notes: %+v", list.Items)
	}
	// A saved version is never changed, not even by the application's own
	// database role.
	if err := c.E.App.DB.Exec(`UPDATE note_versions SET author_id = author_id`).Error; err == nil {
		t.Errorf("a saved version of a note could be changed")
	}

	// Who reads them.
	for p, want := range map[*apptest.Person]int{c.Member: 200, c.Chair: 200, c.Secretary: 200, c.Member2: 404,
		c.Complainant: 403, c.Adviser: 403, c.Respondent: 403, c.Witness: 403, c.Authority: 403, c.Reporter: 403, c.Privacy: 403, c.Admin: 403} {
		for _, path := range []string{"/notes", "/notes/" + n.ID} {
			if r := c.E.Do(p, "GET", "/api/v1/cases/"+id+path, nil); r.Status != want {
				t.Errorf("%s GET %s: %d, want %d", p.Email, path, r.Status, want)
			}
		}
		if want != 200 {
			if r := c.E.Do(p, "POST", "/api/v1/cases/"+id+"/notes", map[string]any{"body": "x"}); r.Status != want {
				t.Errorf("%s writes a note: %d, want %d", p.Email, r.Status, want)
			}
		}
	}
	// The access log marks them as working papers.
	var actions []string
	// (The log names the case through its sealed key handle.)
	c.E.App.DB.Raw(`SELECT DISTINCT action FROM access_log WHERE key_handle = (SELECT handle FROM log_case_keys WHERE case_id = ?)
		AND action LIKE 'case:note:%' ORDER BY 1`, id).Scan(&actions)
	if !slices.Equal(actions, []string{"case:note:read", "case:note:write"}) {
		t.Errorf("the access log names notes as %v", actions)
	}

	// No trace in what a party sees or takes home.
	casetest.StepAdvise(c.Cast, t, id)
	casetest.StepDecide(c.Cast, t, id)
	for _, p := range []*apptest.Person{c.Complainant, c.Adviser, c.Respondent, c.Witness, c.Authority} {
		for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events", "/api/v1/me/export", "/api/v1/me/export?format=pdf"} {
			r := c.E.Must(200, p, "GET", path, nil)
			for _, s := range []string{draft, edited, "Bevindingen", "Getuige Jansen bellen", "note_written", "note_edited"} {
				if bytes.Contains(r.Body, []byte(s)) {
					t.Errorf("%s GET %s shows %q", p.Email, path, s)
				}
			}
		}
	}
	// Not even on the privacy officer's data-subject run for the complainant.
	c.E.OpenDataSubjectRequest(c.Privacy.ID, c.Complainant.ID)
	r := c.E.Must(200, c.Privacy, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export", nil)
	if bytes.Contains(r.Body, []byte(edited)) || bytes.Contains(r.Body, []byte(draft)) {
		t.Errorf("the complainant's export by the privacy officer holds the panel's note")
	}
	// Nor in a panel member's own export: working papers, not their data.
	r = c.E.Must(200, c.Member, "GET", "/api/v1/me/export", nil)
	if bytes.Contains(r.Body, []byte(edited)) || bytes.Contains(r.Body, []byte(draft)) {
		t.Errorf("the member's export holds the panel's note")
	}
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
	id := c.CaseIn(t, "investigating")
	base := "/api/v1/cases/" + id
	c.AddWitness(t, id, "Jansen", c.Witness)
	c.AddWitness(t, id, "Pietersen", c.Witness2)
	c.Sent("")

	const text = "Sinds mijn klacht word ik niet meer uitgenodigd voor het werkoverleg en is mijn beoordeling verlaagd."
	var rep retaliationOut
	c.E.Must(201, c.Complainant, "POST", base+"/retaliation", map[string]any{"description": text}).Decode(t, &rep)
	if rep.State != "received" || rep.Side != "complainant" || rep.Version != 1 {
		t.Fatalf("report %+v", rep)
	}
	if got := casetest.Recipients(c.Sent("retaliation_reported")); !slices.Equal(got, casetest.IDs(c.Chair)) {
		t.Errorf("the report was told to %v, want the chair", got)
	}
	var wrep retaliationOut
	c.E.Must(201, c.Witness, "POST", base+"/retaliation", map[string]any{"description": "Mijn collega's mijden mij sinds mijn verklaring."}).Decode(t, &wrep)
	if wrep.Side != "witness" {
		t.Errorf("the witness's report has side %s", wrep.Side)
	}
	casetest.Problem(t, c.E.Do(c.Complainant, "POST", base+"/retaliation", map[string]any{"description": ""}), 400, "validation")
	for p, want := range map[*apptest.Person]int{c.Secretary: 403, c.Member: 403, c.Authority: 403, c.Complainant2: 404, c.Reporter: 403} {
		if r := c.E.Do(p, "POST", base+"/retaliation", map[string]any{"description": "x"}); r.Status != want {
			t.Errorf("%s reports retaliation: %d, want %d", p.Email, r.Status, want)
		}
	}

	// Who reads it: the chair and the reporter's side; nobody else.
	for p, want := range map[*apptest.Person]int{c.Chair: 200, c.Complainant: 200, c.Adviser: 200,
		c.Respondent: 404, c.Witness: 404, c.Witness2: 404, c.Secretary: 403, c.Member: 403, c.Member2: 403, c.Authority: 403} {
		r := c.E.Do(p, "GET", base+"/retaliation/"+rep.ID, nil)
		if r.Status != want {
			t.Errorf("%s reads the complainant's report: %d, want %d", p.Email, r.Status, want)
		}
		if want != 200 && bytes.Contains(r.Body, []byte(text)) {
			t.Errorf("the refusal holds the report")
		}
	}
	lists := map[*apptest.Person]int{c.Chair: 2, c.Complainant: 1, c.Adviser: 1, c.Respondent: 0, c.Witness: 1}
	for p, want := range lists {
		var l struct{ Items []retaliationOut }
		c.E.Must(200, p, "GET", base+"/retaliation", nil).Decode(t, &l)
		if len(l.Items) != want {
			t.Errorf("%s lists %d reports, want %d", p.Email, len(l.Items), want)
		}
	}

	// The chair's handling, step by step.
	move := func(who *apptest.Person, body map[string]any) *apptest.Response {
		return c.E.Do(who, "POST", base+"/retaliation/"+rep.ID+"/state", body)
	}
	for _, p := range []*apptest.Person{c.Secretary, c.Member, c.Complainant} {
		if r := move(p, map[string]any{"version": 1, "to": "under_review"}); r.Status != 403 {
			t.Errorf("%s handles the report: %d, want 403", p.Email, r.Status)
		}
	}
	casetest.Problem(t, move(c.Chair, map[string]any{"version": 1, "to": "referred_to_authority", "recommendation": "Herstel de beoordeling."}), 409, "illegal-transition")
	c.E.Must(200, c.Chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 1, "to": "under_review", "reason": "Wordt onderzocht."})
	if got := casetest.Recipients(c.Sent("retaliation_updated")); !slices.Equal(got, casetest.IDs(c.Complainant)) {
		t.Errorf("the move was told to %v, want the reporter", got)
	}
	casetest.Problem(t, move(c.Chair, map[string]any{"version": 1, "to": "closed"}), 409, "stale-version")
	casetest.Problem(t, move(c.Chair, map[string]any{"version": 2, "to": "referred_to_authority"}), 400, "validation")
	const advice = "De commissie beveelt aan de beoordeling te herzien en de klager weer uit te nodigen."
	var ref retaliationOut
	c.E.Must(200, c.Chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 2, "to": "referred_to_authority",
		"recommendation": advice, "reason": "Benadeling aannemelijk."}).Decode(t, &ref)
	if ref.State != "referred_to_authority" || ref.Recommendation != advice {
		t.Errorf("referred report %+v", ref)
	}
	c.E.Must(200, c.Chair, "POST", base+"/retaliation/"+rep.ID+"/state", map[string]any{"version": 3, "to": "closed", "reason": "Doorgezonden; afgerond."})
	casetest.Problem(t, move(c.Chair, map[string]any{"version": 4, "to": "under_review"}), 409, "illegal-transition")
	var mine retaliationOut
	c.E.Must(200, c.Complainant, "GET", base+"/retaliation/"+rep.ID, nil).Decode(t, &mine)
	var states []string
	for _, h := range mine.History {
		states = append(states, h.ToState)
	}
	if mine.State != "closed" || !slices.Equal(states, []string{"received", "under_review", "referred_to_authority", "closed"}) ||
		mine.History[2].Reason != "Benadeling aannemelijk." || mine.Reporter != "" {
		t.Errorf("the reporter reads %+v", mine)
	}
	// The reporter's export holds the report; the respondent's does not.
	if r := c.E.Must(200, c.Complainant, "GET", "/api/v1/me/export", nil); !bytes.Contains(r.Body, []byte(text)) {
		t.Errorf("the complainant's export lacks their report")
	}
	if r := c.E.Must(200, c.Respondent, "GET", "/api/v1/me/export", nil); bytes.Contains(r.Body, []byte(text)) {
		t.Errorf("the respondent's export holds the complainant's report")
	}
	if n := c.Count(t, "retaliation_reports", "position(convert_to(?, 'UTF8') in description_enc) > 0", text); n != 0 {
		t.Errorf("the report is stored in the clear")
	}
	var stats struct {
		State    string
		Referred bool
	}
	c.E.App.DB.Raw(`SELECT state, referred FROM retaliation_stats WHERE side = 'complainant'`).Scan(&stats)
	if stats.State != "closed" || !stats.Referred {
		t.Errorf("statistical record %+v", stats)
	}

	// Counted in the annual report of the year filed, suppressed like
	// every figure: a report filed last year counts there; this year's
	// two are fewer than five.
	lastYear := c.E.Clock.Now().Year() - 1
	now := c.E.Clock.Now()
	c.E.Clock.Set(time.Date(lastYear, 6, 1, 12, 0, 0, 0, time.UTC))
	for range 5 {
		c.E.Must(201, c.Respondent, "POST", base+"/retaliation", map[string]any{"description": "Ik word sinds de klacht buitengesloten."})
	}
	c.E.Clock.Set(now)
	figure := func(year int) (total any, respondent any, headline any) {
		var rep apptest.AnnualReport
		c.E.Must(200, c.Reporter, "GET", fmt.Sprintf("/api/v1/reports/annual/%d", year), nil).Decode(t, &rep)
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
