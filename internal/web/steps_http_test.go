package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/accountstest"
)

// An adviser files on behalf of a complainant with the consent recorded;
// the complainant then follows the case, answers a request for information,
// adds a statement and evidence, downloads their data; the chair extends.
func TestAdviserFilesOnBehalfAndComplainantSteps(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	vp := w.signedIn(t, w.adviser)
	if p := vp.get("/complaint/step/behalf"); p.Status != 200 || !strings.Contains(p.Body, "E-mailadres van de klager") {
		t.Fatalf("behalf step: %d", p.Status)
	}
	// Without consent the step refuses, beside the fields.
	p := vp.post("/complaint/step/behalf", "/complaint/step/behalf", url.Values{"complainant_email": {w.complainant.Email}, "nav": {"next"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Beschrijf hoe de klager toestemming heeft gegeven.") ||
		!strings.Contains(p.Body, `id="f-consent-error"`) {
		t.Fatalf("behalf without consent: %d %.500s", p.Status, p.Body)
	}
	steps := []struct {
		step string
		form url.Values
	}{
		{"behalf", url.Values{"complainant_email": {w.complainant.Email}, "consent": {"Schriftelijk op 3 maart"}, "consent_given": {"yes"}}},
		{"what", url.Values{"category": {"sexual_harassment"}, "description": {"Ongewenste aanrakingen tijdens de borrel."}}},
		{"when", url.Values{"incident_when": {"december 2025"}}},
		{"who", url.Values{"respondent_ministry": {"BZK"}}},
		{"more", url.Values{}},
	}
	for _, s := range steps {
		s.form.Set("nav", "next")
		if p := vp.post("/complaint/step/"+s.step, "/complaint/step/"+s.step, s.form); p.Status != 200 {
			t.Fatalf("step %s: %d %.300s", s.step, p.Status, p.Body)
		}
	}
	if p := vp.get("/complaint/review"); !strings.Contains(p.Body, "Schriftelijk op 3 maart") || !strings.Contains(p.Body, w.complainant.Email) {
		t.Fatalf("review lacks the consent: %.300s", p.Body)
	}
	p = vp.post("/complaint/review", "/complaint/send", url.Values{})
	if !strings.HasPrefix(p.URL, "/cases/") || !strings.Contains(p.Body, "Ingediend door de vertrouwenspersoon") {
		t.Fatalf("after sending: %s %.500s", p.URL, p.Body)
	}
	casePath := p.URL

	// The complainant sees the case the adviser filed.
	kl := w.signedIn(t, w.complainant)
	if p := kl.get("/dashboard"); !strings.Contains(p.Body, casePath) {
		t.Fatalf("the complainant's dashboard lacks the case")
	}

	// The secretary registers and asks for information; the complainant answers.
	sec := w.signedIn(t, w.secretary)
	sec.post(casePath, casePath+"/register", url.Values{})
	if p := sec.post(casePath, casePath+"/information-request", url.Values{"what": {"Wie waren erbij?"}, "term_days": {"14"}}); !strings.Contains(p.Body, "Wacht op informatie") {
		t.Fatalf("information request: %.300s", p.Body)
	}
	if p := kl.post(casePath, casePath+"/information", url.Values{"text": {"Collega's van team B."}}); !strings.Contains(p.Body, "Uw aanvulling is ontvangen") {
		t.Fatalf("supply: %.300s", p.Body)
	}
	if p := kl.post(casePath, casePath+"/statement", url.Values{"body": {"Nog een aanvulling."}}); !strings.Contains(p.Body, "Nog een aanvulling.") {
		t.Fatalf("statement: %.300s", p.Body)
	}
	// Evidence of a refused type is refused with a plain message; a text file is taken.
	for _, f := range []struct {
		name, content string
		ok            bool
	}{{"programma.exe", "MZ", false}, {"notitie.txt", "Aantekening.", true}} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		csrf := accountstest.CSRFField.FindStringSubmatch(kl.get(casePath).Body)[1]
		mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("file", f.name)
		fw.Write([]byte(f.content))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, kl.Base+casePath+"/attachment", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		p := kl.do(req)
		if f.ok != strings.Contains(p.Body, "Het bestand is toegevoegd.") {
			t.Fatalf("uploading %s: %d %.500s", f.name, p.Status, p.Body)
		}
		if !f.ok && (p.Status != http.StatusUnsupportedMediaType || !strings.Contains(p.Body, "Dit bestandstype is niet toegestaan")) {
			t.Fatalf("refused upload: %d without a plain message or 415, as the conversation forms answer: %.500s", p.Status, p.Body)
		}
	}
	// The download is an attachment, never rendered in the site's origin.
	page := kl.get(casePath)
	href := regexpFind(`href="(/cases/[^"]+/attachments/[^"]+)"`, page.Body)
	d := kl.get(href)
	if d.Status != 200 || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(d.Header.Get("Content-Security-Policy"), "sandbox") || d.Body != "Aantekening." {
		t.Fatalf("attachment download: %d %v %q", d.Status, d.Header, d.Body)
	}
	// My data, as JSON.
	exp := kl.get("/my-data/export.json")
	if exp.Status != 200 || !strings.Contains(exp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(exp.Body, `"cases"`) {
		t.Fatalf("export: %d %.200s", exp.Status, exp.Body)
	}
	// The chair extends once; a second time is refused in plain words.
	ch := w.signedIn(t, w.chair)
	if p := ch.post(casePath, casePath+"/extension", url.Values{"reason": {"Getuigen op vakantie"}}); !strings.Contains(p.Body, "De termijn is verlengd") {
		t.Fatalf("extension: %.300s", p.Body)
	}
	if p := ch.get(casePath); strings.Contains(p.Body, casePath+"/extension") {
		t.Errorf("the extension form is still offered after extending")
	}
	// The complainant withdraws; the confirmation is required.
	if p := kl.post(casePath, casePath+"/withdraw", url.Values{}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Bevestig dat u de klacht wilt intrekken.") {
		t.Fatalf("withdraw unconfirmed: %d", p.Status)
	}
	p = kl.post(casePath, casePath+"/withdraw", url.Values{"confirm": {"yes"}})
	if !strings.Contains(p.Body, "De klacht is ingetrokken.") {
		t.Fatalf("withdraw: %.300s", p.Body)
	}
	// A finished case has no deadline any more; it is not waiting for one.
	if strings.Contains(p.Body, "Nog geen termijn") || strings.Contains(p.Body, "Uiterlijke besluitdatum") {
		t.Errorf("the withdrawn case still speaks of a decision date to come")
	}
}

// Pages a role may not open answer 403 (role layer) or 404 (a case the
// caller does not relate to), never the page.
func TestPagesOutsideTheRole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	kl := w.signedIn(t, w.complainant)
	for _, path := range []string{"/audit", "/admin/accounts", "/deadlines", "/committee/signals", "/reports"} {
		if p := kl.get(path); p.Status != http.StatusForbidden {
			t.Errorf("complainant GET %s: %d", path, p.Status)
		}
	}
	adm := w.signedIn(t, w.admin)
	if p := adm.get("/cases/" + w.submitted.ID.String()); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Errorf("admin reads a case: %d", p.Status)
	}
	w.checkSignInFirst(t, "/dashboard")
}

// The deadline board lists a finished case with the day it closes by
// itself, until it is closed.
func TestDeadlineBoardShowsCasesWaitingToClose(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.submitted.ID.String()
	w.e.Must(200, w.secretary, "POST", "/api/v1/cases/"+id+"/register", map[string]any{})
	w.e.Must(200, w.complainant, "POST", "/api/v1/cases/"+id+"/withdraw", map[string]any{"reason": "Opgelost."})
	sec := w.signedIn(t, w.secretary)
	p := sec.get("/deadlines")
	i := strings.Index(p.Body, "Afgerond, wacht op automatisch sluiten")
	if p.Status != 200 || i < 0 || !strings.Contains(p.Body[i:], w.submitted.Number) || !strings.Contains(p.Body[i:], "Sluit op ") {
		t.Fatalf("the board does not list the withdrawn case as waiting to close: %d", p.Status)
	}
	w.e.Must(200, w.secretary, "POST", "/api/v1/cases/"+id+"/close", map[string]any{})
	if p := sec.get("/deadlines"); strings.Contains(p.Body, w.submitted.Number) {
		t.Errorf("the closed case is still on the board")
	}
}
