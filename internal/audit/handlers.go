package audit

import (
	"errors"
	"net/http"
	"regexp"
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
	DB  *gorm.DB
	Log *Log
	// Caller returns the id and client address of the authenticated caller.
	Caller func(echo.Context) (uuid.UUID, string)
	// Now is the clock of the log's own entries; nil for the real one.
	Now func() time.Time
}

var kindPattern = regexp.MustCompile(`^[a-z][a-z-]{0,31}$`)

// Search handles GET /api/v1/audit?caseId=&personId=&kind=&from=&to=&page=&perPage=.
func (h *Handlers) Search(c echo.Context) error {
	bad := map[string]string{}
	var q Query
	for _, p := range []struct {
		name string
		dst  **uuid.UUID
	}{{"caseId", &q.CaseID}, {"personId", &q.PersonID}} {
		if v := c.QueryParam(p.name); v != "" {
			id, err := uuid.Parse(v)
			if err != nil {
				bad[p.name] = "must be a UUID"
			}
			*p.dst = &id
		}
	}
	if v := c.QueryParam("kind"); v != "" {
		if !kindPattern.MatchString(v) {
			bad["kind"] = "must be an event kind such as case, access, account or export"
		}
		q.Kind = v
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := c.QueryParam(p.name); v != "" {
			t, err := PeriodBound(v, p.dst == &q.To)
			if err != nil {
				bad[p.name] = "must be a date (YYYY-MM-DD) or an RFC 3339 time"
			}
			*p.dst = &t
		}
	}
	q.Page, q.PerPage = 1, 50
	for name, dst := range map[string]*int{"page": &q.Page, "perPage": &q.PerPage} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "perPage" && n > 500) {
				bad[name] = "must be a positive whole number (perPage at most 500)"
			}
			*dst = n
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	out, err := h.Find(c.Request().Context(), h.reader(c), q)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// Verify handles POST /api/v1/audit/verify.
func (h *Handlers) Verify(c echo.Context) error {
	res, err := h.Check(c.Request().Context(), h.reader(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// Prove handles GET /api/v1/audit/entries/:id/proof: the inclusion proof of
// one entry in the newest signed checkpoint.
func (h *Handlers) Prove(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("entry"), 10, 64)
	if err != nil || id < 1 {
		return apperr.InvalidFields(map[string]string{"entry": "must be an entry id"})
	}
	p, err := h.Log.Prove(c.Request().Context(), id)
	if errors.Is(err, ErrNotSequenced) {
		return apperr.New(apperr.NotFound, "not-in-log", "There is no such entry in the log's tree (yet); an entry is added within seconds.")
	}
	if err != nil {
		return apperr.Wrap(err)
	}
	if err := h.record(c.Request().Context(), h.reader(c), "audit:prove"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *Handlers) reader(c echo.Context) Reader {
	id, client := h.Caller(c)
	return Reader{ID: id, Client: client}
}
