package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

type cast struct {
	e                                                *apptest.Env
	complainant, adviser, secretary, chair, member   *apptest.Person
	memberBZK, respondent, authority, privacyOfficer *apptest.Person
	admin, reporter                                  *apptest.Person
}

func newCast(t *testing.T) *cast {
	e := apptest.New(t)
	return &cast{e: e,
		complainant:    e.Person("klager@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK")),
		adviser:        e.Person("adviseur@test.rkc", "BZK", apptest.Grant(authz.Adviser, "BZK")),
		secretary:      e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain)),
		chair:          e.Person("voorzitter@test.rkc", "OCW", apptest.Grant(authz.Chair, authz.AnyDomain)),
		member:         e.Person("lid@test.rkc", "JenV", apptest.Grant(authz.Member, authz.AnyDomain)),
		memberBZK:      e.Person("lid2@test.rkc", "BZK", apptest.Grant(authz.Member, authz.AnyDomain)),
		respondent:     e.Person("aangeklaagde@test.rkc", "BZK"),
		authority:      e.Person("gezag-bzk@test.rkc", "BZK", apptest.Grant(authz.Authority, "BZK")),
		privacyOfficer: e.Person("fg@test.rkc", "BZK", apptest.Grant(authz.PrivacyOfficer, authz.AnyDomain)),
		admin:          e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain)),
		reporter:       e.Person("rapportage@test.rkc", "BZK", apptest.Grant(authz.Reporter, authz.AnyDomain)),
	}
}

func (c *cast) tab(t *testing.T, p *apptest.Person, name string) *tab {
	b := newTab(t, c.e.Server.URL, name)
	b.login(p.Email, apptest.Password)
	return b
}

// atPage signs p in on a tab of their own (name, for screenshots) and opens
// the page at path, where most of a person's steps start.
func (c *cast) atPage(t *testing.T, p *apptest.Person, name, path string) *tab {
	b := c.tab(t, p, name)
	b.open(path)
	return b
}

// atDashboard signs p in on a tab of their own and checks the dashboard the
// sign-in lands on: it must list the work waiting for them (waiting), and it
// is checked (axe-core, screenshot) as the page named page.
func (c *cast) atDashboard(t *testing.T, p *apptest.Person, name, waiting, page string) *tab {
	b := c.tab(t, p, name)
	b.expect(waiting)
	b.check(page)
	return b
}

// field is a form field to fill in: its selector and the value.
type field struct{ sel, value string }

