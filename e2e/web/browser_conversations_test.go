package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// caseUnderInvestigation files a complaint as the complainant and brings it
// to investigating through the API, with the member on the panel.
func (c *cast) caseUnderInvestigation(t *testing.T) string {
	t.Helper()
	e := c.e
	id := e.Must(201, c.complainant, "POST", "/api/v1/cases", map[string]any{"category": "bullying",
		"description": "Mijn leidinggevende kleineert mij in elk werkoverleg.", "contact": "06-12345678",
		"respondent": map[string]any{"name": "A. Aangeklaagde", "ministry": "BZK"}}).Map(t)["id"].(string)
	base := "/api/v1/cases/" + id
	e.Must(200, c.secretary, "POST", base+"/register", map[string]any{})
	e.Must(200, c.chair, "POST", base+"/admissibility", map[string]any{"admissible": true})
	e.Must(200, c.chair, "POST", base+"/panel", map[string]any{"member_ids": []string{c.member.ID.String()}})
	e.Must(200, c.secretary, "POST", base+"/investigation", map[string]any{"respondent_email": c.respondent.Email})
	return id
}

// fetchText fetches a path of the server in the tab, with its session, and
// returns the status and the body.
func (b *tab) fetchText(path string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(path)+`).then(r => r.text().then(t => r.status + "\n" + t))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: fetch %s: %v", b.name, path, err)
	}
	return s
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestConversations in the browser (issue 10): the complainant and the
// secretary exchange messages with files, a panel member writes an internal
// note and edits it, and the complainant's page, timeline and data export
// show no trace of the note. The secretary adds a witness, who sees only
// their own part; the complainant reports retaliation and the chair takes
// it up. Every new page is checked with axe-core in Dutch and English.
func TestConversations(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.caseUnderInvestigation(t)
	casePath := "/cases/" + id
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// The complainant writes to the committee, with a file.
	kl := c.atPage(t, c.complainant, "klager", casePath)
	kl.expect("Berichten en meer", "Uw berichten met de commissie")
	kl.submit("a[href$='/threads/complainant']")
	kl.expect("Uw berichten in zaak", "Er zijn nog geen berichten.")
	kl.submit("form[action$='/messages'] button[type=submit]") // empty
	kl.expect("Vul uw tekst in.")
	kl.fill("#f-body", "Gisteren belde mijn leidinggevende mij thuis op over de klacht.")
	kl.do("choose a file", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{write("gesprek-notities.txt", "Notities van het telefoongesprek.\n")}, chromedp.NodeReady))
	kl.submit("form[action$='/messages'] button[type=submit]")
	kl.expect("Uw bericht is verstuurd.", "belde mijn leidinggevende", "gesprek-notities.txt")
	kl.check("50-berichten-klager", true)

	// The secretary reads it and answers, with a file of their own.
	sec := c.atPage(t, c.secretary, "secretaris", casePath)
	sec.expect("Berichten met de klager en de vertrouwenspersoon", "berichten: 1")
	sec.submit("a[href$='/threads/complainant']")
	sec.expect("Berichten met de klager in zaak", "belde mijn leidinggevende", "gesprek-notities.txt")
	if got := sec.fetchText(sec.eval(`document.querySelector("a[href*='/attachments/']").getAttribute('href')`)); got != "200\nNotities van het telefoongesprek.\n" {
		t.Errorf("the secretary downloads %q", got)
	}
	sec.fill("#f-body", "Dank u. Wij nemen dit mee; bijgaand de uitnodiging voor de hoorzitting.")
	sec.do("choose a file", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{write("uitnodiging.txt", "Uitnodiging hoorzitting.\n")}, chromedp.NodeReady))
	sec.submit("form[action$='/messages'] button[type=submit]")
	sec.expect("Uw bericht is verstuurd.", "bijgaand de uitnodiging", "uitnodiging.txt")
	sec.check("51-berichten-secretaris")

	kl.open(casePath + "/threads/complainant")
	kl.expect("bijgaand de uitnodiging", "uitnodiging.txt", c.secretary.Name)

	// The respondent has a thread of their own and cannot open the
	// complainant's.
	resp := c.atPage(t, c.respondent, "aangeklaagde", casePath)
	resp.expect("Uw berichten met de commissie")
	if body := resp.text("main"); strings.Contains(body, "belde mijn leidinggevende") {
		t.Errorf("the respondent's case page shows the complainant's message")
	}
	resp.open(casePath + "/threads/complainant")
	resp.expect("niet gevonden")

	// A member of the panel writes an internal note, then a new version.
	const draft = "Concept: de verklaring over het telefoongesprek weegt mee bij de bevindingen."
	const revised = "Concept, herzien: het telefoongesprek bevestigt het patroon."
	lid := c.atPage(t, c.member, "lid", casePath)
	lid.submit("a[href$='/notes']")
	lid.expect("Interne notities van het panel", "Er zijn nog geen notities.")
	lid.click("#f-kind-draft_findings")
	lid.fill("#f-title", "Bevindingen telefoongesprek")
	lid.fill("#f-body", draft)
	lid.submit("form[action$='/notes'] button[type=submit]")
	lid.expect("De notitie is opgeslagen.", draft, "Conceptbevindingen", "versie 1")
	note := strings.TrimPrefix(lid.eval(`document.querySelector('article.rkc-note').id`), "note-")
	lid.click("#note-" + note + " summary")
	lid.fill("#f-body-"+note, revised)
	lid.submit("form[action$='/notes/" + note + "'] button[type=submit]")
	lid.expect("De nieuwe versie van de notitie is opgeslagen.", revised, "versie 2")
	lid.check("52-interne-notities", true)

	// No trace of the note for the complainant: not on the case page, its
	// timeline, the thread, nor in the data export.
	kl.open(casePath)
	for _, s := range []string{draft, revised, "Bevindingen telefoongesprek", "Interne notitie", "interne notities"} {
		if body := kl.text("body"); strings.Contains(body, s) {
			t.Errorf("the complainant's case page shows %q", s)
		}
	}
	kl.open(casePath + "/notes")
	kl.expect("Geen toegang")
	kl.open("/my-data")
	export := kl.fetchText("/my-data/export.json")
	if !strings.HasPrefix(export, "200\n") || !strings.Contains(export, "belde mijn leidinggevende") {
		t.Fatalf("the complainant's export: %.300s", export)
	}
	for _, s := range []string{draft, revised, "Bevindingen telefoongesprek", "note_written", "note_edited"} {
		if strings.Contains(export, s) {
			t.Errorf("the complainant's data export holds %q", s)
		}
	}

	// The secretary adds a witness with an account; the witness sees only
	// their own part.
	getuige := c.e.Person("getuige@test.rkc", "SZW")
	sec.open(casePath + "/witnesses")
	sec.expect("Getuigen", "Er zijn nog geen getuigen toegevoegd.")
	sec.fill("#f-name", "P. Getuige")
	sec.fill("#f-contact", "06-99999999")
	sec.click("#f-proposed-by")
	sec.fill("#f-email", getuige.Email)
	sec.submit("form[action$='/witnesses'] button[type=submit]")
	sec.expect("De getuige is toegevoegd.", "P. Getuige", "Ja, de getuige kan inloggen")
	wid := strings.TrimPrefix(sec.eval(`document.querySelector('article.rkc-witness').id`), "witness-")
	sec.click("#witness-" + wid + " details:nth-of-type(1) summary")
	sec.fill("#f-statement-"+wid, "Ik hoorde de leidinggevende in het overleg spottende opmerkingen maken.")
	sec.submit("form[action$='/statement'] button[type=submit]")
	sec.expect("De verklaring is opgeslagen.", "spottende opmerkingen")
	sec.check("53-getuigen")

	gt := c.atPage(t, getuige, "getuige", casePath)
	gt.expect("U bent getuige in deze zaak", "Uw verklaring", "spottende opmerkingen", "Uw berichten met de commissie")
	for _, s := range []string{"kleineert mij", "06-12345678", "belde mijn leidinggevende", revised} {
		if body := gt.text("body"); strings.Contains(body, s) {
			t.Errorf("the witness's page shows %q", s)
		}
	}
	gt.check("54-zaak-getuige")
	gt.open(casePath + "/threads/complainant")
	gt.expect("niet gevonden")

	// The complainant reports retaliation; it goes to the chair.
	kl.open(casePath)
	kl.submit("a[href$='/retaliation']")
	kl.expect("Meldingen van benadeling", "Er zijn geen meldingen.")
	kl.fill("#f-description", "Sinds de klacht word ik niet meer uitgenodigd voor het werkoverleg.")
	kl.submit("form[action$='/retaliation'] button[type=submit]")
	kl.expect("Uw melding is ontvangen.", "Ontvangen", "niet meer uitgenodigd")
	kl.check("55-benadeling-klager")

	ch := c.atPage(t, c.chair, "voorzitter", casePath+"/retaliation")
	ch.expect("niet meer uitgenodigd", c.complainant.Name)
	ch.click("input[name=to][value=under_review]")
	ch.fill("textarea[name=reason]", "De voorzitter vraagt de leidinggevende om een reactie.")
	ch.submit("form[action$='/state'] button[type=submit]")
	ch.expect("De stap is vastgelegd.", "In behandeling", "om een reactie")
	ch.check("56-benadeling-voorzitter")
	sec.open(casePath + "/retaliation")
	sec.expect("Geen toegang")

	// The complainant's export holds their own report, still no note.
	export = kl.fetchText("/my-data/export.json")
	if !strings.Contains(export, "niet meer uitgenodigd") || strings.Contains(export, revised) {
		t.Errorf("the complainant's export after the report: %.300s", export)
	}
}
