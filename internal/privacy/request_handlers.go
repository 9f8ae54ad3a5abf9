package privacy

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// CreateRequest handles POST /api/v1/data-subject-requests.
func (h *Handlers) CreateRequest(c echo.Context) error {
	caller, _ := accounts.CallerFrom(c)
	var in RequestInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.Service.CreateRequest(c.Request().Context(), caller, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/data-subject-requests/"+r.ID.String())
	return c.JSON(http.StatusCreated, r)
}

// Requests handles GET /api/v1/data-subject-requests.
func (h *Handlers) Requests(c echo.Context) error {
	list, err := h.Service.Requests(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

// Request handles GET /api/v1/data-subject-requests/{rid}.
func (h *Handlers) Request(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "request", "Data-subject request")
	if err != nil {
		return err
	}
	r, err := h.Service.Request(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, r)
}

// CloseRequest handles POST /api/v1/data-subject-requests/{rid}/close.
func (h *Handlers) CloseRequest(c echo.Context) error {
	caller, _ := accounts.CallerFrom(c)
	id, err := httpx.UUIDParam(c, "request", "Data-subject request")
	if err != nil {
		return err
	}
	var in CloseInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	r, err := h.Service.CloseRequest(c.Request().Context(), caller, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// Notices handles GET /api/v1/me/notices: what others did with the
// caller's data.
func (h *Handlers) Notices(c echo.Context) error {
	caller, _ := accounts.CallerFrom(c)
	list, err := h.Service.Notices(c.Request().Context(), caller.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}
