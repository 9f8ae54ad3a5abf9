package reporting

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// PDF page geometry in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	margin       = 15.0
	contentW     = pageW - 2*margin
	bottomMargin = 18.0
)

// PDF renders the report as a document fit to send to the minister: a title
// page, a summary with the headline figures and two charts, the tables of
// the year with the year-on-year comparison of each, the statistics, the
// charts, the recommendations, and the disclosure rule with the
// definitions. Charts are vector graphics drawn by the same layout as the
// SVG charts. Every figure printed is a published Cell or Value.
func (r *Report) PDF() ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	d := &pdfDoc{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("cp1252"), r: r}
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, bottomMargin)
	pdf.SetTitle(d.tr(fmt.Sprintf("Jaarrapportage %d - Rijksbrede klachtencommissie ongewenst gedrag", r.Year)), false)
	pdf.SetCreator("RKC", false)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		if pdf.PageNo() == 1 {
			return
		}
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 7.5)
		pdf.SetTextColor(100, 100, 100)
		pdf.CellFormat(0, 5, d.tr(fmt.Sprintf("Jaarrapportage %d%s — pagina %d van {nb}", r.Year, d.scope(), pdf.PageNo())), "", 0, "C", false, 0, "")
	})

	d.titlePage()
	d.summary()
	d.tables()
	d.statistics()
	d.charts()
	d.recommendations()
	d.explanation()

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type pdfDoc struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
	r   *Report
}

func (d *pdfDoc) scope() string {
	if d.r.Ministry == "" {
		return ""
	}
	return " — " + d.r.Ministries[0].Name
}

func (d *pdfDoc) heading(s string) {
	p := d.pdf
	p.SetFont("Helvetica", "B", 14)
	p.SetTextColor(0x15, 0x42, 0x73)
	p.CellFormat(0, 8, d.tr(s), "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(1)
}

func (d *pdfDoc) subheading(s string) {
	p := d.pdf
	p.SetFont("Helvetica", "B", 10.5)
	p.SetTextColor(0x15, 0x42, 0x73)
	p.MultiCell(0, 5, d.tr(s), "", "L", false)
	p.SetTextColor(0, 0, 0)
}

func (d *pdfDoc) para(s string, size float64) {
	d.pdf.SetFont("Helvetica", "", size)
	d.pdf.MultiCell(0, size*0.5, d.tr(s), "", "L", false)
}

// room starts a new page unless h millimetres are left on this one.
func (d *pdfDoc) room(h float64) {
	if d.pdf.GetY()+h > pageH-bottomMargin {
		d.pdf.AddPage()
	}
}

func (d *pdfDoc) titlePage() {
	p, r := d.pdf, d.r
	p.AddPage()
	p.SetFillColor(0x15, 0x42, 0x73)
	p.Rect(pageW/2-6, 0, 12, 40, "F") // the Rijkshuisstijl ribbon
	p.SetY(90)
	p.SetFont("Helvetica", "B", 26)
	p.SetTextColor(0x15, 0x42, 0x73)
	p.CellFormat(0, 12, d.tr(fmt.Sprintf("Jaarrapportage %d", r.Year)), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 14)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 7, d.tr("Rijksbrede klachtencommissie ongewenst gedrag"), "", "L", false)
	p.Ln(2)
	p.SetFont("Helvetica", "", 11)
	p.MultiCell(0, 6, d.tr(fmt.Sprintf("Klachten, meldingen, adviezen en aanbevelingen over %d, met de vergelijking met %s.", r.Year, yearSpan(r.Years))), "", "L", false)
	if r.Ministry != "" {
		p.Ln(2)
		p.SetFont("Helvetica", "B", 11)
		p.MultiCell(0, 6, d.tr("Overzicht voor het ministerie van "+r.Ministries[0].Name+" ("+r.Ministry+")"), "", "L", false)
	}
	p.SetY(200)
	p.SetFont("Helvetica", "", 9)
	lines := []string{"Opgesteld op " + r.GeneratedAt.Format("2-1-2006") + " uit het anonieme statistische register."}
	if r.Provisional {
		lines = append(lines, fmt.Sprintf("Voorlopig: %d is nog niet afgelopen; de cijfers kunnen nog veranderen.", r.Year))
	}
	switch rec := r.Recommendations; rec.Status {
	case "adopted":
		lines = append(lines, fmt.Sprintf("Aanbevelingen vastgesteld op %s (versie %d).", rec.AdoptedAt.Format("2-1-2006"), rec.Version))
	case "draft":
		lines = append(lines, fmt.Sprintf("Aanbevelingen: CONCEPT (versie %d), nog niet vastgesteld.", rec.Version))
	default:
		lines = append(lines, "Aanbevelingen: nog niet opgesteld.")
	}
	lines = append(lines, fmt.Sprintf("Aantallen van 1 tot en met %d zijn getoond als %s, andere verborgen cijfers als %s; een 0 is 0. Zie de toelichting achterin.", MinCount-1, SmallMark, HiddenMark))
	for _, l := range lines {
		p.MultiCell(0, 5, d.tr(l), "", "L", false)
	}
}

