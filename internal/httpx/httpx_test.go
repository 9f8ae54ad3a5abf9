package httpx_test

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// input is shaped like the API's request bodies: nested objects, lists of
// objects, a time and a UUID.
type input struct {
	Category   string      `json:"category"`
	Text       string      `json:"text"`
	Count      int         `json:"count"`
	When       *time.Time  `json:"when"`
	Member     uuid.UUID   `json:"member"`
	Respondent *respondent `json:"respondent"`
	Judgements []judgement `json:"judgements"`
	Elements   []string    `json:"elements"`
}

type respondent struct {
	Name     string `json:"name"`
	Ministry string `json:"ministry"`
}

type judgement struct {
	Position  int    `json:"position"`
	Judgement string `json:"judgement"`
}

func bind(t *testing.T, ctype, body string) (*input, error) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set(echo.HeaderContentType, ctype)
	}
	c := echo.New().NewContext(req, httptest.NewRecorder())
	var in input
	return &in, httpx.BindJSON(c, &in)
}

// goTypeName matches a qualified Go type name such as cases.Complaint or
// uuid.UUID; no error a person sees may hold one.
var goTypeName = regexp.MustCompile(`\b[a-z][a-z0-9]*\.[A-Z]\w*`)

// TestBindJSONRefuses: every way a body can be wrong is refused with the
// problem type, the field by its JSON path and a reason in JSON's words.
func TestBindJSONRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		code              apperr.Code
		typ, field        string
		reason            string // a part of the reason, if checked
	}{
		{"same name twice", "application/json", `{"category":"other","text":"x","category":"bullying"}`, apperr.Invalid, "validation", "category", "more than once"},
		{"same nested name twice", "application/json", `{"respondent":{"name":"a","name":"b"}}`, apperr.Invalid, "validation", "respondent.name", "more than once"},
		{"name in other case", "application/json", `{"Category":"other"}`, apperr.Invalid, "validation", "Category", "not a known field"},
		{"unknown field", "application/json", `{"colour":"red"}`, apperr.Invalid, "validation", "colour", "not a known field"},
		{"unknown nested field", "application/json", `{"respondent":{"name":"a","colour":"red"}}`, apperr.Invalid, "validation", "respondent.colour", "not a known field"},
		{"unknown field in a list", "application/json", `{"judgements":[{"position":1},{"position":2,"verdict":"x"}]}`, apperr.Invalid, "validation", "judgements[1].verdict", "not a known field"},
		{"invalid UTF-8", "application/json", "{\"text\":\"caf\xe9\"}", apperr.Invalid, "validation", "text", "UTF-8"},
		{"invalid UTF-8 nested", "application/json", "{\"respondent\":{\"name\":\"\xff\xfe\"}}", apperr.Invalid, "validation", "respondent.name", "UTF-8"},
		{"NUL", "application/json", `{"text":"a\u0000b"}`, apperr.Invalid, "validation", "text", "NUL"},
		{"NUL nested", "application/json", `{"respondent":{"name":"\u0000"}}`, apperr.Invalid, "validation", "respondent.name", "NUL"},
		{"NUL in a list", "application/json", `{"elements":["a","b\u0000"]}`, apperr.Invalid, "validation", "elements[1]", "NUL"},
		{"not an object", "application/json", `"a complaint"`, apperr.Invalid, "validation", "body", "must be an object"},
		{"wrong type", "application/json", `{"count":"three"}`, apperr.Invalid, "validation", "count", "must be a whole number"},
		{"wrong type nested", "application/json", `{"respondent":{"name":7}}`, apperr.Invalid, "validation", "respondent.name", "must be a string"},
		{"wrong type in a list", "application/json", `{"judgements":[{"position":1},{"position":"2"}]}`, apperr.Invalid, "validation", "judgements[1].position", "must be a whole number"},
		{"not a list", "application/json", `{"elements":"one"}`, apperr.Invalid, "validation", "elements", "must be a list"},
		{"not a time", "application/json", `{"when":"tomorrow"}`, apperr.Invalid, "validation", "when", "RFC 3339"},
		{"not a UUID", "application/json", `{"member":"lid"}`, apperr.Invalid, "validation", "member", "UUID"},
		{"invalid JSON", "application/json", `{"text":`, apperr.Invalid, "malformed-json", "", ""},
		{"two values", "application/json", `{} {}`, apperr.Invalid, "malformed-json", "", ""},
		{"empty", "application/json", ``, apperr.Invalid, "malformed-json", "", ""},
		{"raw control character", "application/json", "{\"text\":\"a\x00b\"}", apperr.Invalid, "malformed-json", "", ""},
		{"too large", "application/json", `{"text":"` + strings.Repeat("x", httpx.MaxJSONBytes) + `"}`, apperr.TooLarge, "body-too-large", "", ""},
		{"not JSON", "text/plain", `{}`, apperr.Unsupported, "unsupported-media-type", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bind(t, tc.ctype, tc.body)
			if err == nil {
				t.Fatal("accepted")
			}
			e := apperr.As(err)
			if e.Code != tc.code || e.Type != tc.typ {
				t.Fatalf("%s %s, want %s %s: %v", e.Code, e.Type, tc.code, tc.typ, err)
			}
			if tc.field != "" && (len(e.Fields) != 1 || !strings.Contains(e.Fields[tc.field], tc.reason)) {
				t.Errorf("fields %v, want %s: …%s…", e.Fields, tc.field, tc.reason)
			}
			for _, s := range append([]string{e.Detail}, mapValues(e.Fields)...) {
				if goTypeName.MatchString(s) || strings.Contains(s, "json:") || strings.Contains(s, "Go ") {
					t.Errorf("the error names Go types or the decoder: %q", s)
				}
			}
		})
	}
}

