package web_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// The work each role had only in the API, now in the browser (issue 17).

// fileCases files n complaints of p through the case service, and when
// receivedOn is set registers each as the secretary with that date of
// receipt; it returns the case ids.
func fileCases(t *testing.T, e *apptest.Env, p, secretary *apptest.Person, n int, receivedOn string) []uuid.UUID {
	t.Helper()
	kl, sec := e.Caller(p), e.Caller(secretary)
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				f, err := e.App.Cases.File(context.Background(), kl, cases.Complaint{Category: "bullying",
					Description: fmt.Sprintf("Klacht %d van %s.", i, p.Email), Respondent: cases.Respondent{Name: "J. Jansen", Ministry: p.Ministry}})
				if err != nil {
					errs <- err
					continue
				}
				ids[i] = f.ID
				if receivedOn != "" {
					if _, err := e.App.Cases.Register(context.Background(), sec, f.ID, cases.Registration{ReceivedOn: receivedOn}); err != nil {
						errs <- err
					}
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("filing a case: %v", err)
	}
	return ids
}

// A complainant signed in on two devices ends the other session from the
// first, with the keyboard; the other device is signed out at once.
func TestEndOwnSession(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	phone := c.tab(t, c.complainant, "klager-telefoon")
	kl := c.atPage(t, c.complainant, "klager-sessies", "/account/sessions")
	kl.expect("Waar u bent aangemeld", "deze sessie")
	kl.check("50-mijn-sessies", true)
	// The newest session is this one; the next one signed in with a
	// password is the phone's.
	other := kl.eval(`(() => { for (const tr of document.querySelectorAll('#sessions tbody tr')) {
		if (!tr.textContent.includes('deze sessie') && tr.textContent.includes('wachtwoord')) return tr.querySelector('form').getAttribute('action'); }
		return ''; })()`)
	if other == "" {
		t.Fatalf("the phone's session is not listed:\n%s", kl.text("main"))
	}
	rows := kl.eval(`String(document.querySelectorAll('#sessions tbody tr').length)`)
	kl.tabTo("form[action='"+other+"'] button", 80)
	kl.enter()
	kl.expect("De sessie is beëindigd.")
	if after := kl.eval(`String(document.querySelectorAll('#sessions tbody tr').length)`); after == rows {
		t.Errorf("still %s sessions listed after ending one", after)
	}
	if strings.Contains(kl.eval(`document.getElementById('sessions').innerHTML`), other) {
		t.Errorf("the ended session is still listed")
	}
	phone.open("/dashboard")
	if p := phone.path(); !strings.HasPrefix(p, "/login") {
		t.Errorf("the phone is still signed in after its session was ended: at %s", p)
	}
	kl.open("/dashboard")
	if p := kl.path(); !strings.HasPrefix(p, "/dashboard") {
		t.Errorf("ending the other session signed this one out too: at %s", p)
	}
}

// The chair sets a legal hold on a case with a reason, then lifts it: the
// page and the timeline say so each time. A reason is required.
func TestLegalHold(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := fileCases(t, c.e, c.complainant, c.secretary, 1, "")[0]
	ch := c.atPage(t, c.chair, "voorzitter-hold", "/cases/"+id.String())
	ch.expect("Er geldt geen legal hold")
	ch.submit("form[action$='/legal-hold'] button[type=submit]") // no reason
	ch.expect("Er is iets niet goed ingevuld", "Geef een toelichting.")
	ch.axe("_51-legal-hold-fout (nl)")
	// With the keyboard: to the reason, type it, to the button, Enter.
	ch.tabTo("#f-reason-hold", 200)
	ch.key("Het dossier is opgevraagd door de rechtbank (zaak 2026/123).")
	ch.tabTo("form[action$='/legal-hold'] button[type=submit]", 5)
	ch.enter()
	ch.expect("De legal hold is ingesteld.", "Er geldt een legal hold", "Legal hold ingesteld", "opgevraagd door de rechtbank")
	ch.check("51-legal-hold", true)
	var held bool
	if err := c.e.App.DB.Raw(`SELECT legal_hold FROM cases WHERE id = ?`, id).Scan(&held).Error; err != nil || !held {
		t.Fatalf("the case is not on hold in the database (%v)", err)
	}
	ch.fill("#f-reason-hold", "De rechtszaak is afgerond.")
	ch.submit("form[action$='/legal-hold'] button[type=submit]")
	ch.expect("De legal hold is opgeheven.", "Er geldt geen legal hold", "Legal hold opgeheven", "De rechtszaak is afgerond.")
	if err := c.e.App.DB.Raw(`SELECT legal_hold FROM cases WHERE id = ?`, id).Scan(&held).Error; err != nil || held {
		t.Fatalf("the case is still on hold in the database (%v)", err)
	}
	// The complainant sees no hold form.
	kl := c.atPage(t, c.complainant, "klager-hold", "/cases/"+id.String())
	if n := kl.eval(`String(document.querySelectorAll("form[action$='/legal-hold']").length)`); n != "0" {
		t.Errorf("the complainant is offered the legal hold form")
	}
}

