package cases_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// fromAddress posts a signal as the client at addr (the test trusts
// X-Forwarded-For from loopback, as production trusts its ingress).
func fromAddress(t *testing.T, e *apptest.Env, addr string, body map[string]any) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", e.Server.URL+"/api/v1/signals", strings.NewReader(string(casetest.MustJSON(body))))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	return e.Send(nil, req)
}

func signalEnv(t *testing.T, perHour string) *apptest.Env {
	return apptest.NewWithConfig(t, apptest.Config(t, map[string]string{
		"RKC_TRUSTED_PROXIES": "127.0.0.0/8,::1/128", "RKC_SIGNALS_PER_HOUR": perHour}))
}

// TestSignalFlood is the attack of issue 14: 40 anonymous signals in a row
// from one address. The first five are taken, the rest refused with 429
// and a Retry-After, and the committee's list holds five; someone at
// another address can still report; an hour later the address may again.
func TestSignalFlood(t *testing.T) {
	t.Parallel()
	e := signalEnv(t, "100")
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant("secretary", "*"))
	msg := strings.Repeat("Er wordt gepest. ", 500) // 8,500 characters, within the bound
	accepted := 0
	for i := range 40 {
		r := fromAddress(t, e, "198.51.100.7", map[string]any{"category": "bullying", "message": msg + strconv.Itoa(i)})
		switch r.Status {
		case http.StatusCreated:
			accepted++
		case http.StatusTooManyRequests:
			casetest.Problem(t, r, 429, "too-many-signals")
			if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s < 1 || s > 3600 {
				t.Fatalf("Retry-After %q, want 1..3600 seconds", r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("post %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if accepted != 5 {
		t.Fatalf("%d of 40 signals from one address accepted, want 5", accepted)
	}
	var list struct{ Items []map[string]any }
	e.Must(200, sec, "GET", "/api/v1/signals", nil).Decode(t, &list)
	if len(list.Items) != 5 {
		t.Fatalf("the committee sees %d signals, want 5", len(list.Items))
	}
	e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "message": "Een melding van elders."})
	if r := fromAddress(t, e, "198.51.100.7", map[string]any{"category": "bullying", "message": "Nog een."}); r.Status != 429 {
		t.Fatalf("within the hour: %d, want 429", r.Status)
	}
	e.Clock.Advance(time.Hour + time.Second)
	if r := fromAddress(t, e, "198.51.100.7", map[string]any{"category": "bullying", "message": "Een uur later."}); r.Status != 201 {
		t.Fatalf("an hour later: %d %s, want 201", r.Status, r.Body)
	}

	// The bound on a signal's length: 20,000 characters are refused.
	errs := casetest.Problem(t, fromAddress(t, e, "198.51.100.8", map[string]any{"category": "bullying", "message": strings.Repeat("x", 20000)}), 400, "validation")
	if errs["message"] == "" {
		t.Error("no error on message for 20,000 characters")
	}
}

// TestSignalOverallLimit: a flood spread over many addresses meets the
// overall limit, counted over every instance in the database.
func TestSignalOverallLimit(t *testing.T) {
	t.Parallel()
	e := signalEnv(t, "8")
	accepted := 0
	for i := range 20 {
		r := fromAddress(t, e, "203.0.113."+strconv.Itoa(i+1), map[string]any{"category": "other", "message": "Melding " + strconv.Itoa(i)})
		if r.Status == http.StatusCreated {
			accepted++
		} else {
			casetest.Problem(t, r, 429, "too-many-signals")
		}
	}
	if accepted != 8 {
		t.Fatalf("%d of 20 signals from 20 addresses accepted, want the overall limit 8", accepted)
	}
	e.Clock.Advance(time.Hour + time.Second)
	if r := fromAddress(t, e, "203.0.113.99", map[string]any{"category": "other", "message": "Later."}); r.Status != 201 {
		t.Fatalf("an hour later: %d %s, want 201", r.Status, r.Body)
	}
}

// TestSignalAbuse: the committee marks flood signals as abuse; they stay
// on file, marked, and leave the report's count of signals for the
// separate count of abuse; the mark can be taken away.
func TestSignalAbuse(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	e := c.E
	var ids []string
	for i := range 3 {
		e.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "message": "Melding " + strconv.Itoa(i)})
	}
	var list struct {
		Items []struct {
			ID    string
			Abuse bool
		}
	}
	e.Must(200, c.Secretary, "GET", "/api/v1/signals", nil).Decode(t, &list)
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	totals := func() (counted, abuse int) {
		t.Helper()
		var rows []struct {
			Abuse   bool
			Signals int
		}
		if err := e.App.DB.Raw(`SELECT abuse, sum(signals)::int AS signals FROM report_signals GROUP BY abuse`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Abuse {
				abuse = r.Signals
			} else {
				counted = r.Signals
			}
		}
		return
	}
	if n, a := totals(); n != 3 || a != 0 {
		t.Fatalf("before: %d counted, %d abuse; want 3, 0", n, a)
	}

	yes, no := map[string]any{"abuse": true}, map[string]any{"abuse": false}
	path := "/api/v1/signals/" + ids[0] + "/abuse"
	casetest.Problem(t, e.Do(c.Complainant, "PUT", path, yes), 403, "forbidden")
	casetest.Problem(t, e.Do(c.Admin, "PUT", path, yes), 403, "forbidden")
	casetest.Problem(t, e.Do(c.Secretary, "PUT", path, map[string]any{}), 400, "validation")
	casetest.Problem(t, e.Do(c.Secretary, "PUT", "/api/v1/signals/"+c.Complainant.ID.String()+"/abuse", yes), 404, "not-found")
	e.Must(204, c.Secretary, "PUT", path, yes)
	e.Must(204, c.Chair, "PUT", "/api/v1/signals/"+ids[1]+"/abuse", yes)
	e.Must(204, c.Chair, "PUT", "/api/v1/signals/"+ids[1]+"/abuse", yes) // again: no change
	if n, a := totals(); n != 1 || a != 2 {
		t.Fatalf("after marking two: %d counted, %d abuse; want 1, 2", n, a)
	}
	// Folding the appended totals keeps the two apart.
	if err := e.App.DB.Exec(`SELECT report_compact()`).Error; err != nil {
		t.Fatal(err)
	}
	if n, a := totals(); n != 1 || a != 2 {
		t.Fatalf("after report_compact: %d counted, %d abuse; want 1, 2", n, a)
	}
	var one map[string]any
	e.Must(200, c.Secretary, "GET", "/api/v1/signals/"+ids[0], nil).Decode(t, &one)
	if one["abuse"] != true {
		t.Errorf("the marked signal reads %v, want abuse true", one["abuse"])
	}
	var report struct {
		Figures []struct{ Key string }
	}
	e.Must(200, c.Reporter, "GET", "/api/v1/reports/annual/"+strconv.Itoa(e.Clock.Now().Year()), nil).Decode(t, &report)
	found := false
	for _, f := range report.Figures {
		found = found || f.Key == "signals_abuse"
	}
	if !found {
		t.Error("the annual report has no separate figure signals_abuse")
	}

	e.Must(204, c.Secretary, "PUT", path, no)
	if n, a := totals(); n != 2 || a != 1 {
		t.Fatalf("after taking one mark away: %d counted, %d abuse; want 2, 1", n, a)
	}
	if got := c.Count(t, "access_log", "action IN ('signal:abuse', 'signal:abuse:undo')"); got != 3 {
		t.Errorf("%d abuse entries on the access log, want 3", got)
	}
}
