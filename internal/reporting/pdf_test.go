package reporting

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestPDFOpensWithTablesAndCharts renders every page of the PDF with
// pdftoppm (poppler-utils, installed by scripts/setup.sh) and checks that
// none is blank, that the text holds the tables, and that the chart page
// is drawn: vector bars in the report's colours, no embedded images.
func TestPDFOpensWithTablesAndCharts(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install poppler-utils (scripts/setup.sh does)", tool)
		}
	}
	db := dbtest.New(t)
	if _, err := SeedSynthetic(context.Background(), db, 3000, 4, false); err != nil {
		t.Fatal(err)
	}
	r, err := Build(context.Background(), db, time.Now().Year()-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SaveRecommendations(context.Background(), db, r.Year, chairOf(t, db), "Zorg voor meer vertrouwenspersonen.", 0); err != nil {
		t.Fatal(err)
	}
	if r, err = Build(context.Background(), db, r.Year); err != nil {
		t.Fatal(err)
	}
	doc, err := r.PDF()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("/Subtype /Image")) {
		t.Error("the PDF embeds an image; charts must be vector graphics")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
	for _, want := range []string{"Jaarrapportage", "Samenvatting", "Klachten naar categorie", "Alle ministeries",
		"Doorlooptijd", "Grafieken", "Klachten en meldingen per jaar", "Aanbevelingen van de commissie",
		"CONCEPT", "Zorg voor meer vertrouwenspersonen", "openbaarmakingsregel", SmallMark} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the PDF text lacks %q", want)
		}
	}
	if out, err := exec.Command("pdftoppm", "-r", "30", "-png", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(pngs)
	if len(pngs) != len(pages) || len(pngs) < 6 {
		t.Fatalf("%d pages rendered, %d pages of text", len(pngs), len(pages))
	}
	chartPage := -1
	for i, pg := range pages {
		if strings.Contains(pg, "Grafieken") {
			chartPage = i
		}
	}
	for i, f := range pngs {
		img := decodePNG(t, f)
		if v := variance(img); v < 20 {
			t.Errorf("page %d looks blank (grey variance %.1f)", i+1, v)
		}
		if i == chartPage {
			blue, orange := colourShare(img, palette[0]), colourShare(img, palette[1])
			if blue < 0.005 || orange < 0.002 {
				t.Errorf("chart page %d: %.3f blue and %.3f orange, want drawn bars", i+1, blue, orange)
			}
		}
	}
	if chartPage < 0 {
		t.Error("no page with the charts")
	}
}

func decodePNG(t *testing.T, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return img
}

// variance is the variance of the grey levels (0..255) of img: a blank
// page has none.
func variance(img image.Image) float64 {
	var n, sum, sq float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := float64(r+g+bl) / 3 / 257
			n++
			sum += v
			sq += v * v
		}
	}
	m := sum / n
	return sq/n - m*m
}

// colourShare is the share of pixels close to c.
func colourShare(img image.Image, c rgb) float64 {
	var n, hit float64
	b := img.Bounds()
	near := func(a uint32, want int) bool { d := int(a>>8) - want; return d > -40 && d < 40 }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if near(r, c.r) && near(g, c.g) && near(bl, c.b) {
				hit++
			}
		}
	}
	return hit / n
}