// The whole life of a complaint in the browser, every page checked with
// axe-core in Dutch and English: the complainant files with an attachment,
// the secretary registers, the chair admits and composes a panel (a member
// with a conflict is refused), the secretary starts the investigation naming
// the respondent and plans a hearing, the respondent answers, a member
// records the hearing, the chair adopts the advice, the authority decides
// (reasons demanded when departing), and the complainant sees the outcome.
func TestJourney(t *testing.T) {
	t.Parallel()
	c := newCast(t)

	// The complainant files.
	kl := c.tab(t, c.complainant, "klager")
	kl.check("01-overzicht-klager", true)
	kl.open("/complaint")
	kl.check("02-klacht-uitleg")
	kl.submit("a[href='/complaint/step/what']")
	kl.check("03-klacht-stap-wat", true)
	kl.submit("button[name=nav][value=next]") // nothing filled in
	kl.expect("Er is iets niet goed ingevuld", "Kies om wat voor gedrag het gaat.", "Beschrijf wat er is gebeurd.")
	if inv := kl.eval(`document.getElementById('f-description').getAttribute('aria-invalid') + ' ' + document.getElementById('f-description').getAttribute('aria-describedby')`); !strings.Contains(inv, "true") || !strings.Contains(inv, "f-description-error") {
		t.Errorf("the description field does not point to its error: %s", inv)
	}
	kl.checkShown("04-klacht-fouten", "nl")
	kl.click("#f-category-discrimination")
	kl.fill("#f-ground", "age")
	kl.fill("#f-description", "Mijn leidinggevende maakt al maanden grappen over mijn leeftijd waar het hele team bij is.")
	kl.submit("button[name=nav][value=next]")
	// The steps with text fields only: each checked, filled in, and left
	// with Next.
	for _, step := range []struct {
		page   string
		fields []field
	}{
		{"_05-klacht-stap-wanneer", []field{
			{"#f-incident-when", "januari tot maart 2026, wekelijks"},
			{"#f-incident-where", "Teamoverleg, Den Haag"}}},
		{"_06-klacht-stap-wie", []field{
			{"#f-respondent-name", "A. Aangeklaagde"},
			{"#f-respondent-ministry", "BZK"},
			{"#f-respondent-function", "Teamleider"}}},
		{"_07-klacht-stap-getuigen", []field{
			{"#f-witnesses", "Collega J. Jansen"},
			{"#f-wished-outcome", "Dat het stopt."},
			{"#f-contact", "06-12345678"}}},
	} {
		kl.check(step.page)
		for _, f := range step.fields {
			kl.fill(f.sel, f.value)
		}
		kl.submit("button[name=nav][value=next]")
	}
	evidence := filepath.Join(t.TempDir(), "verslag-teamoverleg.txt")
	if err := os.WriteFile(evidence, []byte("Aantekeningen van het teamoverleg van 12 februari 2026.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kl.do("choose the evidence file", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{evidence}, chromedp.NodeReady))
	kl.submit("button[name=nav][value=upload]")
	kl.expect("verslag-teamoverleg.txt")
	kl.check("08-klacht-stap-bewijs")
	kl.submit("button[name=nav][value=next]")
	kl.expect("Controleer uw klacht", "grappen over mijn leeftijd", "Leeftijd", "Teamleider", "verslag-teamoverleg.txt")
	kl.check("09-klacht-controleren")
	kl.submit("form[action='/complaint/send'] button")
	kl.expect("Uw klacht is verzonden", "Ingediend", "verslag-teamoverleg.txt")
	casePath := strings.SplitN(kl.path(), "?", 2)[0]
	if !strings.HasPrefix(casePath, "/cases/") {
		t.Fatalf("after sending at %s", casePath)
	}
	kl.check("10-zaak-klager", true)
	kl.open("/my-data")
	kl.check("11-mijn-gegevens")

	// The secretary registers.
	sec := c.atDashboard(t, c.secretary, "secretaris", "Nieuw binnengekomen klachten", "_12-overzicht-secretaris")
	sec.open(casePath)
	sec.check("13-zaak-registreren")
	sec.submit("form[action$='/register'] button[type=submit]")
	sec.expect("De klacht is geregistreerd", "Geregistreerd")

	// The chair admits and composes the panel; a member of the
	// complainant's ministry is refused, and the page says why.
	ch := c.atDashboard(t, c.chair, "voorzitter", "Ontvankelijkheid te beoordelen", "_14-overzicht-voorzitter")
	ch.open(casePath)
	ch.check("15-zaak-ontvankelijkheid")
	ch.click("#f-admissible")
	ch.submit("form[action$='/admissibility'] button[type=submit]")
	ch.expect("De klacht is ontvankelijk")
	ch.check("_16-zaak-panel")
	ch.click("#f-member-" + c.member.ID.String())
	ch.click("#f-member-" + c.memberBZK.ID.String())
	ch.submit("form[action$='/panel'] button[type=submit]")
	ch.expect("Een voorgesteld lid heeft een belangenconflict", c.memberBZK.Name+" kan niet worden toegewezen: werkt bij het ministerie van de klager.")
	ch.checkShown("17-panel-geweigerd", "nl")
	ch.click("#f-member-" + c.memberBZK.ID.String()) // untick the refused member
	ch.submit("form[action$='/panel'] button[type=submit]")
	ch.expect("Het panel is samengesteld", c.member.Name)

	// The secretary starts the investigation and plans a hearing.
	sec.open(casePath)
	sec.fill("#f-respondent-email", c.respondent.Email)
	sec.submit("form[action$='/investigation'] button[type=submit]")
	sec.expect("Het onderzoek is gestart", "In onderzoek")
	sec.check("_18-zaak-onderzoek")
	sec.fill("#f-date", time.Now().AddDate(0, 0, 14).Format(time.DateOnly))
	sec.fill("#f-time", "10:30")
	sec.fill("#f-parties", "both")
	sec.fill("#f-location", "Den Haag, zaal 3")
	sec.submit("form[action$='/hearing'] button[type=submit]")
	sec.expect("De hoorzitting is gepland", "Den Haag, zaal 3")

	// The respondent sees the complaint as shared, without the
	// complainant's contact details, and answers.
	resp := c.tab(t, c.respondent, "aangeklaagde")
	resp.expect("Klachten over mij")
	resp.open(casePath)
	resp.expect("De klacht zoals aan u gedeeld", "grappen over mijn leeftijd")
	if body := resp.text("main"); strings.Contains(body, "06-12345678") || strings.Contains(body, "J. Jansen") {
		t.Errorf("the respondent sees the complainant's contact details or witnesses")
	}
	resp.check("19-zaak-aangeklaagde")
	resp.fill("#f-body", "Ik herken mij niet in deze beschrijving.")
	resp.submit("form[action$='/statement'] button[type=submit]")
	resp.expect("Uw reactie is toegevoegd", "Ik herken mij niet")

	// The planned hearing lies ahead: it cannot be marked held yet. A
	// member records the hearing that took place this morning, after the
	// fact, with its minutes.
	lid := c.atDashboard(t, c.member, "lid", "Zaken waarin ik in het panel zit", "_20-overzicht-lid")
	lid.open(casePath)
	lid.expect("Deze hoorzitting ligt nog in de toekomst")
	if n := lid.eval(`String(document.querySelectorAll("form[action$='/record'] input[name=held]").length)`); n != "0" {
		t.Errorf("a hearing still to come can be marked held (%s checkboxes)", n)
	}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	today := c.e.Clock.Now().In(ams)
	lid.fill("#f-date", today.Format(time.DateOnly))
	lid.fill("#f-time", "00:00")
	lid.fill("#f-parties", "both")
	lid.fill("#f-minutes", "Beide partijen zijn gehoord. De klager bevestigt de beschrijving.")
	lid.submit("form[action$='/hearing'] button[type=submit]")
	lid.expect("Het verslag van de hoorzitting is opgeslagen", "Beide partijen zijn gehoord", "Gehouden")
	lid.check("_21-zaak-verslag")

	// The chair's steps while the case is under investigation: a further
	// delay with the complainant's written consent, refused until its date
	// and form are given; and the form for not hearing a side.
	ch.open(casePath)
	ch.check("_21a-zaak-voorzitter-onderzoek")
	ch.submit("form[action$='/further-delay'] button[type=submit]")
	ch.expect("Kies hoe de schriftelijke instemming binnenkwam.")
	ch.axe("21b-uitstel-fout (nl)")
	ch.fill("#f-new-due-on-delay", c.e.App.Cases.Calendar().Shift(today.AddDate(0, 0, 120)).Format(time.DateOnly))
	ch.fill("#f-consent-received-on-delay", today.Format(time.DateOnly))
	ch.fill("#f-consent-form-delay", "letter")
	ch.fill("#f-reason-delay", "Het rapport van de deskundige komt later.")
	ch.submit("form[action$='/further-delay'] button[type=submit]")
	ch.expect("Het verdere uitstel is vastgelegd", "Verder uitstel", "per brief")
	ch.fill("#f-side-notheard", "respondent")
	ch.fill("#f-ground-notheard", "manifestly_unfounded")
	ch.fill("#f-reason-notheard", "x")
	ch.submit("form[action$='/not-heard'] button[type=submit]")
	ch.expect("kennelijk ongegrond geldt alleen voor de klager")
	ch.axe("21c-niet-horen-fout (nl)")

	// The chair adopts the advice.
	ch.open(casePath)
	ch.fill("#f-findings", "De commissie acht aannemelijk dat de opmerkingen zijn gemaakt.")
	ch.fill("#f-judgement-1", "founded")
	ch.fill("#f-measures", "Een gesprek en een training.")
	ch.submit("form[action$='/advice'] button[type=submit]")
	ch.expect("Het advies is vastgesteld", "Advies uitgebracht", "Gegrond")
	ch.check("22-zaak-advies")

	// The authority decides; departing without reasons is refused.
	gz := c.atDashboard(t, c.authority, "gezag", "Adviezen die wachten op uw besluit", "_23-overzicht-gezag")
	gz.open(casePath)
	gz.check("24-zaak-besluit")
	gz.click("#f-follows-advice-no")
	gz.submit("form[action$='/decision'] button[type=submit]")
	gz.expect("Geef de redenen waarom u afwijkt van het advies")
	gz.checkShown("25-besluit-fout", "nl")
	gz.click("#f-follows-advice")
	gz.submit("form[action$='/decision'] button[type=submit]")
	gz.expect("Uw besluit is vastgelegd", "Besluit genomen")

	// The complainant sees the outcome.
	kl.open(casePath)
	if got := kl.text("#decision-outcome"); !strings.Contains(got, "neemt het advies van de commissie over") {
		t.Errorf("the complainant sees as outcome %q", got)
	}
	kl.expect("Besluit genomen", "Gegrond", "Beide partijen zijn gehoord", "Verder uitstel", "Wordt automatisch gesloten op")
	kl.check("26-zaak-uitkomst", true)

	// The decided case waits on the deadline board until it closes by itself.
	sec.open("/deadlines")
	sec.expect("Afgerond, wacht op automatisch sluiten", "Sluit op ")
	sec.check("27-termijnen")
}

// The privacy officer's, the administrator's and the reporter's pages.
func TestOversightPages(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	fg := c.atPage(t, c.privacyOfficer, "fg", "/audit")
	fg.check("30-toegangslog")
	fg.submit("form[action='/audit/verify'] button")
	fg.expect("Het logboek klopt")
	adm := c.atPage(t, c.admin, "beheer", "/admin/accounts")
	adm.check("31-beheer-accounts")
	adm.fill("#f-email", "nieuw@test.rkc")
	adm.fill("#f-name", "Nieuwe Klager")
	adm.fill("#f-ministry", "FIN")
	adm.fill("#f-role", "complainant")
	adm.fill("#f-domain", "FIN")
	adm.submit("form[action='/admin/accounts'] button[type=submit]")
	adm.expect("De uitnodiging is verstuurd", "nieuw@test.rkc")
	rep := c.atPage(t, c.reporter, "rapportage", "/reports")
	rep.expect("Jaarrapportage", "Kerncijfers")
	rep.check("32-jaarrapportage", true)
}

// An anonymous signal in each language: the receipt code shown once with
// advice, the follow-up with the code, and the committee's reply.
func TestSignal(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	for _, lang := range []string{"nl", "en"} {
		b := newTab(t, c.e.Server.URL, "melder-"+lang)
		b.open("/lang/" + lang + "?next=/signal")
		if lang == "nl" {
			b.check("40-melding")
		}
		code := b.sendSignal("bullying", "Op mijn afdeling wordt een collega structureel buitengesloten ("+lang+").")
		if !strings.HasPrefix(code, "RKC-") || len(code) < 30 {
			t.Fatalf("receipt code %q", code)
		}
		b.checkShown("41-ontvangstcode", lang)

		b.followSignal("RKC-verkeerd")
		b.axe("42-code-onbekend (" + lang + ")")
		b.enterCode(code)
		b.expect("structureel buitengesloten (" + lang + ")")
		b.checkShown("43-melding-volgen", lang)
		b.fill("#f-body", "Het gebeurde weer op maandag.")
		b.submit("form[action='/signal/follow/message'] button[type=submit]")
		b.expect("Het gebeurde weer op maandag.")

		if lang == "nl" {
			sec := c.atPage(t, c.secretary, "secretaris-meldingen", "/committee/signals")
			sec.check("44-meldingen")
			sec.submit("main table a")
			sec.expect("Het gebeurde weer op maandag.")
			sec.check("45-melding-commissie")
			sec.fill("#f-body", "Dank voor uw melding. Overweeg een gesprek met een vertrouwenspersoon.")
			sec.submit("form[action$='/answer'] button[type=submit]")
			sec.expect("Uw antwoord is toegevoegd")
			sec.submit("form[action$='/abuse'] button[type=submit]")
			sec.expect("De melding is aangemerkt als misbruik.", "Aanmerking als misbruik intrekken")
			sec.check("46-melding-misbruik")

			b.followSignal(code)
			b.expect("De commissie", "Overweeg een gesprek met een vertrouwenspersoon.")
		}
	}
}

// A keyboard user reaches every part of the complaint form with Tab, chooses
// with the arrow keys, sees where the focus is, and sends the complaint.
func TestKeyboardOnlyComplaint(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	b := c.atPage(t, c.complainant, "toetsenbord", "/complaint/step/what")
	if shown := b.eval(`String(document.getElementById('session-warning').offsetParent !== null)`); shown != "false" {
		t.Errorf("the idle warning shows long before the session ends")
	}
	b.tabTo("#f-category", 60)
	b.key(kb.ArrowDown) // aggression and violence
	b.key(kb.ArrowDown) // bullying
	if got := b.eval(`document.querySelector('input[name=category]:checked') ? document.querySelector('input[name=category]:checked').value : ''`); got != "bullying" {
		t.Fatalf("arrow keys chose %q", got)
	}
	b.tabTo("#f-description", 10)
	if outline := b.eval(`getComputedStyle(document.activeElement).outlineStyle`); outline == "none" {
		t.Errorf("the focused field shows no outline")
	}
	b.key("Ik word op het werk steeds genegeerd en uitgelachen.")
	b.tabTo("button[name=nav][value=next]", 10)
	b.enter()
	for _, step := range []string{"when", "who", "more", "evidence"} {
		if !strings.HasPrefix(b.path(), "/complaint/step/"+step) {
			t.Fatalf("expected step %s, at %s: %s", step, b.path(), b.text("main"))
		}
		b.tabTo("button[name=nav][value=next]", 80)
		b.enter()
	}
	if !strings.HasPrefix(b.path(), "/complaint/review") {
		t.Fatalf("expected the review, at %s", b.path())
	}
	b.expect("Ik word op het werk steeds genegeerd")
	b.tabTo("form[action='/complaint/send'] button", 120)
	b.enter()
	b.expect("Uw klacht is verzonden", "Pesten")
}

// enter presses Enter and waits for the page it leads to.
func (b *tab) enter() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		b.t.Fatalf("%s: Enter: %v (at %s)", b.name, err, b.path())
	}
}
