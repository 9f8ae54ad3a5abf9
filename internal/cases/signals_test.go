package cases_test

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// withCode calls the holder's endpoints with a receipt code.
func withCode(t *testing.T, e *apptest.Env, method, path, code string, body any) *apptest.Response {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(casetest.MustJSON(body))
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if code != "" {
		req.Header.Set("X-Receipt-Code", code)
	}
	return e.Send(nil, req)
}

var receiptPattern = regexp.MustCompile(`^RKC-([A-Za-z0-9_-]+)$`)

// TestSignals: an anonymous signal gets a one-time receipt code of high
// entropy; with it the reporter reads the committee's replies and adds
// information; wrong codes are answered as unknown and, after many, refused
// for a while; the code itself is never stored.
func TestSignals(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	const message = "Op afdeling X wordt een collega al maanden buitengesloten."

	// Invalid signals are refused and store nothing.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"category": "bullying"}, "message"},
		{map[string]any{"category": "gossip", "message": "x"}, "category"},
		{map[string]any{"category": "bullying", "ministry": "XYZ", "message": "x"}, "ministry"},
	} {
		if errs := casetest.Problem(t, e.Do(nil, "POST", "/api/v1/signals", tc.body), 400, "validation"); errs[tc.field] == "" {
			t.Errorf("%v: no error on %s", tc.body, tc.field)
		}
	}
	casetest.Problem(t, e.Do(nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "message": "x", "name": "Jan"}), 400, "validation")
	if n := c.Count(t, "signals", ""); n != 0 {
		t.Fatalf("refused signals stored %d rows", n)
	}

	r := e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "ministry": "BZK", "message": message})
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the receipt may be cached: %q", cc)
	}
	var receipt struct {
		ReceiptCode string `json:"receipt_code"`
	}
	r.Decode(t, &receipt)
	code := receipt.ReceiptCode
	m := receiptPattern.FindStringSubmatch(code)
	if m == nil {
		t.Fatalf("receipt code %q is not RKC- and base64url", code)
	}
	if bits := len(m[1]) * 6; bits < 128 { // 64 symbols carry 6 bits each
		t.Fatalf("receipt code %q carries %d bits, want at least 128", code, bits)
	}
	// A second signal gets another code.
	var other struct {
		ReceiptCode string `json:"receipt_code"`
	}
	e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "other", "message": "Iets anders"}).Decode(t, &other)
	if other.ReceiptCode == code {
		t.Fatal("two signals got the same receipt code")
	}

	type view struct {
		Category string `json:"category"`
		Ministry string `json:"ministry"`
		Messages []struct {
			FromCommittee bool   `json:"from_committee"`
			Body          string `json:"body"`
		} `json:"messages"`
	}
	var own view
	withCode(t, e, "GET", "/api/v1/signals/self", code, nil).Decode(t, &own)
	if own.Category != "bullying" || len(own.Messages) != 1 || own.Messages[0].Body != message || own.Messages[0].FromCommittee {
		t.Fatalf("the holder's view: %+v", own)
	}

	// The committee finds it and replies; the holder reads the reply and answers.
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Category string `json:"category"`
		} `json:"items"`
	}
	e.Must(200, c.Secretary, "GET", "/api/v1/signals", nil).Decode(t, &list)
	sid := ""
	for _, it := range list.Items {
		if it.Category == "bullying" {
			sid = it.ID
		}
	}
	if len(list.Items) != 2 || sid == "" {
		t.Fatalf("the committee's list: %+v", list.Items)
	}
	e.Must(204, c.Secretary, "POST", "/api/v1/signals/"+sid+"/messages", map[string]any{"body": "Dank voor uw melding. Wilt u een klacht indienen?"})
	casetest.Problem(t, e.Do(c.Complainant, "POST", "/api/v1/signals/"+sid+"/messages", map[string]any{"body": "x"}), 403, "forbidden")
	casetest.Problem(t, e.Do(c.Member, "GET", "/api/v1/signals", nil), 403, "forbidden")
	casetest.Problem(t, e.Do(nil, "GET", "/api/v1/signals", nil), 401, "unauthenticated")
	withCode(t, e, "GET", "/api/v1/signals/self", code, nil).Decode(t, &own)
	if len(own.Messages) != 2 || !own.Messages[1].FromCommittee || !strings.HasPrefix(own.Messages[1].Body, "Dank voor uw melding") {
		t.Fatalf("the holder does not see the reply: %+v", own)
	}
	if r := withCode(t, e, "POST", "/api/v1/signals/self/messages", code, map[string]any{"body": "Nee, liever niet."}); r.Status != 204 {
		t.Fatalf("the holder's answer: %d %s", r.Status, r.Body)
	}
	var staff view
	e.Must(200, c.Chair, "GET", "/api/v1/signals/"+sid, nil).Decode(t, &staff)
	if len(staff.Messages) != 3 || staff.Messages[2].Body != "Nee, liever niet." || staff.Messages[2].FromCommittee {
		t.Fatalf("the committee's view: %+v", staff)
	}
	// The other signal's holder sees only their own.
	withCode(t, e, "GET", "/api/v1/signals/self", other.ReceiptCode, nil).Decode(t, &own)
	if own.Category != "other" || len(own.Messages) != 1 {
		t.Fatalf("the other holder's view: %+v", own)
	}

	// The code is stored only as a hash: neither the text nor its bytes
	// appear in any row of the signals tables, the throttle or the access log,
	// nor in the service's log.
	for _, table := range []string{"signals", "signal_messages", "throttle", "access_log"} {
		var rows []string
		if err := e.App.DB.Raw(`SELECT t::text FROM ` + table + ` t`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		all := strings.ToLower(strings.Join(rows, "\n"))
		for _, needle := range []string{code, m[1], hex.EncodeToString([]byte(code)), hex.EncodeToString([]byte(m[1]))} {
			if strings.Contains(all, strings.ToLower(needle)) {
				t.Errorf("table %s holds the receipt code", table)
			}
		}
	}
	if strings.Contains(e.Log.String(), m[1]) {
		t.Errorf("the service logged the receipt code")
	}

	// Wrong codes look like no signal at all, and after many (100 from one
	// address in 15 minutes, accounts.Throttle.WrongReceipt) that address's
	// wrong codes are refused for a while; a right code still opens its
	// signal, so a reporter behind a shared proxy is not locked out.
	casetest.Problem(t, withCode(t, e, "GET", "/api/v1/signals/self", "", nil), 404, "unknown-receipt-code")
	casetest.Problem(t, withCode(t, e, "POST", "/api/v1/signals/self/messages", code+"x", map[string]any{"body": "x"}), 404, "unknown-receipt-code")
	refused := 0
	for i := range 110 {
		wrong := "RKC-" + strconv.Itoa(i) + m[1][2:]
		if wrong == code {
			continue // the real code may begin with these digits
		}
		r := withCode(t, e, "GET", "/api/v1/signals/self", wrong, nil)
		if r.Status == 429 {
			refused = i
			casetest.Problem(t, r, 429, "too-many-attempts")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			break
		}
		casetest.Problem(t, r, 404, "unknown-receipt-code")
	}
	if refused == 0 {
		t.Fatal("110 wrong codes in a row were never refused")
	}
	if r := withCode(t, e, "GET", "/api/v1/signals/self", code, nil); r.Status != 200 {
		t.Errorf("the right code from an address past its limit: %d %s", r.Status, r.Body)
	}
	if n := c.Count(t, "signal_messages", ""); n != 4 {
		t.Errorf("%d signal messages, want 4", n)
	}
}

