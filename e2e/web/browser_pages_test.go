package web_test

import (
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// Every page a visitor and each role reaches from the menu (each page once,
// every role's dashboard), in Dutch and in English: axe-core finds no WCAG 2.1 A/AA violation and no colour contrast
// it could not decide, and every visible text and control has enough
// contrast with the background it is drawn on. A screenshot of each goes to
// screenshots/ for a person to look at.
func TestEveryPageReadable(t *testing.T) {
	t.Parallel()
	c := newCast(t)

	visitor := newTab(t, c.e.Server.URL, "bezoeker")
	for _, path := range []string{"/", "/login", "/signal", "/signal/follow", "/toegankelijkheid"} {
		visitor.open(path)
		visitor.check("p-bezoeker" + slug(path))
	}
	// The accessibility statement, in the parts of the Dutch model.
	visitor.open("/toegankelijkheid")
	visitor.expect("Toegankelijkheidsverklaring", "Nalevingsstatus", "C – eerste maatregelen genomen", "Hoe wij de toegankelijkheid toetsen",
		"axe-core", "Nog met de hand te toetsen", "Bekende beperkingen", "4 december 2026", "Contact en feedback", "toegankelijkheid@rkc.localhost")
	visitor.open("/lang/en?next=/toegankelijkheid")
	visitor.expect("Accessibility statement", "Compliance status", "C – first measures taken", "How we test accessibility",
		"Still to be tested by hand", "Known limitations", "4 December 2026", "Contact and feedback")
	visitor.open("/lang/nl?next=/")

	checked := map[string]bool{}
	for _, r := range []struct {
		name string
		who  *apptest.Person
	}{
		{"klager", c.complainant}, {"adviseur", c.adviser}, {"aangeklaagde", c.respondent},
		{"secretaris", c.secretary}, {"voorzitter", c.chair}, {"lid", c.member}, {"gezag", c.authority},
		{"fg", c.privacyOfficer}, {"beheer", c.admin}, {"rapportage", c.reporter},
	} {
		b := c.tab(t, r.who, r.name)
		menu := b.eval(`Array.from(document.querySelectorAll('nav .rkc-nav__link')).map(a => a.getAttribute('href')).join(' ')`)
		staff := r.who == c.secretary || r.who == c.chair
		for _, path := range strings.Fields(menu) {
			if k := pageKey(path, staff); k != "" {
				if checked[k] {
					continue
				}
				checked[k] = true
			}
			b.open(path)
			b.check("p-" + r.name + slug(path))
		}
	}
}

// pageKey says which pages look the same: a page other than the dashboard
// shows the same to every role that reaches it (but for the menu, whose
// links are checked on the dashboards), except that the case list offers
// the committee's staff more filters. Each page is checked once, so the
// suite stays fast; every role's dashboard is checked.
func pageKey(path string, staff bool) string {
	switch {
	case path == "/dashboard":
		return "" // every role's own
	case path == "/cases" && staff:
		return path + " (staff)"
	}
	return path
}

// slug makes a path part of a screenshot's name: "/committee/signals" gives
// "-committee-signals", "/" gives "-home".
func slug(path string) string {
	if path == "/" {
		return "-home"
	}
	return strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path)
}