func yearSpan(ys []int) string {
	if len(ys) <= 1 {
		return "eerdere jaren (geen gegevens)"
	}
	if len(ys) == 2 {
		return strconv.Itoa(ys[0])
	}
	return fmt.Sprintf("%d–%d", ys[0], ys[len(ys)-2])
}

// lastYears returns the indexes of at most n of the report's last years.
func (d *pdfDoc) lastYears(n int) []int {
	var out []int
	for i := max(0, len(d.r.Years)-n); i < len(d.r.Years); i++ {
		out = append(out, i)
	}
	return out
}

func (d *pdfDoc) summary() {
	p, r := d.pdf, d.r
	p.AddPage()
	d.heading("Samenvatting")
	d.para(fmt.Sprintf("De belangrijkste cijfers over %d%s, naast die van de voorgaande jaren. "+
		"Klachten tellen in het jaar van indiening, adviezen in het jaar van het advies en beslissingen in het jaar van de beslissing.", r.Year, d.scope()), 9)
	p.Ln(2)
	idx := d.lastYears(5)
	header := []string{"Onderwerp"}
	for _, i := range idx {
		header = append(header, strconv.Itoa(r.Years[i]))
	}
	var rows [][]string
	for _, h := range r.Summary {
		row := []string{h.Label}
		for _, i := range idx {
			row = append(row, h.Values[i].String())
		}
		rows = append(rows, row)
	}
	d.table(header, rows, 70, false)
	p.Ln(4)
	charts := r.Charts()
	for _, c := range []Chart{charts[0], charts[2]} { // volumes, within the term
		d.chart(c, 140)
	}
}

