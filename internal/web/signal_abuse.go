package web

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/signals"
)

// MarkSignalAbuse marks a signal as abuse (abuse=yes) or takes the mark
// away (abuse=no), and goes back to the signal.
func (w *Web) MarkSignalAbuse(c echo.Context) error {
	id, err := uuid.Parse(c.Param("sid"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Signal"))
	}
	abuse := c.FormValue("abuse") == "yes"
	if err := w.d.Signals.MarkSignalAbuse(c.Request().Context(), callerOf(c), id, signals.AbuseInput{Abuse: &abuse}); err != nil {
		return w.fail(c, err)
	}
	done := "signal_abuse_undone"
	if abuse {
		done = "signal_abuse"
	}
	return c.Redirect(http.StatusSeeOther, "/committee/signals/"+id.String()+"?done="+done)
}
