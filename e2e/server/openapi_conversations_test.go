package server_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// walkConversations walks the routes of issue 10 — witnesses, threads,
// notes and retaliation reports — on case c, under investigation, against
// the document: comp is its complainant, resp its informed respondent, mem
// sits on its panel.
func walkConversations(t *testing.T, w *walker, env *apptest.Env, c string, comp, resp, sec, chair, mem *apptest.Person) {
	witness := env.Person("getuige@bzk.example.nl", "BZK")

	// Witnesses.
	wit := w.do(call{who: sec, method: "POST", path: c + "/witnesses", body: map[string]any{"name": "P. Jansen", "contact": "06-87654321",
		"proposed_by": "complainant", "email": witness.Email}, want: 201})
	wid := field(t, wit, "id")
	w.do(call{who: sec, method: "POST", path: c + "/witnesses", body: map[string]any{"proposed_by": "committee"}, want: 400, problem: "validation", badRequest: true})
	w.do(call{who: sec, method: "POST", path: c + "/witnesses", body: map[string]any{"name": "X", "proposed_by": "committee", "email": comp.Email},
		want: 400, problem: "validation"})
	w.do(call{who: comp, method: "POST", path: c + "/witnesses", body: map[string]any{"name": "X", "proposed_by": "complainant"}, want: 403, problem: "forbidden"})
	w.do(call{who: sec, method: "POST", path: c + "/hearings", body: map[string]any{"planned_at": env.Clock.Now().Add(72 * 3600e9).Format("2006-01-02T15:04:05Z07:00"),
		"parties": "witness", "witness_id": wid, "location": "Den Haag, zaal 2"}, want: 201})
	st := c + "/witnesses/" + wid + "/statement"
	w.do(call{who: sec, method: "PUT", path: st, body: map[string]any{"version": 1, "statement": "Ik zag het gebeuren."}, want: 200})
	w.do(call{who: sec, method: "PUT", path: st, body: map[string]any{"version": 1, "statement": "Anders."}, want: 409, problem: "stale-version"})
	w.do(call{who: sec, method: "PUT", path: c + "/witnesses/" + uuid.NewString() + "/statement", body: map[string]any{"version": 1, "statement": "x"},
		want: 404, problem: "not-found"})
	w.do(call{who: mem, method: "GET", path: c + "/witnesses", want: 200})
	w.do(call{who: witness, method: "GET", path: c + "/witnesses", want: 200})
	w.do(call{who: comp, method: "GET", path: c + "/witnesses", want: 403, problem: "forbidden"})
	w.do(call{who: witness, method: "GET", path: c, want: 200})
	w.do(call{who: witness, method: "GET", path: c + "/events", want: 200})
	w.do(call{who: witness, method: "GET", path: "/api/v1/cases", want: 200})

	// Threads.
	w.do(call{who: comp, method: "GET", path: c + "/threads", want: 200})
	w.do(call{who: sec, method: "GET", path: c + "/threads", want: 200})
	file, ctype := apptest.FileForm(t, "brief.txt", "text/plain", []byte("Brief van mijn leidinggevende.\n"))
	// multipartFile names its part "file"; the body field goes before it.
	body := append([]byte("--"+ctype[len("multipart/form-data; boundary="):]+"\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nZie de brief in de bijlage.\r\n"), file...)
	msg := w.do(call{who: comp, method: "POST", path: c + "/threads/complainant/messages", body: body, header: map[string]string{"Content-Type": ctype}, want: 201})
	var posted struct {
		Attachments []struct {
			ID string `json:"id"`
		} `json:"attachments"`
	}
	msg.Decode(t, &posted)
	if len(posted.Attachments) != 1 {
		t.Fatalf("message with a file: %s", msg.Body)
	}
	w.do(call{who: sec, method: "POST", path: c + "/threads/complainant/messages", body: map[string]any{"body": "Dank u, ontvangen."}, want: 201})
	w.do(call{who: sec, method: "POST", path: c + "/threads/complainant/messages", body: map[string]any{"body": ""}, want: 400, problem: "validation", badRequest: true})
	w.do(call{who: comp, method: "GET", path: c + "/threads/complainant", want: 200})
	w.do(call{who: resp, method: "GET", path: c + "/threads/complainant", want: 404, problem: "not-found"})
	w.do(call{who: resp, method: "POST", path: c + "/threads/respondent/messages", body: map[string]any{"body": "Mijn reactie volgt."}, want: 201})
	w.do(call{who: witness, method: "POST", path: c + "/threads/" + wid + "/messages", body: map[string]any{"body": "Ik kan op dinsdag."}, want: 201})
	w.do(call{who: comp, method: "GET", path: c + "/threads/complainant/attachments/" + posted.Attachments[0].ID, want: 200})
	w.do(call{who: resp, method: "GET", path: c + "/threads/complainant/attachments/" + posted.Attachments[0].ID, want: 404, problem: "not-found"})

	// The panel's notes.
	note := w.do(call{who: mem, method: "POST", path: c + "/notes", body: map[string]any{"kind": "draft_findings", "title": "Bevindingen", "body": "Eerste opzet."}, want: 201})
	n := c + "/notes/" + field(t, note, "id")
	w.do(call{who: mem, method: "GET", path: c + "/notes", want: 200})
	w.do(call{who: chair, method: "PUT", path: n, body: map[string]any{"version": 1, "body": "Tweede opzet."}, want: 200})
	w.do(call{who: mem, method: "PUT", path: n, body: map[string]any{"version": 1, "body": "Mijn opzet."}, want: 409, problem: "stale-version"})
	w.do(call{who: sec, method: "GET", path: n, want: 200})
	w.do(call{who: comp, method: "GET", path: c + "/notes", want: 403, problem: "forbidden"})
	w.do(call{who: mem, method: "GET", path: c + "/notes/" + uuid.NewString(), want: 404, problem: "not-found"})

	// Retaliation.
	rep := w.do(call{who: comp, method: "POST", path: c + "/retaliation", body: map[string]any{"description": "Sinds de klacht word ik buitengesloten."}, want: 201})
	r := c + "/retaliation/" + field(t, rep, "id")
	w.do(call{who: chair, method: "GET", path: c + "/retaliation", want: 200})
	w.do(call{who: comp, method: "GET", path: r, want: 200})
	w.do(call{who: resp, method: "GET", path: r, want: 404, problem: "not-found"})
	w.do(call{who: sec, method: "GET", path: r, want: 403, problem: "forbidden"})
	w.do(call{who: chair, method: "POST", path: r + "/state", body: map[string]any{"version": 1, "to": "under_review", "reason": "In onderzoek."}, want: 200})
	w.do(call{who: chair, method: "POST", path: r + "/state", body: map[string]any{"version": 2, "to": "referred_to_authority"}, want: 400, problem: "validation"})
	w.do(call{who: chair, method: "POST", path: r + "/state", body: map[string]any{"version": 2, "to": "referred_to_authority",
		"recommendation": "Herstel de deelname aan het werkoverleg."}, want: 200})
	w.do(call{who: chair, method: "POST", path: r + "/state", body: map[string]any{"version": 3, "to": "under_review"}, want: 409, problem: "illegal-transition"})
}
