package reporting

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Chart is a chart of published figures. One layout (drawChart) draws it
// as SVG for the web page (svg.go) and as vector graphics in the PDF
// (pdf.go), so both show the same thing. It holds only what the report
// publishes: a hidden figure has no height, only its mark.
type Chart struct {
	Key    string   `json:"key"`
	Title  string   `json:"title"`
	Unit   string   `json:"unit"`
	Kind   string   `json:"kind"`   // "bars" (grouped) or "lines"
	Labels []string `json:"labels"` // along the x axis
	Series []Series `json:"series"`
}

// Series is one set of bars or one line.
type Series struct {
	Name   string  `json:"name"`
	Points []Point `json:"points"` // one per label
}

// Point is one published figure: drawn when Shown, else only its Text
// ("<5", "x" or "–") is printed at the axis.
type Point struct {
	V     float64 `json:"-"`
	Shown bool    `json:"shown"`
	Text  string  `json:"text"`
}

// Chart kinds.
const (
	ChartBars  = "bars"
	ChartLines = "lines"
)

func cellPoint(c Cell) Point {
	if c.Suppressed {
		return Point{Text: c.String()}
	}
	return Point{V: float64(c.Value), Shown: true, Text: c.String()}
}

func publishedPoint(p Published) Point {
	switch {
	case p.Count != nil:
		return cellPoint(*p.Count)
	case p.Stat != nil && p.Stat.Shown:
		return Point{V: p.Stat.V, Shown: true, Text: p.Stat.String()}
	case p.Stat != nil:
		return Point{Text: p.Stat.String()}
	}
	return Point{Text: "–"}
}

// Charts returns the report's charts: volumes and the main rates year on
// year, and the breakdowns of the report's year beside the year before.
// For a narrowed report they show that ministry.
func (r *Report) Charts() []Chart {
	var years []string
	for _, y := range r.Years {
		years = append(years, strconv.Itoa(y))
	}
	headline := func(key string) []Point {
		for _, h := range r.Summary {
			if h.Key == key {
				var ps []Point
				for _, v := range h.Values {
					ps = append(ps, publishedPoint(v))
				}
				return ps
			}
		}
		return nil
	}
	out := []Chart{
		{Key: "volume", Title: "Klachten en meldingen per jaar", Unit: "aantal", Kind: ChartBars, Labels: years,
			Series: []Series{{"Klachten", headline("complaints")}, {"Meldingen", headline("signals")}}},
		{Key: "throughput", Title: "Doorlooptijd van ontvangst tot beslissing per jaar", Unit: "dagen", Kind: ChartLines, Labels: years,
			Series: []Series{{"Mediaan", headline("throughput_median")}, {"90e percentiel", headline("throughput_p90")}}},
		{Key: "within_term", Title: "Beslist binnen de wettelijke termijn per jaar", Unit: "procent", Kind: ChartLines, Labels: years,
			Series: []Series{{"Binnen termijn (%)", headline("within_term_share")}}},
	}
	for _, key := range []string{"complaints_by_category", "course", "judgements", "complaints_by_ground"} {
		f := figureByKey(r, key)
		c := Chart{Key: key, Title: f.Title, Unit: f.Unit, Kind: ChartBars}
		for _, col := range f.Columns {
			c.Labels = append(c.Labels, col.Label)
		}
		n := len(f.Years)
		for _, fy := range f.Years[max(0, n-2):] {
			s := Series{Name: strconv.Itoa(fy.Year)}
			for j := range f.Columns {
				if fy.Table == nil {
					s.Points = append(s.Points, Point{Text: "–"})
					continue
				}
				s.Points = append(s.Points, cellPoint(columnCell(fy.Table, j, r.Ministry != "")))
			}
			c.Series = append(c.Series, s)
		}
		out = append(out, c)
	}
	return out
}

// columnCell is a column's total, or for a narrowed table its one cell.
func columnCell(t *Table, j int, oneRow bool) Cell {
	if oneRow && len(t.Rows) == 1 {
		return t.Cells[0][j]
	}
	return t.ColTotals[j]
}

// rgb is a colour of the Rijkshuisstijl palette.
type rgb struct{ r, g, b int }

func (c rgb) hex() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

