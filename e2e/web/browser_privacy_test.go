package web_test

import (
	"testing"
	"time"
)

// TestDataSubjectRequestPages: the privacy officer records a data-subject
// request on its page (a form with errors first), sees its deadline and the
// export links, and closes it; the dashboard counts the open requests; the
// person sees in My data that their data was exported. Every page passes
// axe-core in Dutch and English.
func TestDataSubjectRequestPages(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	fg := c.tab(t, c.privacyOfficer, "fg-verzoeken")
	fg.expect("Openstaande verzoeken van betrokkenen: 0.")
	fg.open("/privacy/requests")
	fg.check("33-verzoeken")
	fg.submit("form[action='/privacy/requests'] button[type=submit]")
	fg.expect("Vul het e-mailadres van een bestaand account in.", "Kies de grondslag.")
	fg.axe("34-verzoek-fouten (nl)")

	fg.fill("#f-subject-email", c.complainant.Email)
	fg.fill("#f-requested-by", "De klager zelf, per brief")
	fg.fill("#f-received-on", c.e.Clock.Now().AddDate(0, 0, -26).Format(time.DateOnly))
	fg.fill("#f-identity-check", "Paspoort getoond aan de balie")
	fg.click("#f-legal-basis")
	fg.submit("form[action='/privacy/requests'] button[type=submit]")
	fg.expect("Het verzoek is vastgelegd", "Recht op inzage (AVG art. 15)", "Binnenkort", "Gegevens van de betrokkene exporteren als pdf")
	fg.check("35-verzoek")
	request := fg.path()

	fg.open("/dashboard")
	fg.expect("Openstaande verzoeken van betrokkenen: 1.")

	// An export under the request (as a download it is not a page): the
	// person sees it in their own account.
	c.e.Must(200, c.privacyOfficer, "GET", "/api/v1/persons/"+c.complainant.ID.String()+"/export", nil)
	kl := c.atPage(t, c.complainant, "klager-melding", "/my-data")
	kl.expect("de functionaris gegevensbescherming heeft uw gegevens geëxporteerd")
	kl.check("36-mijn-gegevens-melding")

	fg.open(request)
	fg.click("#f-outcome")
	fg.submit("form[action$='/close'] button[type=submit]")
	fg.expect("Het verzoek is afgesloten", "Beantwoord")
}