// table draws a table with a wide first column; numbers are right-aligned.
// A header repeats on every page the table spans. With totals, the last
// row and column are bold.
func (d *pdfDoc) table(header []string, rows [][]string, firstW float64, totals bool) {
	p := d.pdf
	n := len(header) - 1
	w := (contentW - firstW) / float64(max(n, 1))
	w = min(w, 22)
	const rowH = 4.4
	// Header lines, wrapped to the column width, in a size at which the
	// longest word fits.
	headSize := 6.5
	for ; headSize > 5; headSize -= 0.25 {
		p.SetFont("Helvetica", "B", headSize)
		fits := true
		for _, h := range header[1:] {
			for _, word := range strings.Fields(d.tr(h)) {
				fits = fits && p.GetStringWidth(word) <= w-1
			}
		}
		if fits {
			break
		}
	}
	var cells [][]string
	lines := 1
	for k, h := range header {
		cw := w
		if k == 0 {
			cw = firstW
		}
		ls := p.SplitText(d.tr(h), cw-1)
		if len(ls) > 3 {
			ls = ls[:3]
		}
		lines = max(lines, len(ls))
		cells = append(cells, ls)
	}
	headH := float64(lines)*3 + 1.5
	drawHeader := func() {
		x, y := margin, p.GetY()
		p.SetFont("Helvetica", "B", headSize)
		p.SetFillColor(0xe5, 0xec, 0xf3)
		p.Rect(margin, y, firstW+w*float64(n), headH, "F")
		for k, ls := range cells {
			cw, align := w, "R"
			if k == 0 {
				cw, align = firstW, "L"
			}
			for li, l := range ls {
				p.SetXY(x, y+0.7+float64(li)*3)
				p.CellFormat(cw-0.5, 3, l, "", 0, align, false, 0, "")
			}
			x += cw
		}
		p.SetXY(margin, y+headH)
	}
	d.room(headH + rowH*2)
	drawHeader()
	for ri, row := range rows {
		if p.GetY()+rowH > pageH-bottomMargin {
			p.AddPage()
			drawHeader()
		}
		last := totals && ri == len(rows)-1
		y := p.GetY()
		if ri%2 == 1 {
			p.SetFillColor(0xf6, 0xf6, 0xf6)
			p.Rect(margin, y, firstW+w*float64(n), rowH, "F")
		}
		for k, v := range row {
			style := ""
			if last || (totals && k == len(row)-1) {
				style = "B"
			}
			p.SetFont("Helvetica", style, 7)
			if k == 0 {
				p.CellFormat(firstW, rowH, d.tr(v), "", 0, "L", false, 0, "")
			} else {
				p.CellFormat(w, rowH, d.tr(v), "", 0, "R", false, 0, "")
			}
		}
		p.SetXY(margin, y+rowH)
	}
	p.SetDrawColor(0x15, 0x42, 0x73)
	p.SetLineWidth(0.2)
	p.Line(margin, p.GetY(), margin+firstW+w*float64(n), p.GetY())
}

func (d *pdfDoc) ministryLabel(code string) string {
	if code == unknownMinistry || code == CombinedRow {
		return label("", code)
	}
	return code
}

func (d *pdfDoc) tables() {
	p, r := d.pdf, d.r
	p.AddPage()
	d.heading(fmt.Sprintf("Tabellen %d", r.Year))
	d.para("Per ministerie (rijen, de ministeriecodes staan in de toelichting) en voor alle ministeries samen (onderste rij). "+
		"Onder elke tabel staat hetzelfde cijfer voor alle ministeries"+map[bool]string{true: " (en voor het gekozen ministerie)", false: ""}[r.Ministry != ""]+
		" in de eerdere jaren.", 8.5)
	p.Ln(2)
	for _, f := range r.Figures {
		d.room(40)
		d.subheading(f.Title)
		d.para(f.Basis+"; aantallen "+f.Unit+".", 7.5)
		p.Ln(1)
		header := []string{"Ministerie"}
		for _, c := range f.Columns {
			header = append(header, c.Label)
		}
		header = append(header, "Totaal")
		cur := f.Years[len(f.Years)-1]
		if t := cur.Table; t != nil {
			var rows [][]string
			for i, code := range t.Rows {
				row := []string{d.ministryLabel(code)}
				for _, c := range t.Cells[i] {
					row = append(row, c.String())
				}
				rows = append(rows, append(row, t.RowTotals[i].String()))
			}
			row := []string{"Alle ministeries"}
			for _, c := range t.ColTotals {
				row = append(row, c.String())
			}
			rows = append(rows, append(row, t.Total.String()))
			d.table(header, rows, 24, true)
			if len(t.Combined) > 0 {
				d.para(label("", CombinedRow)+": "+strings.Join(t.Combined, ", ")+".", 7.5)
			}
		} else {
			d.para(cur.Note, 8)
		}
		// Year on year: the all-ministry totals (or the ministry's row).
		if len(f.Years) > 1 {
			p.Ln(1.5)
			header[0] = "Jaar"
			var rows [][]string
			for _, fy := range f.Years {
				t := fy.Table
				if t == nil {
					continue
				}
				row := []string{strconv.Itoa(fy.Year)}
				for j := range t.Cols {
					row = append(row, columnCell(t, j, r.Ministry != "").String())
				}
				total := t.Total
				if r.Ministry != "" {
					total = t.RowTotals[0]
				}
				rows = append(rows, append(row, total.String()))
			}
			d.table(header, rows, 24, false)
		}
		p.Ln(5)
	}
}