// The admin withdraws a role grant and deactivates an account; the person is
// signed out at once each time. The review of unused accounts lists the
// accounts not used for the configured period.
func TestAdminAccountWork(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	reporter := c.tab(t, c.reporter, "rapportage-weg")
	adm := c.atPage(t, c.admin, "beheer-accounts", "/admin/accounts")
	adm.tabTo("a[href='/admin/accounts/"+c.reporter.ID.String()+"']", 200)
	adm.enter()
	adm.expect("Account "+c.reporter.Email, "Jaarrapportage")
	adm.check("52-beheer-account", true)

	adm.submit("button[data-withdraw='reporter@*']")
	adm.expect("De rol is ingetrokken.", "Geen rollen")
	reporter.open("/reports")
	if p := reporter.path(); !strings.HasPrefix(p, "/login") {
		t.Errorf("after the grant was withdrawn the reporter is still signed in: at %s", p)
	}
	adm.submit("form[action$='/deactivate'] button[type=submit]")
	adm.expect("Het account is uitgeschakeld.", "niet actief", "Account inschakelen")
	adm.axe("_53-beheer-uitgeschakeld (nl)")
	if _, err := c.e.App.Accounts.SignIn(context.Background(), accounts.SignInInput{Email: c.reporter.Email, Password: apptest.Password}); err == nil {
		t.Errorf("a deactivated account can still sign in")
	}
	adm.submit("form[action$='/activate'] button[type=submit]")
	adm.expect("Het account is weer ingeschakeld.", "ingeschakeld")

	// The admin cannot switch their own account off.
	adm.open("/admin/accounts/" + c.admin.ID.String())
	adm.submit("form[action$='/deactivate'] button[type=submit]")
	adm.expect("U kunt uw eigen account niet uitschakelen.")

	// 100 days on, every account but the admin's (who signs in again) is
	// due for review.
	c.e.Clock.Advance(100 * 24 * time.Hour)
	adm2 := c.atPage(t, c.admin, "beheer-review", "/admin/accounts")
	adm2.submit("#to-unused")
	adm2.expect("Accounts die 90 dagen niet zijn gebruikt", c.secretary.Email, c.reporter.Email)
	if strings.Contains(adm2.text("#accounts"), c.admin.Email) {
		t.Errorf("the admin, just signed in, is listed as unused")
	}
	adm2.check("54-ongebruikte-accounts", true)
}