// TestLogin: a wrong password is refused, repeated failures are refused for
// a while, and logging out ends the session.
func TestLogin(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	p := e.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	login := func(email, password string) *apptest.Response {
		return e.Do(nil, "POST", "/api/v1/session", map[string]any{"email": email, "password": password})
	}

	r := login(" Klager@Test.rkc ", apptest.Password)
	if r.Status != 201 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var s struct {
		Token string `json:"token"`
		User  struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	r.Decode(t, &s)
	if s.Token == "" || s.User.Email != p.Email {
		t.Fatalf("login answered %s", r.Body)
	}
	cookie := r.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "rkc_session="+s.Token) || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite") {
		t.Errorf("session cookie %q", cookie)
	}
	me := &apptest.Person{Token: s.Token}
	e.Must(200, me, "GET", "/api/v1/me", nil)
	e.Must(204, me, "DELETE", "/api/v1/session", nil)
	casetest.Problem(t, e.Do(me, "GET", "/api/v1/me", nil), 401, "unauthenticated")
	casetest.Problem(t, e.Do(me, "GET", "/api/v1/cases", nil), 401, "unauthenticated")
	casetest.Problem(t, e.Do(me, "DELETE", "/api/v1/session", nil), 401, "unauthenticated")
	// Other sessions of the person live on.
	e.Must(200, p, "GET", "/api/v1/me", nil)

	casetest.Problem(t, login(p.Email, "wrong password!"), 401, "invalid-credentials")
	casetest.Problem(t, login("niemand@test.rkc", "wrong password!"), 401, "invalid-credentials")
	if errs := casetest.Problem(t, e.Do(nil, "POST", "/api/v1/session", map[string]any{"email": p.Email}), 400, "validation"); errs["password"] == "" {
		t.Errorf("no error on password")
	}
	locked := false
	for range 15 {
		r := login(p.Email, "wrong password!")
		if r.Status == 429 {
			casetest.Problem(t, r, 429, "too-many-attempts")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			locked = true
			break
		}
		casetest.Problem(t, r, 401, "invalid-credentials")
	}
	if !locked {
		t.Fatal("fifteen wrong passwords were never refused")
	}
	// While locked, even the right password is refused.
	casetest.Problem(t, login(p.Email, apptest.Password), 429, "too-many-attempts")
}