func (d *pdfDoc) statistics() {
	p, r := d.pdf, d.r
	d.room(60)
	p.Ln(2)
	d.heading("Doorlooptijd en termijn")
	d.para("Doorlooptijd in kalenderdagen van ontvangst tot beslissing; aandeel binnen de wettelijke termijn (beslist uiterlijk op de, eventueel verlengde, einddatum). "+
		fmt.Sprintf("Alleen getoond voor groepen van %d of meer beslissingen.", MinCount), 8)
	p.Ln(1)
	tp, wt := statByKey(r, "throughput_days"), statByKey(r, "within_term_share")
	last := len(r.Years) - 1
	header := []string{"Ministerie", "Mediaan (dagen)", "90e percentiel (dagen)", "Binnen termijn (%)"}
	var rows [][]string
	for i, code := range tp.Years[last].Rows {
		v, w := tp.Years[last].Values[i], wt.Years[last].Values[i]
		rows = append(rows, []string{d.ministryLabel(code), v[0].String(), v[1].String(), w[0].String()})
	}
	all, wall := tp.Years[last].All, wt.Years[last].All
	rows = append(rows, []string{"Alle ministeries", all[0].String(), all[1].String(), wall[0].String()})
	d.subheading(fmt.Sprintf("%d per ministerie", r.Year))
	d.table(header, rows, 24, true)
	p.Ln(3)
	d.subheading("Per jaar, " + map[bool]string{true: r.Ministry, false: "alle ministeries"}[r.Ministry != ""])
	header[0] = "Jaar"
	rows = nil
	for yi, y := range r.Years {
		v, w := tp.Years[yi].All, wt.Years[yi].All
		if r.Ministry != "" {
			v, w = tp.Years[yi].Values[0], wt.Years[yi].Values[0]
		}
		rows = append(rows, []string{strconv.Itoa(y), v[0].String(), v[1].String(), w[0].String()})
	}
	d.table(header, rows, 24, false)
}

func (d *pdfDoc) charts() {
	d.pdf.AddPage()
	d.heading("Grafieken")
	d.para(fmt.Sprintf("Een verborgen aantal heeft geen staaf of punt; op de as staat dan %s of %s.", SmallMark, HiddenMark), 8)
	d.pdf.Ln(2)
	for _, c := range d.r.Charts() {
		d.chart(c, 160)
	}
}

// chart draws c width millimetres wide at the current position.
func (d *pdfDoc) chart(c Chart, width float64) {
	scale := width / chartW
	h := chartH * scale
	d.room(h + 4)
	y := d.pdf.GetY()
	drawChart(&pdfCanvas{d: d, ox: margin, oy: y, s: scale}, c)
	d.pdf.SetXY(margin, y+h+4)
}

func (d *pdfDoc) recommendations() {
	p, rec := d.pdf, d.r.Recommendations
	p.AddPage()
	d.heading(fmt.Sprintf("Aanbevelingen van de commissie over %d", d.r.Year))
	switch rec.Status {
	case "adopted":
		d.para(fmt.Sprintf("Vastgesteld door de commissie op %s (versie %d).", rec.AdoptedAt.Format("2-1-2006"), rec.Version), 8.5)
	case "draft":
		p.SetTextColor(0xa9, 0x00, 0x61)
		d.para(fmt.Sprintf("CONCEPT — versie %d van %s, nog niet vastgesteld.", rec.Version, rec.SavedAt.Format("2-1-2006")), 9)
		p.SetTextColor(0, 0, 0)
	default:
		d.para("De commissie heeft voor dit jaar nog geen aanbevelingen opgesteld.", 9)
	}
	p.Ln(3)
	if rec.Text != "" {
		d.para(strings.ReplaceAll(rec.Text, "\r\n", "\n"), 10)
	}
}

