package signals

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/cases"
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

// signalID is the path parameter naming a signal on the committee's routes.
var signalID = httpx.Param{Name: "sid", What: "Signal"}

// FileSignal handles POST /api/v1/signals (no account). The answer holds the
// receipt code, the only key to the signal, so no cache may keep it.
func (h *Handlers) FileSignal(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return httpx.Handle(c, http.StatusCreated, nil, func(_ []uuid.UUID, in SignalInput) (*SignalReceipt, error) {
		return h.Service.FileSignal(c.Request().Context(), in, c.RealIP())
	})
}

// OwnSignal handles GET /api/v1/signals/self (header X-Receipt-Code).
func (h *Handlers) OwnSignal(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, _ httpx.NoBody) (*SignalView, error) {
		return h.Service.SignalByCode(c.Request().Context(), h.Throttle, receiptCode(c), c.RealIP())
	})
}

// OwnSignalMessage handles POST /api/v1/signals/self/messages.
func (h *Handlers) OwnSignalMessage(c echo.Context) error {
	return httpx.Handle(c, http.StatusNoContent, nil, func(_ []uuid.UUID, in MessageInput) (any, error) {
		return nil, h.Service.AddSignalMessage(c.Request().Context(), h.Throttle, receiptCode(c), c.RealIP(), in)
	})
}

// Signals handles GET /api/v1/signals (committee).
func (h *Handlers) Signals(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, nil, func(_ []uuid.UUID, _ httpx.NoBody) (httpx.List[SignalSummary], error) {
		items, err := h.Service.Signals(c.Request().Context(), caller(c))
		return httpx.List[SignalSummary]{Items: items}, err
	})
}

// Signal handles GET /api/v1/signals/{sid} (committee).
func (h *Handlers) Signal(c echo.Context) error {
	return httpx.Handle(c, http.StatusOK, []httpx.Param{signalID}, func(ids []uuid.UUID, _ httpx.NoBody) (*SignalView, error) {
		return h.Service.Signal(c.Request().Context(), caller(c), ids[0])
	})
}

// AnswerSignal handles POST /api/v1/signals/{sid}/messages (committee).
func (h *Handlers) AnswerSignal(c echo.Context) error {
	return httpx.Handle(c, http.StatusNoContent, []httpx.Param{signalID}, func(ids []uuid.UUID, in MessageInput) (any, error) {
		return nil, h.Service.AnswerSignal(c.Request().Context(), caller(c), ids[0], in)
	})
}

// ConvertOwnSignal handles POST /api/v1/signals/self/complaint: the holder of
// the receipt code (header X-Receipt-Code), signed in, files it as a complaint.
func (h *Handlers) ConvertOwnSignal(c echo.Context) error {
	return httpx.Handle(c, http.StatusCreated, nil, func(_ []uuid.UUID, _ httpx.NoBody) (*cases.Filed, error) {
		out, err := h.Service.ConvertSignal(c.Request().Context(), h.Throttle, receiptCode(c), c.RealIP(), caller(c))
		if err == nil {
			c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+out.ID.String())
		}
		return out, err
	})
}

// MarkSignalAbuse handles PUT /api/v1/signals/{sid}/abuse (committee).
func (h *Handlers) MarkSignalAbuse(c echo.Context) error {
	return httpx.Handle(c, http.StatusNoContent, []httpx.Param{signalID}, func(ids []uuid.UUID, in AbuseInput) (any, error) {
		return nil, h.Service.MarkSignalAbuse(c.Request().Context(), caller(c), ids[0], in)
	})
}

// receiptCode is the code the holder of an anonymous signal identifies with.
func receiptCode(c echo.Context) string { return c.Request().Header.Get("X-Receipt-Code") }