// TestChartSVG: a well-formed SVG whose bars are the published figures; a
// hidden figure has no bar, only its mark, and its value is nowhere.
func TestChartSVG(t *testing.T) {
	c := Chart{Key: "k", Title: "Klachten <per> jaar", Unit: "aantal", Kind: ChartBars, Labels: []string{"2024", "2025"},
		Series: []Series{{Name: "Klachten", Points: []Point{cellPoint(Cell{Value: 40}), cellPoint(Cell{Value: 3, Suppressed: true})}},
			{Name: "Meldingen", Points: []Point{cellPoint(Cell{Value: 17, Suppressed: true}), cellPoint(Cell{Value: 25})}}}}
	svg := ChartSVG(c)
	dec := xml.NewDecoder(strings.NewReader(svg))
	rects, texts := 0, []string{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rect":
				rects++
			case "text":
				var s string
				dec.DecodeElement(&s, &se)
				texts = append(texts, s)
			}
		}
	}
	if rects != 2+2 { // two legend keys, two shown bars
		t.Errorf("%d rects, want 4 (legend and the two shown bars)", rects)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"Klachten <per> jaar", SmallMark, HiddenMark, "2024", "2025"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG text lacks %q: %s", want, all)
		}
	}
	if strings.Contains(svg, ">3<") || strings.Contains(svg, ">17<") || strings.Contains(svg, ": 3") || strings.Contains(svg, ": 17") {
		t.Errorf("a hidden value appears in the SVG: %s", svg)
	}
	if !strings.Contains(svg, `viewBox="0 0 640 300"`) || !strings.Contains(svg, `role="img"`) {
		t.Error("SVG lacks its viewBox or role")
	}
}

// Labels must not run into each other, nor be broken inside a word: every
// label of every chart of a report either fits its slot under a bar in at
// most three lines, breaking only between words, or, where a word would
// not fit (the thirteen grounds of discrimination, "Levensovertuiging"),
// the bars are drawn across and the label stands beside its bar on one
// line. A made-up label too long for any slot is still kept within it.
func TestChartLabelsFitTheirSlots(t *testing.T) {
	_, r := knownReport(t)
	across := 0
	for _, c := range r.Charts() {
		width := slotChars(len(c.Labels))
		for _, l := range c.Labels {
			if horizontal(c) {
				if got := acrossLabel(l); got != l || len([]rune(got)) > acrossLabelChars {
					t.Errorf("chart %s, drawn across: label %q stands as %q", c.Key, l, got)
				}
				continue
			}
			lines := wrapLabel(l, width)
			if len(lines) == 0 || len(lines) > 3 || strings.Join(lines, " ") != l {
				t.Errorf("chart %s: label %q in lines %q, want 1 to 3 lines broken between words", c.Key, l, lines)
			}
			for _, ln := range lines {
				if n := len([]rune(ln)); n > width {
					t.Errorf("chart %s: label %q has a line %q of %d characters in a slot of %d", c.Key, l, ln, n, width)
				}
			}
		}
		if horizontal(c) {
			across++
		}
	}
	if across != 1 {
		t.Errorf("%d charts drawn across, want the grounds of discrimination alone", across)
	}
	long := "Arbeidsongeschiktheidsverzekeringsvoorwaarden en nog veel meer woorden dan passen"
	for _, ln := range wrapLabel(long, 8) {
		if len([]rune(ln)) > 8 {
			t.Errorf("a made-up label breaks out of its slot: %q", ln)
		}
	}
	if got := acrossLabel(long); len([]rune(got)) > acrossLabelChars {
		t.Errorf("a made-up label beside its bar: %q", got)
	}
}

// TestReportCharts: every chart of a report renders, and a narrowed
// report's charts show the ministry's published cells.
func TestReportCharts(t *testing.T) {
	_, r := knownReport(t)
	svgs := r.ChartsSVG()
	for _, key := range []string{"volume", "throughput", "within_term", "complaints_by_category", "course", "judgements", "complaints_by_ground"} {
		if !strings.HasPrefix(svgs[key], "<svg") {
			t.Errorf("chart %s missing", key)
		}
	}
	n, err := r.For("BZK")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range n.Charts() {
		if c.Key != "complaints_by_category" {
			continue
		}
		last := c.Series[len(c.Series)-1]
		tb := figureByKey(r, "complaints_by_category").Years[2].Table
		i := 0
		for k, row := range tb.Rows {
			if row == "BZK" {
				i = k
			}
		}
		for j, p := range last.Points {
			if p.Text != tb.Cells[i][j].String() || p.Shown == tb.Cells[i][j].Suppressed {
				t.Errorf("BZK chart point %d = %+v, table cell %s", j, p, tb.Cells[i][j])
			}
		}
	}
}
