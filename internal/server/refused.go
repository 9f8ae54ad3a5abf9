package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
)

// logRefusedCaseAccess puts every refusal (403 or 404) answered to a
// signed-in caller on a case route on the access log, in a transaction of
// its own: the refused request changed nothing, but someone tried. The case
// is named as any case entry is (sealed while the case exists). The route
// table puts it on both faces: the API's case routes, whose refusal is an
// error on its way to problem+json, and the pages' case routes, whose
// refusal is already written as a page.
func logRefusedCaseAccess(h *audit.Handlers) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if h == nil || !isCaseRoute(c.Path()) {
				return err
			}
			status := c.Response().Status
			if err != nil {
				status = ToProblem(err, "").Status
			}
			if status != http.StatusForbidden && status != http.StatusNotFound {
				return err
			}
			caller, ok := accounts.CallerFrom(c)
			if !ok {
				return err
			}
			caseID, perr := uuid.Parse(c.Param("id"))
			if perr != nil {
				return err
			}
			id := caller.ID
			ctx := c.Request().Context()
			now := time.Now
			if h.Now != nil {
				now = h.Now
			}
			if lerr := h.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return audit.Append(ctx, tx, audit.Entry{At: now(), PersonID: &id, Role: "caller", CaseID: &caseID,
					Action: audit.ActionAccessRefused, Client: caller.Client})
			}); lerr != nil && err == nil {
				return lerr
			}
			return err
		}
	}
}

// isCaseRoute reports whether the route template is about one case, on
// either face.
func isCaseRoute(route string) bool {
	return strings.HasPrefix(strings.TrimPrefix(route, "/api/v1"), "/cases/:id")
}
