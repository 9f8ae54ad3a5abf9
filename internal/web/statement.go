package web

import (
	"github.com/labstack/echo/v4"
)

// statementDate is the day the accessibility statement was last reviewed;
// change it with the statement's text (internal/i18n/pages.*.json).
const statementDate = "2026-12-04"

type statementData struct {
	Date    string // YYYY-MM-DD
	Contact string // e-mail address for accessibility questions
}

// Accessibility is the accessibility statement (Tijdelijk besluit digitale
// toegankelijkheid overheid), in the parts of the Dutch model statement:
// the statement, its compliance status, how the site is tested, known
// limitations, its date and how to reach the committee about it.
func (w *Web) Accessibility(c echo.Context) error {
	return w.render(c, "accessibility", w.newPage(c, "a11y.title", statementData{Date: statementDate, Contact: w.d.AccessibilityContact}))
}