// TestSignalBecomesComplaint: the reporter of a signal comes forward; their
// signal becomes their complaint with what they wrote, once, and only for
// the holder of the code.
func TestSignalBecomesComplaint(t *testing.T) {
	c := newCast(t)
	e := c.E
	first, more := "Mijn teamleider scheldt mij uit.", "Het gebeurde weer op maandag."
	code := e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "aggression_violence", "ministry": "BZK", "message": first}).Map(t)["receipt_code"].(string)
	send := func(p *apptest.Person, code string) *apptest.Response {
		req, err := http.NewRequest("POST", e.Server.URL+"/api/v1/signals/self/complaint", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Receipt-Code", code)
		return e.Send(p, req)
	}
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/signals/self/messages", strings.NewReader(`{"body":"`+more+`"}`))
	req.Header.Set("X-Receipt-Code", code)
	req.Header.Set("Content-Type", "application/json")
	if r := e.Send(nil, req); r.Status != 204 {
		t.Fatalf("adding to the signal: %d %s", r.Status, r.Body)
	}

	if r := send(c.Complainant, code+"x"); r.Status != 404 {
		t.Fatalf("a wrong code: %d %s", r.Status, r.Body)
	}
	r := send(c.Complainant, code)
	if r.Status != 201 {
		t.Fatalf("converting: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	var v struct {
		State       string `json:"state"`
		Category    string `json:"category"`
		Description string `json:"description"`
		Respondent  struct {
			Ministry string `json:"ministry"`
		} `json:"respondent"`
	}
	e.Must(200, c.Complainant, "GET", "/api/v1/cases/"+id, nil).Decode(t, &v)
	if v.State != "submitted" || v.Category != "aggression_violence" || v.Respondent.Ministry != "BZK" ||
		!strings.Contains(v.Description, first) || !strings.Contains(v.Description, more) {
		t.Fatalf("the complaint does not carry the signal: %+v", v)
	}
	if r := send(c.Complainant, code); r.Status != 409 {
		t.Fatalf("converting twice: %d %s", r.Status, r.Body)
	}
	var linked int64
	e.App.DB.Raw(`SELECT count(*) FROM signals WHERE converted_case_id = ?`, id).Scan(&linked)
	if linked != 1 {
		t.Fatalf("signal not linked to its complaint (%d)", linked)
	}
}