// TestBindJSONAccepts: what is valid is decoded as sent, to the byte.
func TestBindJSONAccepts(t *testing.T) {
	in, err := bind(t, "application/json; charset=utf-8",
		`{"category":"other","text":"Café \\u0000 ☕ \ud83d\ude00","count":3,"when":"2026-03-01T10:30:00+01:00","member":"6f1c2b7e-0d4a-4c3e-9a51-2f0e8b9d7c11",`+
			`"respondent":{"name":"J. Jansen","ministry":"FIN"},"judgements":[{"position":1,"judgement":"founded"}],"elements":["a"]}`)
	if err != nil {
		t.Fatal(err)
	}
	// An escaped backslash before "u0000" is text, not a NUL.
	if in.Text != `Café \u0000 ☕ 😀` || in.Count != 3 || in.Respondent.Ministry != "FIN" || in.Judgements[0].Judgement != "founded" {
		t.Errorf("decoded %+v", in)
	}
	if !in.When.Equal(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("when %v", in.When)
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// An upload over the limit is a 413 whichever way reading the form reports
// the cut (both upload handlers ask BodyTooLarge); other form errors are not.
func TestBodyTooLarge(t *testing.T) {
	body := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n" + strings.Repeat("x", 4096) + "\r\n--b--\r\n"
	for limit, want := range map[int64]bool{1024: true, 1 << 20: false} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, limit)
		err := req.ParseMultipartForm(512)
		if got := err != nil && httpx.BodyTooLarge(err); got != want {
			t.Errorf("limit %d: form error %v, too large %v, want %v", limit, err, got, want)
		}
	}
	if httpx.BodyTooLarge(http.ErrMissingBoundary) {
		t.Error("a form without boundary is not too large")
	}
}

// A download keeps the name its owner gave the file: a client that reads
// RFC 6266's filename* gets it exactly (accents, quotes, colons), and one
// that does not gets a plain ASCII name that cannot break the header.
func TestAttachmentKeepsTheFilesName(t *testing.T) {
	for _, name := range []string{"verslag.pdf", `Klacht "één" 2026: bijlage=1 (concept);a/b.pdf`, "naïef\\%20.txt"} {
		header := httpx.Attachment(name)
		kind, params, err := mime.ParseMediaType(header)
		if err != nil || kind != "attachment" || params["filename"] != name {
			t.Errorf("%q: %q reads back as %q %q (%v)", name, header, kind, params["filename"], err)
		}
		ascii := regexp.MustCompile(`^attachment; filename="([^"\\]*)"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_` + "`" + `|~%]+$`)
		if m := ascii.FindStringSubmatch(header); m == nil || strings.ContainsFunc(m[1], func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			t.Errorf("%q: %q is not a plain name and an RFC 8187 value", name, header)
		}
	}
}
