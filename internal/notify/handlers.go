package notify

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// Handlers serves the outbox's state to the secretary's board (the route
// table checks the role).
type Handlers struct {
	Outbox *Outbox
}

// DeadView is the answer of GET /api/v1/outbox/dead.
type DeadView struct {
	Count int64 `json:"count"` // messages given up on after the last attempt
}

// Dead handles GET /api/v1/outbox/dead: how many messages could not be
// delivered. Callable by a secretary.
func (h *Handlers) Dead(c echo.Context) error {
	n, err := h.Outbox.DeadCount(c.Request().Context())
	if err != nil {
		return apperr.Wrap(err)
	}
	return c.JSON(http.StatusOK, DeadView{Count: n})
}