// The maker of an anonymous signal comes forward: signs in as a
// complainant, enters the receipt code again, and turns the signal into a
// complaint that opens with what they wrote.
func TestSignalBecomesComplaint(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	b := newTab(t, c.e.Server.URL, "melder-naar-voren")
	b.open("/signal")
	code := b.sendSignal("bullying", "Mijn teamleider scheldt mij uit waar anderen bij zijn.")

	b.followSignal(code)
	b.expect("Naar voren komen", "Meld u eerst aan")
	b.submit("#convert-login")
	b.signIn(c.complainant.Email, apptest.Password)
	if p := b.path(); p != "/signal/follow" {
		t.Fatalf("after signing in at %s, not back at the follow-up", p)
	}
	b.enterCode(code)
	b.expect("Klacht indienen met deze melding")
	b.submit("form[action='/signal/follow/complaint'] button[type=submit]") // not confirmed
	b.expect("Bevestig dat u van de melding een klacht wilt maken.")
	b.axe("_55-naar-voren-fout (nl)")
	b.click("#f-confirm")
	b.submit("form[action='/signal/follow/complaint'] button[type=submit]")
	b.expect("Uw melding is nu een klacht.", "Ingediend", "scheldt mij uit")
	if !strings.HasPrefix(b.path(), "/cases/") {
		t.Fatalf("after coming forward at %s", b.path())
	}
	b.check("55-melding-wordt-klacht", true)

	// The same code cannot make a second complaint.
	b.followSignal(code)
	b.click("#f-confirm")
	b.submit("form[action='/signal/follow/complaint'] button[type=submit]")
	b.expect("Van deze melding is al een klacht gemaakt.")
	b.open("/dashboard")
	b.expect("Mijn zaken (1)")
}

// The secretary narrows the case list to the overdue cases of one ministry,
// in case-number order, and pages through all 250 of them: every case
// once, in order, none of another ministry and none that is not overdue.
func TestSecretaryPagesOverdueCases(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	fin := c.e.Person("klager-fin@test.rkc", "FIN", apptest.Grant(authz.Complainant, "FIN"))
	longAgo := time.Now().AddDate(0, 0, -300).Format(time.DateOnly)
	fileCases(t, c.e, c.complainant, c.secretary, 250, longAgo)   // BZK, overdue
	fileCases(t, c.e, fin, c.secretary, 6, longAgo)               // FIN, overdue
	fresh := fileCases(t, c.e, c.complainant, c.secretary, 4, "") // BZK, not registered: no deadline
	others := map[string]bool{}
	var n []string
	if err := c.e.App.DB.Raw(`SELECT number FROM cases WHERE ministry = 'FIN' OR id IN ?`, fresh).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range n {
		others[s] = true
	}
	if len(others) != 10 {
		t.Fatalf("expected 10 cases outside the filter, found %d", len(others))
	}

	sec := c.tab(t, c.secretary, "secretaris-lijst")
	sec.expect("Nieuw binnengekomen klachten (te registreren) (4)")
	sec.submit("nav a[href='/cases']")
	sec.expect("Gevonden zaken: 260")
	sec.fill("#f-ministry", "BZK")
	sec.fill("#f-deadline", "overdue")
	sec.fill("#f-sort", "number")
	sec.submit("#filter button[type=submit]")
	sec.expect("Gevonden zaken: 250", "Pagina 1 van 10")
	sec.check("56-zaken-gefilterd", true)

	var seen []string
	for page := 1; page <= 10; page++ {
		if !strings.Contains(sec.text("#pages"), fmt.Sprintf("Pagina %d van 10", page)) {
			t.Fatalf("expected page %d at %s", page, sec.path())
		}
		nums := strings.Fields(sec.eval(`Array.from(document.querySelectorAll('#h-list ~ .rkc-table-wrap tbody tr td:first-child a')).map(a => a.textContent.trim()).join(' ')`))
		if len(nums) != 25 {
			t.Fatalf("page %d lists %d cases", page, len(nums))
		}
		seen = append(seen, nums...)
		if page < 10 {
			sec.submit("#pages a[rel=next]")
		}
	}
	if n := sec.eval(`String(document.querySelectorAll('#pages a[rel=next]').length)`); n != "0" {
		t.Errorf("the last page offers a next page")
	}
	distinct := map[string]bool{}
	for _, s := range seen {
		if others[s] {
			t.Errorf("case %s of another ministry or without a deadline is listed", s)
		}
		distinct[s] = true
	}
	if len(distinct) != 250 {
		t.Errorf("paging showed %d different cases, want 250", len(distinct))
	}
	if !sort.StringsAreSorted(seen) {
		t.Errorf("the cases are not in case-number order across the pages")
	}
}
