package signals

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Handlers serve the signal routes.
type Handlers struct {
	Service  *Service
	Throttle *accounts.Throttle // wrong receipt codes
}

func caller(c echo.Context) *accounts.Caller {
	cl, _ := accounts.CallerFrom(c)
	return cl
}

// FileSignal handles POST /api/v1/signals (no account).
func (h *Handlers) FileSignal(c echo.Context) error {
	var in SignalInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.FileSignal(c.Request().Context(), in, c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, out)
}

// OwnSignal handles GET /api/v1/signals/self (header X-Receipt-Code).
func (h *Handlers) OwnSignal(c echo.Context) error {
	v, err := h.Service.SignalByCode(c.Request().Context(), h.Throttle, c.Request().Header.Get("X-Receipt-Code"), c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

// OwnSignalMessage handles POST /api/v1/signals/self/messages.
func (h *Handlers) OwnSignalMessage(c echo.Context) error {
	var in MessageInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.Service.AddSignalMessage(c.Request().Context(), h.Throttle, c.Request().Header.Get("X-Receipt-Code"), c.RealIP(), in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Signals handles GET /api/v1/signals (committee).
func (h *Handlers) Signals(c echo.Context) error {
	out, err := h.Service.Signals(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// Signal handles GET /api/v1/signals/{sid} (committee).
func (h *Handlers) Signal(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "sid", "Signal")
	if err != nil {
		return err
	}
	v, err := h.Service.Signal(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

// AnswerSignal handles POST /api/v1/signals/{sid}/messages (committee).
func (h *Handlers) AnswerSignal(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "sid", "Signal")
	if err != nil {
		return err
	}
	var in MessageInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.Service.AnswerSignal(c.Request().Context(), caller(c), id, in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ConvertOwnSignal handles POST /api/v1/signals/self/complaint: the holder of
// the receipt code (header X-Receipt-Code), signed in, files it as a complaint.
func (h *Handlers) ConvertOwnSignal(c echo.Context) error {
	out, err := h.Service.ConvertSignal(c.Request().Context(), h.Throttle, c.Request().Header.Get("X-Receipt-Code"), c.RealIP(), caller(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+out.ID.String())
	return c.JSON(http.StatusCreated, out)
}

// MarkSignalAbuse handles PUT /api/v1/signals/{sid}/abuse (committee).
func (h *Handlers) MarkSignalAbuse(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "sid", "Signal")
	if err != nil {
		return err
	}
	var in AbuseInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.Service.MarkSignalAbuse(c.Request().Context(), caller(c), id, in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