var (
	palette   = []rgb{{0x15, 0x42, 0x73}, {0xe1, 0x70, 0x00}, {0x39, 0x87, 0x0c}, {0xa9, 0x00, 0x61}, {0x8f, 0xca, 0xe7}}
	inkColor  = rgb{0x33, 0x33, 0x33}
	gridColor = rgb{0xcc, 0xcc, 0xcc}
)

// readable is c darkened until text in it has a contrast of at least 4.5:1
// on the white chart (WCAG 2.1 SC 1.4.3): the orange, green and light blue
// of the palette are too light for text.
func readable(c rgb) rgb {
	lin := func(v int) float64 {
		f := float64(v) / 255
		if f <= 0.04045 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	for {
		l := 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
		if 1.05/(l+0.05) >= 4.5 {
			return c
		}
		c = rgb{c.r * 9 / 10, c.g * 9 / 10, c.b * 9 / 10}
	}
}

// canvas is what drawChart draws on, in its own units with y downwards.
type canvas interface {
	rect(x, y, w, h float64, fill rgb)
	line(x1, y1, x2, y2, width float64, stroke rgb)
	polyline(pts [][2]float64, width float64, stroke rgb)
	circle(x, y, r float64, fill rgb)
	// text draws s with its baseline at y; anchor is "start", "middle" or "end".
	text(x, y float64, s string, size float64, anchor string, fill rgb)
}

// Chart geometry, in canvas units.
const (
	chartW     = 640.0
	chartH     = 300.0
	padLeft    = 48.0
	padRight   = 12.0
	padTop     = 44.0
	padBottom  = 58.0
	fontSize   = 11.0
	titleSize  = 14.0
	labelSize  = 9.5
	labelCharW = 5.5 // the width of an average label character at labelSize
	maxBarSpan = 48.0
)

// niceMax returns a round axis maximum at or above v, and its step.
func niceMax(v float64) (float64, float64) {
	if v <= 0 {
		return 5, 1
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Ceil(v/step) * step, step
}

func axisText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// drawChart lays c out on cv: title, legend, y axis with grid, and the
// bars or lines. Hidden figures get their mark at the axis, never a bar.
func drawChart(cv canvas, c Chart) {
	cv.text(0, 16, c.Title, titleSize, "start", inkColor)
	// Legend.
	x := 0.0
	for k, s := range c.Series {
		col := palette[k%len(palette)]
		cv.rect(x, 26, 10, 10, col)
		cv.text(x+14, 35, s.Name, labelSize, "start", inkColor)
		x += 22 + 6*float64(len([]rune(s.Name)))
	}
	cv.text(chartW, 35, c.Unit, labelSize, "end", inkColor)

	maxV := 0.0
	for _, s := range c.Series {
		for _, p := range s.Points {
			if p.Shown {
				maxV = math.Max(maxV, p.V)
			}
		}
	}
	axisMax, step := niceMax(maxV)
	if horizontal(c) {
		drawBarsAcross(cv, c, axisMax, step)
		return
	}
	top, bottom := padTop, chartH-padBottom
	left, right := padLeft, chartW-padRight
	yOf := func(v float64) float64 { return bottom - (bottom-top)*v/axisMax }
	for v := 0.0; v <= axisMax+step/2; v += step {
		y := yOf(v)
		cv.line(left, y, right, y, 0.5, gridColor)
		cv.text(left-4, y+3.5, axisText(v), labelSize, "end", inkColor)
	}
	cv.line(left, bottom, right, bottom, 1, inkColor)

	n := len(c.Labels)
	if n == 0 {
		return
	}
	slot := (right - left) / float64(n)
	for i, l := range c.Labels {
		cx := left + slot*(float64(i)+0.5)
		lines := wrapLabel(l, slotChars(n))
		for k, ln := range lines {
			cv.text(cx, bottom+14+float64(k)*11, ln, labelSize, "middle", inkColor)
		}
	}
	switch c.Kind {
	case ChartLines:
		for k, s := range c.Series {
			col := palette[k%len(palette)]
			var run [][2]float64
			flush := func() {
				if len(run) > 1 {
					cv.polyline(run, 2, col)
				}
				run = nil
			}
			for i, p := range s.Points {
				cx := left + slot*(float64(i)+0.5)
				if !p.Shown {
					flush()
					cv.text(cx, bottom-4-float64(k)*11, p.Text, labelSize, "middle", readable(col))
					continue
				}
				run = append(run, [2]float64{cx, yOf(p.V)})
				cv.circle(cx, yOf(p.V), 3, col)
			}
			flush()
		}
	default:
		ns := float64(max(1, len(c.Series)))
		bw := math.Min(maxBarSpan, slot*0.8) / ns
		for k, s := range c.Series {
			col := palette[k%len(palette)]
			for i, p := range s.Points {
				bx := left + slot*(float64(i)+0.5) - bw*ns/2 + bw*float64(k)
				if !p.Shown {
					cv.text(bx+bw/2, bottom-4, p.Text, labelSize, "middle", readable(col))
					continue
				}
				y := yOf(p.V)
				cv.rect(bx, y, bw*0.9, bottom-y, col)
			}
		}
	}
}

// horizontal says whether c's bars are drawn across, labels beside them:
// when a word of a label is wider than its slot under a bar (the grounds
// of discrimination, thirteen of them), so that no label is broken inside
// a word.
func horizontal(c Chart) bool {
	if c.Kind != ChartBars || len(c.Labels) == 0 {
		return false
	}
	width := slotChars(len(c.Labels))
	for _, l := range c.Labels {
		for _, w := range strings.Fields(l) {
			if len([]rune(w)) > width {
				return true
			}
		}
	}
	return false
}

// slotChars is how many label characters fit under each of n bars.
func slotChars(n int) int { return int((chartW - padLeft - padRight) / float64(n) / labelCharW) }

// acrossLabelChars is the widest label column of bars drawn across, in
// characters: a third of the chart.
const acrossLabelChars = 36

// acrossLabel is label l as it stands beside its bar: on one line, cut
// short with "…" beyond acrossLabelChars.
func acrossLabel(l string) string {
	r := []rune(l)
	if len(r) <= acrossLabelChars {
		return l
	}
	return string(r[:acrossLabelChars-1]) + "…"
}

// drawBarsAcross draws c's bars from a label column on the left towards
// the right, one row a label, the series side by side within the row, the
// value axis along the bottom. Hidden figures get their mark at the axis.
func drawBarsAcross(cv canvas, c Chart, axisMax, step float64) {
	longest := 0
	for _, l := range c.Labels {
		longest = max(longest, len([]rune(acrossLabel(l))))
	}
	top, bottom := padTop, chartH-padBottom+20
	left, right := 8+float64(longest)*labelCharW, chartW-padRight
	xOf := func(v float64) float64 { return left + (right-left)*v/axisMax }
	for v := 0.0; v <= axisMax+step/2; v += step {
		x := xOf(v)
		cv.line(x, top, x, bottom, 0.5, gridColor)
		cv.text(x, bottom+12, axisText(v), labelSize, "middle", inkColor)
	}
	cv.line(left, top, left, bottom, 1, inkColor)
	row := (bottom - top) / float64(len(c.Labels))
	ns := float64(max(1, len(c.Series)))
	bh := math.Min(maxBarSpan, row*0.8) / ns
	for i, l := range c.Labels {
		cy := top + row*(float64(i)+0.5)
		cv.text(left-6, cy+3.5, acrossLabel(l), labelSize, "end", inkColor)
		for k, s := range c.Series {
			col := palette[k%len(palette)]
			p := s.Points[i]
			by := cy - bh*ns/2 + bh*float64(k)
			if !p.Shown { // marks of a row's series stand apart: the rows are narrow
				cv.text(left+4+18*float64(k), by+bh/2+3.5, p.Text, labelSize, "start", readable(col))
				continue
			}
			cv.rect(left, by, xOf(p.V)-left, bh*0.9, col)
		}
	}
}

// wrapLabel breaks a label into at most three lines of at most width
// characters, so that labels side by side do not run into each other. A
// word longer than a line is hyphenated where the line ends; what does not
// fit in three lines ends in "…".
func wrapLabel(s string, width int) []string {
	width = max(width, 4)
	var words []string
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		for len(r) > width {
			words = append(words, string(r[:width-1])+"-")
			r = r[width-1:]
		}
		words = append(words, string(r))
	}
	var lines []string
	cur := ""
	for _, w := range words {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > 3 {
		third := []rune(lines[2])
		lines = append(lines[:2], string(third[:min(len(third), width-1)])+"…")
	}
	return lines
}
