package web

import (
	"html/template"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/reporting"
)

type reportData struct {
	R      *reporting.Report
	Year   int
	Years  []int
	Charts []chartView
}

type chartView struct {
	Key string
	SVG template.HTML
}

// Report is the annual report page: headline figures, the charts drawn on
// the server as SVG (no script), the recommendations, and the downloads,
// which the API serves (CSV, PDF) with the same session.
func (w *Web) Report(c echo.Context) error {
	now := w.d.Now().Year()
	year := now
	if v := c.QueryParam("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < reporting.FirstYear || y > now {
			return w.fail(c, apperr.NotFoundError("Report"))
		}
		year = y
	}
	r, err := w.d.Reports.Report(c.Request().Context(), year)
	if err != nil {
		return w.fail(c, err)
	}
	d := reportData{R: r, Year: year}
	for y := now; y >= max(reporting.FirstYear, now-10); y-- {
		d.Years = append(d.Years, y)
	}
	for _, ch := range r.Charts() {
		// The reporting package escapes every text it puts in the SVG.
		d.Charts = append(d.Charts, chartView{Key: ch.Key, SVG: template.HTML(reporting.ChartSVG(ch))})
	}
	return w.render(c, "report", w.newPage(c, "report.title", d))
}
