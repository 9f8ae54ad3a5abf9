package web

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

type sessionsData struct{ Items []accounts.SessionView }

// Sessions lists the caller's own live sessions (signed in elsewhere, on
// another device), each with a button to end it.
func (w *Web) Sessions(c echo.Context) error {
	items, err := w.d.Accounts.Sessions(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "sessions", w.newPage(c, "sessions.title", sessionsData{Items: items}))
}

// EndSession ends one of the caller's sessions; ending the current one is
// signing out.
func (w *Web) EndSession(c echo.Context) error {
	cl := callerOf(c)
	id, err := uuid.Parse(c.Param("session"))
	if err != nil {
		return w.fail(c, apperr.NotFoundError("Session"))
	}
	if err := w.d.Accounts.EndSession(c.Request().Context(), cl, id); err != nil {
		return w.fail(c, err)
	}
	if cl.Session != nil && cl.Session.ID == id {
		w.clearSession(c)
		return c.Redirect(http.StatusSeeOther, "/login?done=logout")
	}
	return c.Redirect(http.StatusSeeOther, "/account/sessions?done=session_ended")
}
