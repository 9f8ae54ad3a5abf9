package audit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// Handlers serves the access log to the privacy officer (the route table
// checks the role). Reading the log is itself logged.
type Handlers struct {
	DB *gorm.DB
	// Caller returns the id and client address of the authenticated caller.
	Caller func(echo.Context) (uuid.UUID, string)
}

// Page is one page of log entries.
type Page struct {
	Items   []Entry `json:"items"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
	Total   int64   `json:"total"`
}

// Search handles GET /api/v1/audit?case_id=&person_id=&from=&to=&page=&per_page=.
func (h *Handlers) Search(c echo.Context) error {
	bad := map[string]string{}
	q := h.DB.WithContext(c.Request().Context()).Model(&Entry{})
	if v := c.QueryParam("case_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			bad["case_id"] = "must be a UUID"
		}
		q = q.Where("case_id = ?", id)
	}
	if v := c.QueryParam("person_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			bad["person_id"] = "must be a UUID"
		}
		q = q.Where("person_id = ?", id)
	}
	for _, p := range []struct{ name, op string }{{"from", ">="}, {"to", "<"}} {
		if v := c.QueryParam(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				if d, derr := time.Parse(time.DateOnly, v); derr == nil {
					t, err = d, nil
				}
			}
			if err != nil {
				bad[p.name] = "must be a date (YYYY-MM-DD) or an RFC 3339 time"
			}
			q = q.Where("at "+p.op+" ?", t)
		}
	}
	page, perPage := 1, 50
	for name, dst := range map[string]*int{"page": &page, "per_page": &perPage} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "per_page" && n > 500) {
				bad[name] = "must be a positive whole number (per_page at most 500)"
			}
			*dst = n
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	out := Page{Items: []Entry{}, Page: page, PerPage: perPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return apperr.Wrap(err)
	}
	if err := q.Order("id").Offset((page - 1) * perPage).Limit(perPage).Find(&out.Items).Error; err != nil {
		return apperr.Wrap(err)
	}
	if err := h.log(c, "audit:search"); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// Verify handles POST /api/v1/audit/verify.
func (h *Handlers) Verify(c echo.Context) error {
	res, err := Verify(c.Request().Context(), h.DB)
	if err != nil {
		return apperr.Wrap(err)
	}
	if err := h.log(c, "audit:verify"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *Handlers) log(c echo.Context, action string) error {
	id, client := h.Caller(c)
	return apperr.Wrap(h.DB.WithContext(c.Request().Context()).Transaction(func(tx *gorm.DB) error {
		return Append(c.Request().Context(), tx, Entry{At: time.Now(), PersonID: &id, Role: "privacy_officer", Action: action, Client: client})
	}))
}
