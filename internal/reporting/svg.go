package reporting

import (
	"fmt"
	"html"
	"strings"
)

// ChartSVG renders a chart as a standalone SVG document, drawn on the
// server so that the web page needs no chart library and the chart reads
// the same with scripts off. It scales to its container (viewBox) and
// carries its title and every published value as text for screen readers.
func ChartSVG(c Chart) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-title %s-desc" font-family="RijksoverheidSans, Verdana, sans-serif">`,
		chartW, chartH, html.EscapeString(c.Key), html.EscapeString(c.Key))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, html.EscapeString(c.Key), html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, html.EscapeString(c.Key), html.EscapeString(chartDesc(c)))
	drawChart(&svgCanvas{b: &b}, c)
	b.WriteString(`</svg>`)
	return b.String()
}

// ChartsSVG renders every chart of the report, by chart key.
func (r *Report) ChartsSVG() map[string]string {
	out := map[string]string{}
	for _, c := range r.Charts() {
		out[c.Key] = ChartSVG(c)
	}
	return out
}

// chartDesc lists the chart's published values as text.
func chartDesc(c Chart) string {
	var parts []string
	for _, s := range c.Series {
		var vals []string
		for i, p := range s.Points {
			if i < len(c.Labels) {
				vals = append(vals, c.Labels[i]+": "+p.Text)
			}
		}
		parts = append(parts, s.Name+" ("+c.Unit+") — "+strings.Join(vals, ", "))
	}
	return strings.Join(parts, "; ")
}

type svgCanvas struct{ b *strings.Builder }

func (s *svgCanvas) rect(x, y, w, h float64, fill rgb) {
	fmt.Fprintf(s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, fill.hex())
}

func (s *svgCanvas) line(x1, y1, x2, y2, width float64, stroke rgb) {
	fmt.Fprintf(s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g"/>`, x1, y1, x2, y2, stroke.hex(), width)
}

func (s *svgCanvas) polyline(pts [][2]float64, width float64, stroke rgb) {
	var ps []string
	for _, p := range pts {
		ps = append(ps, fmt.Sprintf("%.1f,%.1f", p[0], p[1]))
	}
	fmt.Fprintf(s.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%g"/>`, strings.Join(ps, " "), stroke.hex(), width)
}

func (s *svgCanvas) circle(x, y, r float64, fill rgb) {
	fmt.Fprintf(s.b, `<circle cx="%.1f" cy="%.1f" r="%g" fill="%s"/>`, x, y, r, fill.hex())
}

func (s *svgCanvas) text(x, y float64, t string, size float64, anchor string, fill rgb) {
	fmt.Fprintf(s.b, `<text x="%.1f" y="%.1f" font-size="%g" text-anchor="%s" fill="%s">%s</text>`, x, y, size, anchor, fill.hex(), html.EscapeString(t))
}
