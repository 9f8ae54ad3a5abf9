package reporting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	accesslog "github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// FirstYear is the earliest year a report or recommendations can be asked for.
const FirstYear = 2000

// Handlers serves the annual report and the recommendations. The route
// table lets only report readers (reporter, chair, secretary) in, and only
// the chair write; the report holds aggregates only, so there is no
// per-case check to make.
type Handlers struct {
	DB *gorm.DB
	// Log signs the PDF and CSV files and attaches their access log
	// entry's inclusion proof (`rkc verify`); nil: unsigned.
	Log *accesslog.Log
}

// Report builds the annual report of year, as the API's and the pages'
// report show it.
func (h *Handlers) Report(ctx context.Context, year int) (*Report, error) {
	r, err := Build(ctx, h.DB, year)
	return r, apperr.Wrap(err)
}

// yearParam reads the :year path parameter: a calendar year from FirstYear
// to the current one.
func yearParam(c echo.Context) (int, error) {
	now := time.Now().Year()
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < FirstYear || y > now {
		return 0, apperr.InvalidFields(map[string]string{"year": fmt.Sprintf("must be a year from %d to %d", FirstYear, now)})
	}
	return y, nil
}

// Annual handles GET /api/v1/reports/annual/{year}?ministry=&format=json|csv|pdf.
// ministry narrows the report to one ministry's rows (invalid when not a
// ministry code); format defaults to json.
func (h *Handlers) Annual(c echo.Context) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "pdf" {
		return apperr.InvalidFields(map[string]string{"format": "must be json, csv or pdf"})
	}
	r, err := h.Report(c.Request().Context(), year)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("rkc-jaarrapportage-%d", year)
	if m := c.QueryParam("ministry"); m != "" {
		if r, err = r.For(m); errors.Is(err, ErrUnknownMinistry) {
			return apperr.InvalidFields(map[string]string{"ministry": "must be the code of a ministry"})
		} else if err != nil {
			return apperr.Wrap(err)
		}
		name += "-" + m
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	switch format {
	case "csv":
		var buf bytes.Buffer
		if err := r.WriteCSV(&buf); err != nil {
			return apperr.Wrap(err)
		}
		csv, err := h.sign(c, accesslog.FormatCSV, buf.Bytes())
		if err != nil {
			return apperr.Wrap(err)
		}
		hd.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", csv)
	case "pdf":
		pdf, err := r.PDF()
		if err == nil {
			pdf, err = h.sign(c, accesslog.FormatPDF, pdf)
		}
		if err != nil {
			return apperr.Wrap(err)
		}
		hd.Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
		return c.Blob(http.StatusOK, "application/pdf", pdf)
	}
	return c.JSON(http.StatusOK, r)
}

// sign logs the report file handed out and attaches the signature and the
// entry's inclusion proof.
func (h *Handlers) sign(c echo.Context, f accesslog.Format, doc []byte) ([]byte, error) {
	if h.Log == nil {
		return doc, nil
	}
	e := accesslog.Entry{At: time.Now(), Role: "reporter", Action: accesslog.ActionReportFile, Client: c.RealIP()}
	if caller, ok := accounts.CallerFrom(c); ok {
		id := caller.ID
		e.PersonID, e.Client = &id, caller.Client
	}
	return h.Log.SignFile(c.Request().Context(), e, f, doc)
}

// Recommendations handles GET /api/v1/reports/recommendations/{year}?version=n:
// the latest version (or version n) and the list of versions.
func (h *Handlers) Recommendations(c echo.Context) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	v := 0
	if s := c.QueryParam("version"); s != "" {
		if v, err = strconv.Atoi(s); err != nil || v < 1 {
			return apperr.InvalidFields(map[string]string{"version": "must be a version number"})
		}
	}
	view, err := GetRecommendations(c.Request().Context(), h.DB, year, v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

// saveBody is the body of PUT …/recommendations/{year}: the text and the
// latest version the author saw (0 for the first).
type saveBody struct {
	Text    string `json:"text"`
	Version int    `json:"version"`
}

// SaveRecommendations handles PUT /api/v1/reports/recommendations/{year}
// with {"text","version"}: it saves a new version, or answers 409 when a
// newer version exists or the year's recommendations are adopted.
func (h *Handlers) SaveRecommendations(c echo.Context) error {
	var body saveBody
	return h.changeRecommendations(c, func() error { return httpx.BindJSON(c, &body) },
		func(ctx context.Context, year int, by uuid.UUID) (RecommendationsView, error) {
			return SaveRecommendations(ctx, h.DB, year, by, body.Text, body.Version)
		})
}

// adoptBody is the optional body of POST …/adopt: the version the chair
// read, which must still be the latest.
type adoptBody struct {
	Version int `json:"version"`
}

// AdoptRecommendations handles POST /api/v1/reports/recommendations/{year}/adopt,
// optionally with {"version": n}: it adopts the latest version, after which
// the year's recommendations cannot change.
func (h *Handlers) AdoptRecommendations(c echo.Context) error {
	var body adoptBody
	bind := func() error {
		if c.Request().ContentLength == 0 {
			return nil // the body is optional
		}
		return httpx.BindJSON(c, &body)
	}
	return h.changeRecommendations(c, bind, func(ctx context.Context, year int, by uuid.UUID) (RecommendationsView, error) {
		return AdoptRecommendations(ctx, h.DB, year, by, body.Version)
	})
}

// changeRecommendations answers a change to the recommendations of {year}:
// the year, then the body (bind), then the signed-in author, then fn's view.
func (h *Handlers) changeRecommendations(c echo.Context, bind func() error, fn func(ctx context.Context, year int, by uuid.UUID) (RecommendationsView, error)) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	if err := bind(); err != nil {
		return err
	}
	caller, ok := accounts.CallerFrom(c)
	if !ok {
		return accounts.ErrUnauthenticated(c)
	}
	view, err := fn(c.Request().Context(), year, caller.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}
