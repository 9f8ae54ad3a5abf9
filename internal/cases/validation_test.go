package cases_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// raw sends body as is, with the given content type, as p.
func (c *cast) raw(t *testing.T, p *apptest.Person, method, path, contentType string, body []byte) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, c.E.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.E.Send(p, req)
}

// goTypeName matches a qualified Go type name such as cases.Complaint; no
// answer may hold one.
var goTypeName = regexp.MustCompile(`\b[a-z][a-z0-9]*\.[A-Z]\w*`)

// TestMalformedFiling: a complaint that cannot be read or breaks a rule is
// refused with a clear problem naming the field, and nothing is stored.
func TestMalformedFiling(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	valid := string(casetest.MustJSON(casetest.Complaint()))
	with := func(k string, v any) string {
		b := casetest.Complaint()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return string(casetest.MustJSON(b))
	}
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		typ    string
		field  string // the field the problem must name, if any
	}{
		{"invalid JSON", "application/json", `{"category": "bullying", "description": `, 400, "malformed-json", ""},
		{"not an object", "application/json", `"a complaint"`, 400, "validation", "body"},
		{"two values", "application/json", valid + valid, 400, "malformed-json", ""},
		{"empty body", "application/json", ``, 400, "malformed-json", ""},
		{"unknown field", "application/json", with("colour", "red"), 400, "validation", "colour"},
		{"wrong type", "application/json", with("category", 3), 400, "validation", "category"},
		{"wrong type nested", "application/json", with("respondent", map[string]any{"name": 7}), 400, "validation", "respondent.name"},
		{"elements not a list", "application/json", with("elements", "one"), 400, "validation", "elements"},
		{"missing description", "application/json", with("description", nil), 400, "validation", "description"},
		{"blank description", "application/json", with("description", "   "), 400, "validation", "description"},
		{"missing category", "application/json", with("category", nil), 400, "validation", "category"},
		{"unknown category", "application/json", with("category", "gossip"), 400, "validation", "category"},
		{"discrimination without ground", "application/json", with("category", "discrimination"), 400, "validation", "ground"},
		{"ground without discrimination", "application/json", with("ground", "age"), 400, "validation", "ground"},
		{"description too long", "application/json", with("description", strings.Repeat("x", 20001)), 400, "validation", "description"},
		{"unknown respondent ministry", "application/json", with("respondent", map[string]any{"ministry": "XYZ"}), 400, "validation", "respondent.ministry"},
		{"consent without filing on behalf", "application/json", with("consent", "ja"), 400, "validation", "consent"},
		// Strict JSON (issue 15): nothing is guessed or silently changed.
		{"same name twice", "application/json", `{"category":"bullying","description":"x","category":"other"}`, 400, "validation", "category"},
		{"name in other case", "application/json", strings.Replace(valid, `"category"`, `"Category"`, 1), 400, "validation", "Category"},
		{"invalid UTF-8", "application/json", "{\"category\":\"other\",\"description\":\"caf\xe9\"}", 400, "validation", "description"},
		{"NUL in the text", "application/json", with("description", "a\x00b"), 400, "validation", "description"},
		{"NUL in a nested text", "application/json", with("respondent", map[string]any{"name": "J.\x00"}), 400, "validation", "respondent.name"},
		{"unknown nested field", "application/json", with("respondent", map[string]any{"colour": "red"}), 400, "validation", "respondent.colour"},
		{"body over 256 KiB", "application/json", with("description", strings.Repeat("x", 300<<10)), 413, "body-too-large", ""},
		{"not JSON", "text/plain", valid, 415, "unsupported-media-type", ""},
		{"no content type", "", valid, 415, "unsupported-media-type", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.raw(t, c.Complainant, "POST", "/api/v1/cases", tc.ctype, []byte(tc.body))
			errs := casetest.Problem(t, r, tc.status, tc.typ)
			if tc.field != "" && errs[tc.field] == "" {
				t.Errorf("no error on %s: %s", tc.field, r.Body)
			}
			if goTypeName.Match(r.Body) {
				t.Errorf("the problem names a Go type: %s", r.Body)
			}
		})
	}
	// The attack of issue 14 among them: a confidential adviser files "on
	// behalf of" the competent authority who will decide the case (or of
	// anyone on the committee, the admin or the privacy officer), or of the
	// very person the complaint is about. Each is refused with the reason.
	t.Run("on behalf", func(t *testing.T) {
		type refusal struct {
			body  map[string]any
			field string
			word  string // a word the reason must hold, if any
		}
		refusals := []refusal{
			{map[string]any{"complainant_email": c.Complainant.Email}, "consent", ""},
			{map[string]any{"complainant_email": "niemand@test.rkc", "consent": "ja"}, "complainant_email", ""},
			{map[string]any{"complainant_email": c.Adviser.Email, "consent": "ja"}, "complainant_email", ""},
			{map[string]any{"complainant_email": c.Respondent.Email, "consent": casetest.ConsentText,
				"respondent": map[string]any{"name": "  test AANGEKLAAGDE ", "ministry": "BZK"}}, "complainant_email", "respondent"},
		}
		for _, p := range []*apptest.Person{c.Authority, c.Secretary, c.Member2, c.Admin, c.Privacy} {
			refusals = append(refusals, refusal{map[string]any{"complainant_email": p.Email, "consent": casetest.ConsentText},
				"complainant_email", "files a complaint themselves"})
		}
		for _, tc := range refusals {
			b := casetest.Complaint()
			for k, v := range tc.body {
				b[k] = v
			}
			errs := casetest.Problem(t, c.E.Do(c.Adviser, "POST", "/api/v1/cases", b), 400, "validation")
			if errs[tc.field] == "" || !strings.Contains(errs[tc.field], tc.word) {
				t.Errorf("%v: no error on %s saying %q: %v", tc.body, tc.field, tc.word, errs)
			}
		}
		// An adviser may not file for a complainant of a ministry they do
		// not advise.
		b := casetest.Complaint()
		b["complainant_email"], b["consent"] = c.Complainant2.Email, "ja"
		casetest.Problem(t, c.E.Do(c.Adviser, "POST", "/api/v1/cases", b), 403, "forbidden")
	})
	for table, n := range map[string]int64{
		"cases":         c.Count(t, "cases", ""),
		"case_elements": c.Count(t, "case_elements", ""),
		"case_events":   c.Count(t, "case_events", ""),
	} {
		if n != 0 {
			t.Errorf("refused filings stored %d rows in %s", n, table)
		}
	}
	if n := c.Count(t, "role_grants", "person_id = ? AND role = 'complainant'", c.Complainant2.ID); n != 1 {
		t.Errorf("a refused filing changed the complainant's grants")
	}
	if n := c.Count(t, "role_grants", "person_id = ? AND role = 'complainant'", c.Authority.ID); n != 0 {
		t.Errorf("the authority was made complainant by a refused filing")
	}
}

