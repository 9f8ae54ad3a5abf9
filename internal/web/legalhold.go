package web

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/cases"
)

// LegalHold sets or lifts the legal hold on a case, always with a reason:
// while it holds, the retention job keeps the case past its term (a court
// case or an inquiry needs the file). The service checks that the caller
// may (the chair, as the committee's relation to the case) and records the
// step with its reason on the timeline.
func (w *Web) LegalHold() Form {
	type hold struct {
		id uuid.UUID
		in cases.LegalHoldInput
	}
	return form[hold]{
		parse: func(c echo.Context, bad map[string]string) (hold, error) {
			id, err := caseID(c)
			h := hold{id: id, in: cases.LegalHoldInput{Hold: yesNo(c, bad, "hold"), Reason: formText(c, "reason")}}
			need(c, bad, "reason", h.in.Reason)
			return h, err
		},
		call: func(c echo.Context, h hold) (string, error) {
			_, err := w.d.Cases.SetLegalHold(c.Request().Context(), callerOf(c), h.id, h.in)
			flash := "legal_hold_lifted"
			if *h.in.Hold {
				flash = "legal_hold_set"
			}
			return "/cases/" + h.id.String() + "?done=" + flash + "#h-legal-hold", err
		},
		refuse: func(c echo.Context, bad map[string]string, err error) error {
			return w.caseFormError(c, "legal-hold", bad, err)
		},
	}
}

// yesNo reads a yes/no choice; anything else is a missing answer in bad.
func yesNo(c echo.Context, bad map[string]string, field string) *bool {
	var v bool
	switch c.FormValue(field) {
	case "yes":
		v = true
	case "no":
	default:
		bad[field] = fieldMessage(langOf(c), field)
		return nil
	}
	return &v
}
