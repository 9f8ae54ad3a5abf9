package privacy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

type dsr struct {
	ID         string
	DueOn      string `json:"due_on"`
	Overdue    bool
	DueSoon    bool       `json:"due_soon"`
	ClosedAt   *time.Time `json:"closed_at"`
	Outcome    string
	LegalBasis string `json:"legal_basis"`
	Exports    []struct {
		MadeAt time.Time `json:"made_at"`
	}
}

func problemType(t *testing.T, r *apptest.Response, status int, typ string) {
	t.Helper()
	if r.Status != status || !strings.HasSuffix(r.Map(t)["type"].(string), "/"+typ) {
		t.Fatalf("status %d %s, want %d %s", r.Status, r.Body, status, typ)
	}
}

// withComplaint starts the service with the cast, the complainant having
// filed a complaint that carries tag in every free text.
func withComplaint(t *testing.T) (e *apptest.Env, c *cast, tag string) {
	t.Helper()
	e = apptest.New(t)
	c = newCast(t, e)
	tag = sentinel("DESC")
	c.File(t, c.Complainant, complaint(tag))
	return e, c, tag
}

// TestExportWithoutRequestRefused is the attack of issue 14: the privacy
// officer reads a person's whole case file through the export at will. Now
// the export answers 403 with the reason until a data-subject request for
// that person is recorded, reads nothing, logs no export and tells the
// person nothing happened (because nothing did).
func TestExportWithoutRequestRefused(t *testing.T) {
	t.Parallel()
	e, c, tag := withComplaint(t)
	export := "/api/v1/persons/" + c.Complainant.ID.String() + "/export"

	r := e.Do(c.Privacy, "GET", export, nil)
	problemType(t, r, 403, "no-data-subject-request")
	if strings.Contains(string(r.Body), tag) || !strings.Contains(r.Map(t)["detail"].(string), "data-subject request") {
		t.Fatalf("refusal %s", r.Body)
	}
	// A request about someone else opens nothing for this person.
	e.Must(201, c.Privacy, "POST", "/api/v1/data-subject-requests", request(c.Respondent.ID.String(), e.Clock.Now()))
	problemType(t, e.Do(c.Privacy, "GET", export, nil), 403, "no-data-subject-request")
	var reads int64
	e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE person_id = ? AND action LIKE '%export%'`, c.Privacy.ID).Scan(&reads)
	if reads != 0 {
		t.Errorf("%d export entries on the access log after refused exports", reads)
	}
	var notices struct{ Items []any }
	e.Must(200, c.Complainant, "GET", "/api/v1/me/notices", nil).Decode(t, &notices)
	if len(notices.Items) != 0 {
		t.Errorf("the complainant has notices %v after refused exports", notices.Items)
	}
}

func request(subject string, received time.Time) map[string]any {
	return map[string]any{"subject_id": subject, "requested_by": "De klager zelf, per brief van 2 maart",
		"received_on": received.Format(time.DateOnly), "identity_check": "Paspoort getoond aan de balie", "legal_basis": "art15"}
}

// TestDataSubjectRequestFlow: the officer records a request (checked), it
// has a deadline of one month shown as due soon and overdue as time
// passes; the export under it is recorded with the request and the access
// log, the person sees it in their account; a closed request opens nothing.
func TestDataSubjectRequestFlow(t *testing.T) {
	t.Parallel()
	e, c, tag := withComplaint(t)
	today := e.Clock.Now()

	// Recording is checked, and only the privacy officer records.
	for field, body := range map[string]map[string]any{
		"legal_basis":    {"subject_id": c.Complainant.ID, "requested_by": "x", "received_on": today.Format(time.DateOnly), "identity_check": "x", "legal_basis": "art17"},
		"received_on":    {"subject_id": c.Complainant.ID, "requested_by": "x", "received_on": today.AddDate(0, 0, 2).Format(time.DateOnly), "identity_check": "x", "legal_basis": "art15"},
		"identity_check": {"subject_id": c.Complainant.ID, "requested_by": "x", "received_on": today.Format(time.DateOnly), "identity_check": " ", "legal_basis": "art15"},
		"subject_id":     {"subject_id": c.Privacy.ID, "requested_by": "x", "received_on": today.Format(time.DateOnly), "identity_check": "x", "legal_basis": "art15"},
	} {
		r := e.Do(c.Privacy, "POST", "/api/v1/data-subject-requests", body)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming the field", field, r.Status, r.Body)
		}
	}
	for _, p := range []*apptest.Person{c.Complainant, c.Secretary, c.Admin} {
		if r := e.Do(p, "POST", "/api/v1/data-subject-requests", request(c.Complainant.ID.String(), today)); r.Status != 403 {
			t.Errorf("%s records a request: %d, want 403", p.Email, r.Status)
		}
	}

	received := today.AddDate(0, 0, -25)
	var req dsr
	e.Must(201, c.Privacy, "POST", "/api/v1/data-subject-requests", request(c.Complainant.ID.String(), received)).Decode(t, &req)
	if want := received.AddDate(0, 1, 0).Format(time.DateOnly); req.DueOn != want || !req.DueSoon || req.Overdue {
		t.Errorf("request %+v: want due on %s, due soon", req, want)
	}

	r := e.Must(200, c.Privacy, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export?request="+req.ID, nil)
	if !strings.Contains(string(r.Body), tag) || r.Map(t)["request_id"] != req.ID {
		t.Fatalf("the export under the request: %.300s", r.Body)
	}
	e.Must(200, c.Privacy, "GET", "/api/v1/data-subject-requests/"+req.ID, nil).Decode(t, &req)
	if len(req.Exports) != 1 {
		t.Errorf("the request lists %d exports, want 1", len(req.Exports))
	}
	var logged int64
	e.App.DB.Raw(`SELECT count(*) FROM access_log WHERE person_id = ? AND action = ?`, c.Privacy.ID,
		"export:person:"+c.Complainant.ID.String()+":request:"+req.ID).Scan(&logged)
	if logged != 1 {
		t.Errorf("%d access-log entries for the export under the request, want 1", logged)
	}
	var notices struct {
		Items []struct {
			Kind, LegalBasis string
			At               time.Time
		}
	}
	e.Must(200, c.Complainant, "GET", "/api/v1/me/notices", nil).Decode(t, &notices)
	if len(notices.Items) != 1 || notices.Items[0].Kind != "data_export" || notices.Items[0].At.IsZero() {
		t.Errorf("the complainant's notices: %+v, want one data_export", notices.Items)
	}
	var others struct{ Items []any }
	e.Must(200, c.Respondent, "GET", "/api/v1/me/notices", nil).Decode(t, &others)
	if len(others.Items) != 0 {
		t.Errorf("the respondent sees %v", others.Items)
	}

	// Past the deadline it shows as overdue.
	e.Clock.Advance(10 * 24 * time.Hour)
	var list struct{ Items []dsr }
	e.Must(200, c.Privacy, "GET", "/api/v1/data-subject-requests", nil).Decode(t, &list)
	if len(list.Items) != 1 || !list.Items[0].Overdue {
		t.Errorf("after the deadline: %+v, want one overdue", list.Items)
	}

	// Closed, it opens nothing any more.
	problemType(t, e.Do(c.Privacy, "POST", "/api/v1/data-subject-requests/"+req.ID+"/close", map[string]any{"outcome": "done"}), 400, "validation")
	e.Must(200, c.Privacy, "POST", "/api/v1/data-subject-requests/"+req.ID+"/close", map[string]any{"outcome": "completed"})
	problemType(t, e.Do(c.Privacy, "POST", "/api/v1/data-subject-requests/"+req.ID+"/close", map[string]any{"outcome": "completed"}), 409, "request-closed")
	problemType(t, e.Do(c.Privacy, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export", nil), 403, "no-data-subject-request")
	problemType(t, e.Do(c.Privacy, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export?request="+req.ID, nil), 403, "no-data-subject-request")
}