// TestMalformedSteps: the steps on a case refuse malformed input with a
// problem naming the field, and leave the case as it was.
func TestMalformedSteps(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	submitted := c.CaseIn(t, "submitted")
	registered := c.CaseIn(t, "registered")
	investigating := c.CaseIn(t, "investigating")
	var h struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	e.Must(201, c.Secretary, "POST", "/api/v1/cases/"+investigating+"/hearings", map[string]any{"planned_at": c.PlannedAt(), "parties": "both"}).Decode(t, &h)
	// The service counts dates in Amsterdam: between 23:00 and 24:00 UTC
	// (22:00 in summer) the UTC date is a day behind.
	today := cases.DateOf(e.Clock.Now())
	tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)

	tests := []struct {
		name   string
		who    *apptest.Person
		method string
		path   string
		body   string
		status int
		typ    string
		field  string
	}{
		{"register: invalid JSON", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{`, 400, "malformed-json", ""},
		{"register: unknown field", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{"recieved_on":"2020-01-01"}`, 400, "validation", "recieved_on"},
		{"register: wrong type", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{"received_on":20200101}`, 400, "validation", "received_on"},
		{"register: not a date", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{"received_on":"1 maart"}`, 400, "validation", "received_on"},
		{"register: in the future", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{"received_on":"` + tomorrow + `"}`, 400, "validation", "received_on"},
		{"register: over a year before filing", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register",
			`{"received_on":"` + today.AddDate(-1, 0, -2).Format(time.DateOnly) + `"}`, 400, "validation", "received_on"},
		{"register: unknown respondent ministry", c.Secretary, "POST", "/api/v1/cases/" + submitted + "/register", `{"respondent_ministry":"XX"}`, 400, "validation", "respondent_ministry"},
		{"information request: missing what", c.Secretary, "POST", "/api/v1/cases/" + registered + "/information-request", `{}`, 400, "validation", "what"},
		{"information request: term too long", c.Secretary, "POST", "/api/v1/cases/" + registered + "/information-request", `{"what":"x","term_days":100}`, 400, "validation", "term_days"},
		{"admissibility: missing admissible", c.Chair, "POST", "/api/v1/cases/" + registered + "/admissibility", `{}`, 400, "validation", "admissible"},
		{"admissibility: admissible as text", c.Chair, "POST", "/api/v1/cases/" + registered + "/admissibility", `{"admissible":"yes"}`, 400, "validation", "admissible"},
		{"admissibility: ground when admitted", c.Chair, "POST", "/api/v1/cases/" + registered + "/admissibility", `{"admissible":true,"ground":"too_late"}`, 400, "validation", "ground"},
		{"panel: no members", c.Chair, "POST", "/api/v1/cases/" + investigating + "/panel", `{"member_ids":[]}`, 400, "validation", "member_ids"},
		{"panel: not a UUID", c.Chair, "POST", "/api/v1/cases/" + investigating + "/panel", `{"member_ids":["lid"]}`, 400, "validation", "member_ids"},
		{"panel: twice the same", c.Chair, "POST", "/api/v1/cases/" + investigating + "/panel",
			`{"member_ids":["` + c.Member.ID.String() + `","` + c.Member.ID.String() + `"]}`, 400, "validation", "member_ids"},
		{"investigation: no respondent", c.Secretary, "POST", "/api/v1/cases/" + registered + "/investigation", `{}`, 400, "validation", "respondent_email"},
		{"extension: no reason", c.Chair, "POST", "/api/v1/cases/" + registered + "/extension", `{}`, 400, "validation", "reason"},
		{"statement: empty", c.Complainant, "POST", "/api/v1/cases/" + registered + "/statements", `{"body":""}`, 400, "validation", "body"},
		{"statement: too long", c.Complainant, "POST", "/api/v1/cases/" + registered + "/statements", string(casetest.MustJSON(map[string]any{"body": strings.Repeat("é", 20001)})), 400, "validation", "body"},
		{"hearing: in the past without minutes", c.Secretary, "POST", "/api/v1/cases/" + investigating + "/hearings",
			string(casetest.MustJSON(map[string]any{"planned_at": today.Add(-time.Hour).Format(time.RFC3339), "parties": "both"})), 400, "validation", "minutes"},
		{"hearing: not a time", c.Secretary, "POST", "/api/v1/cases/" + investigating + "/hearings", `{"planned_at":"morgen","parties":"both"}`, 400, "validation", "planned_at"},
		{"hearing: unknown parties", c.Secretary, "POST", "/api/v1/cases/" + investigating + "/hearings",
			string(casetest.MustJSON(map[string]any{"planned_at": c.PlannedAt(), "parties": "everyone"})), 400, "validation", "parties"},
		{"hearing record: no version", c.Member, "PUT", "/api/v1/cases/" + investigating + "/hearings/" + h.ID, `{"minutes":"x","held":true}`, 400, "validation", "version"},
		{"hearing record: no minutes", c.Member, "PUT", "/api/v1/cases/" + investigating + "/hearings/" + h.ID, `{"version":1,"held":true}`, 400, "validation", "minutes"},
		{"hearing record: version as text", c.Member, "PUT", "/api/v1/cases/" + investigating + "/hearings/" + h.ID, `{"version":"1","minutes":"x"}`, 400, "validation", "version"},
		{"advice: no judgements", c.Chair, "POST", "/api/v1/cases/" + investigating + "/advice", `{"findings":"x"}`, 400, "validation", "judgements"},
		{"advice: unknown judgement", c.Chair, "POST", "/api/v1/cases/" + investigating + "/advice",
			`{"findings":"x","judgements":[{"position":1,"judgement":"guilty"},{"position":2,"judgement":"founded"}]}`, 400, "validation", "judgements[0].judgement"},
		{"advice: an element twice", c.Chair, "POST", "/api/v1/cases/" + investigating + "/advice",
			`{"findings":"x","judgements":[{"position":1,"judgement":"founded"},{"position":1,"judgement":"founded"}]}`, 400, "validation", "judgements"},
		{"advice: unknown element", c.Chair, "POST", "/api/v1/cases/" + investigating + "/advice",
			`{"findings":"x","judgements":[{"position":1,"judgement":"founded"},{"position":3,"judgement":"founded"}]}`, 400, "validation", "judgements"},
		{"withdraw: unknown field", c.Complainant, "POST", "/api/v1/cases/" + registered + "/withdraw", `{"why":"x"}`, 400, "validation", "why"},
		{"body over 256 KiB", c.Complainant, "POST", "/api/v1/cases/" + registered + "/statements",
			string(casetest.MustJSON(map[string]any{"body": strings.Repeat("x", 257<<10)})), 413, "body-too-large", ""},
		// Ids that are not UUIDs name nothing that can exist.
		{"case id not a UUID", c.Secretary, "POST", "/api/v1/cases/12/register", `{}`, 404, "not-found", ""},
		{"case id not a UUID (read)", c.Secretary, "GET", "/api/v1/cases/RKC-2027-00001", ``, 404, "not-found", ""},
		{"case id not a UUID (events)", c.Secretary, "GET", "/api/v1/cases/x/events", ``, 404, "not-found", ""},
		{"hearing id not a UUID", c.Member, "PUT", "/api/v1/cases/" + investigating + "/hearings/1", `{"version":1,"minutes":"x"}`, 404, "not-found", ""},
		{"attachment id not a UUID", c.Complainant, "GET", "/api/v1/cases/" + registered + "/attachments/..%2f..", ``, 404, "not-found", ""},
		{"signal id not a UUID", c.Secretary, "GET", "/api/v1/signals/1", ``, 404, "not-found", ""},
		{"unknown case", c.Secretary, "POST", "/api/v1/cases/00000000-0000-4000-8000-000000000000/register", `{}`, 404, "not-found", ""},
		{"unknown hearing", c.Member, "PUT", "/api/v1/cases/" + investigating + "/hearings/00000000-0000-4000-8000-000000000000", `{"version":1,"minutes":"x"}`, 404, "not-found", ""},
		// List parameters.
		{"list: page not a number", c.Secretary, "GET", "/api/v1/cases?page=two", ``, 400, "validation", "page"},
		{"list: perPage too large", c.Secretary, "GET", "/api/v1/cases?perPage=1000", ``, 400, "validation", "perPage"},
		{"list: deprecated per_page still read", c.Secretary, "GET", "/api/v1/cases?per_page=1000", ``, 400, "validation", "perPage"},
		{"list: both names of one key", c.Secretary, "GET", "/api/v1/cases?per_page=10&perPage=10", ``, 400, "validation", "per_page"},
		{"list: unknown flag", c.Secretary, "GET", "/api/v1/cases?flag=late", ``, 400, "validation", "flag"},
		{"list: unknown state", c.Secretary, "GET", "/api/v1/cases?state=open", ``, 400, "validation", "state"},
		{"list: dueBefore not a date", c.Secretary, "GET", "/api/v1/cases?dueBefore=soon", ``, 400, "validation", "dueBefore"},
		{"list: deprecated due_before still read", c.Secretary, "GET", "/api/v1/cases?due_before=soon", ``, 400, "validation", "dueBefore"},
	}
	ids := []string{submitted, registered, investigating}
	before := map[string]casetest.Row{}
	for _, id := range ids {
		before[id] = c.Row(t, id)
	}
	statements := c.Count(t, "statements", "")
	events := c.Count(t, "case_events", "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := "application/json"
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			} else if tc.method == "GET" {
				ct = ""
			}
			r := c.raw(t, tc.who, tc.method, tc.path, ct, body)
			errs := casetest.Problem(t, r, tc.status, tc.typ)
			if tc.field != "" && errs[tc.field] == "" {
				t.Errorf("no error on %s: %s", tc.field, r.Body)
			}
		})
	}
	for _, id := range ids {
		if after := c.Row(t, id); after != before[id] {
			t.Errorf("refused steps changed case %s: %+v → %+v", id, before[id], after)
		}
	}
	if n := c.Count(t, "statements", ""); n != statements {
		t.Errorf("statements %d → %d", statements, n)
	}
	if n := c.Count(t, "case_events", ""); n != events {
		t.Errorf("events %d → %d", events, n)
	}
	if v, _ := c.Get(t, c.Secretary, investigating); v.Hearings[0].Version != 1 || v.Hearings[0].Minutes != "" {
		t.Errorf("a refused hearing record changed the hearing: %+v", v.Hearings[0])
	}
}

// TestAttachmentLimits: evidence files over the limit, of a type outside the
// list, or whose content does not match the declared type are refused, and
// nothing is stored.
func TestAttachmentLimits(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.CaseIn(t, "registered")
	limit := c.E.Config.MaxUploadBytes
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	tests := []struct {
		name     string
		filename string
		ctype    string
		content  []byte
		status   int
		typ      string
	}{
		{"over the limit", "groot.pdf", "application/pdf", append(append([]byte{}, casetest.PDF...), make([]byte, limit)...), 413, "file-too-large"},
		{"HTML", "pagina.html", "text/html", []byte("<html><script>alert(1)</script></html>"), 415, "unsupported-file-type"},
		{"executable", "tool.exe", "application/octet-stream", []byte("MZ\x90\x00\x03"), 415, "unsupported-file-type"},
		{"executable posing as PDF", "brief.pdf", "application/pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), 415, "content-mismatch"},
		{"PNG posing as JPEG", "foto.jpg", "image/jpeg", png, 415, "content-mismatch"},
		{"HTML posing as text", "notitie.txt", "text/plain", []byte("<html><body>hoi</body></html>"), 415, "content-mismatch"},
		{"empty", "leeg.txt", "text/plain", nil, 400, "validation"},
	}
	before := c.Row(t, id)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			casetest.Problem(t, c.Upload(t, c.Complainant, id, tc.filename, tc.ctype, tc.content), tc.status, tc.typ)
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		casetest.Problem(t, c.raw(t, c.Complainant, "POST", "/api/v1/cases/"+id+"/attachments", "application/pdf", casetest.PDF), 415, "unsupported-media-type")
	})
	t.Run("no file field", func(t *testing.T) {
		r := c.raw(t, c.Complainant, "POST", "/api/v1/cases/"+id+"/attachments", "multipart/form-data; boundary=x", []byte("--x--\r\n"))
		if errs := casetest.Problem(t, r, 400, "validation"); errs["file"] == "" {
			t.Errorf("no error on file: %s", r.Body)
		}
	})
	if n := c.Count(t, "attachments", ""); n != 0 {
		t.Fatalf("refused files stored %d attachments", n)
	}
	if after := c.Row(t, id); after != before {
		t.Fatalf("refused files changed the case: %+v → %+v", before, after)
	}
	// Within the limits a file is stored, and read back as it was.
	r := c.Upload(t, c.Complainant, id, "../../etc/brief.pdf", "application/pdf", casetest.PDF)
	if r.Status != 201 {
		t.Fatalf("a valid PDF: %d %s", r.Status, r.Body)
	}
	var meta struct {
		ID       string `json:"id"`
		Filename string `json:"filename"`
	}
	r.Decode(t, &meta)
	if meta.Filename != "brief.pdf" {
		t.Errorf("stored file name %q", meta.Filename)
	}
	got := c.E.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id+"/attachments/"+meta.ID, nil)
	if !bytes.Equal(got.Body, casetest.PDF) || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("read back %q with %q", got.Body, got.Header.Get("Content-Disposition"))
	}
	casetest.Problem(t, c.E.Do(c.Complainant2, "GET", "/api/v1/cases/"+id+"/attachments/"+meta.ID, nil), 404, "not-found")
}