func (d *pdfDoc) explanation() {
	p, r := d.pdf, d.r
	p.AddPage()
	d.heading("Toelichting: de openbaarmakingsregel")
	for _, s := range r.Disclosure.Rule {
		d.para("• "+s, 9)
		p.Ln(1.5)
	}
	p.Ln(3)
	d.heading("Definities")
	for _, s := range []string{
		"Ministerie: het ministerie van de klager.",
		"Klachten tellen in het jaar van indiening: ontvangen klachten, categorie, discriminatiegrond, ontvankelijkheid, afloop (ingetrokken, informeel opgelost) en hoorzittingen.",
		"Adviezen tellen in het jaar van het advies: het oordeel per klacht en per klachtonderdeel.",
		"Beslissingen tellen in het jaar van de beslissing: advies gevolgd of afgeweken, binnen de termijn, verlenging en doorlooptijd.",
		"Binnen de wettelijke termijn: beslist uiterlijk op de einddatum van de termijn, na een eventuele verlenging (Awb 9:11).",
		"Openstaand op 31 december: ontvangen en op die dag niet beslist of afgesloten; de termijn is verstreken als de einddatum voor 31 december lag. Alleen voor afgelopen jaren.",
		"Meldingen zijn anoniem; 'Niet opgegeven' is het ministerie wanneer de melder er geen noemde.",
	} {
		d.para("• "+s, 9)
		p.Ln(1)
	}
	p.Ln(3)
	d.heading("Ministeries")
	var rows [][]string
	for _, m := range r.Ministries {
		rows = append(rows, []string{m.Code, m.Name})
	}
	d.table([]string{"Code", "Naam"}, rows, 24, false)
}

// pdfCanvas draws chart units onto the page: origin (ox, oy) in mm, s mm
// per unit. Font sizes are converted from units to points.
type pdfCanvas struct {
	d      *pdfDoc
	ox, oy float64
	s      float64
}

func (c *pdfCanvas) rect(x, y, w, h float64, fill rgb) {
	p := c.d.pdf
	p.SetFillColor(fill.r, fill.g, fill.b)
	p.Rect(c.ox+x*c.s, c.oy+y*c.s, w*c.s, h*c.s, "F")
}

func (c *pdfCanvas) line(x1, y1, x2, y2, width float64, stroke rgb) {
	p := c.d.pdf
	p.SetDrawColor(stroke.r, stroke.g, stroke.b)
	p.SetLineWidth(width * c.s)
	p.Line(c.ox+x1*c.s, c.oy+y1*c.s, c.ox+x2*c.s, c.oy+y2*c.s)
}

func (c *pdfCanvas) polyline(pts [][2]float64, width float64, stroke rgb) {
	p := c.d.pdf
	p.SetDrawColor(stroke.r, stroke.g, stroke.b)
	p.SetLineWidth(width * c.s)
	for i, pt := range pts {
		x, y := c.ox+pt[0]*c.s, c.oy+pt[1]*c.s
		if i == 0 {
			p.MoveTo(x, y)
		} else {
			p.LineTo(x, y)
		}
	}
	p.DrawPath("D")
}

func (c *pdfCanvas) circle(x, y, r float64, fill rgb) {
	p := c.d.pdf
	p.SetFillColor(fill.r, fill.g, fill.b)
	p.Circle(c.ox+x*c.s, c.oy+y*c.s, r*c.s, "F")
}

func (c *pdfCanvas) text(x, y float64, s string, size float64, anchor string, fill rgb) {
	p := c.d.pdf
	pt := size * c.s / 0.3528
	p.SetFont("Helvetica", "", pt)
	p.SetTextColor(fill.r, fill.g, fill.b)
	t := c.d.tr(s)
	w := p.GetStringWidth(t)
	px := c.ox + x*c.s
	switch anchor {
	case "middle":
		px -= w / 2
	case "end":
		px -= w
	}
	p.Text(px, c.oy+y*c.s, t)
	p.SetTextColor(0, 0, 0)
}
