package web

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// LegalHold sets or lifts the legal hold on a case, always with a reason:
// while it holds, the retention job keeps the case past its term (a court
// case or an inquiry needs the file). The service checks that the caller
// may (the chair, as the committee's relation to the case) and records the
// step with its reason on the timeline.
func (w *Web) LegalHold(c echo.Context) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Case"))
	}
	bad := map[string]string{}
	var hold *bool
	switch c.FormValue("hold") {
	case "yes":
		t := true
		hold = &t
	case "no":
		f := false
		hold = &f
	default:
		bad["hold"] = fieldMessage(langOf(c), "hold")
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		bad["reason"] = fieldMessage(langOf(c), "reason")
	}
	if len(bad) == 0 {
		_, err = w.d.Cases.SetLegalHold(c.Request().Context(), callerOf(c), id, cases.LegalHoldInput{Hold: hold, Reason: reason})
		if err == nil {
			flash := "legal_hold_lifted"
			if *hold {
				flash = "legal_hold_set"
			}
			return c.Redirect(http.StatusSeeOther, "/cases/"+id.String()+"?done="+flash+"#h-legal-hold")
		}
	}
	return w.caseFormError(c, "legal-hold", bad, err)
}
