package reporting

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// The acceptance test of issue 15: a year with 7 complaints at BZK (3
// founded, 4 unfounded) and 2 at FIN, whose advice FIN followed both times.
// The report must state no false figure (a 0 shows as 0 unless the method
// names it disclosive), show the year's total of 9, and let no count of 1
// to 4 be seen or worked out from any combination of published figures,
// in JSON, CSV and PDF alike. The auditor below reads only what is
// published and solves every equation a reader can write down, the links
// between tables included.

func acceptancePopulation(t *testing.T) *Report {
	t.Helper()
	db := dbtest.New(t)
	decided := func(ministry, category, judgement string, founded, unfounded int, day int) stat {
		filed := time.Date(2024, 1, 10+day, 0, 0, 0, 0, time.UTC)
		d := func(k int) string { return filed.AddDate(0, 0, k).Format(time.DateOnly) }
		return stat{ministry: ministry, category: category, filed: d(0), received: d(0), due: d(70),
			admissible: "y", advised: d(40), decided: d(50), closed: d(55), state: "closed",
			judgement: judgement, founded: founded, unfounded: unfounded, follows: "y"}
	}
	insertStats(t, db,
		decided("BZK", "bullying", "founded", 1, 0, 1),
		decided("BZK", "bullying", "founded", 1, 0, 2),
		decided("BZK", "sexual_harassment", "founded", 1, 0, 3),
		decided("BZK", "bullying", "unfounded", 0, 1, 4),
		decided("BZK", "aggression_violence", "unfounded", 0, 1, 5),
		decided("BZK", "sexual_harassment", "unfounded", 0, 1, 6),
		decided("BZK", "other", "unfounded", 0, 1, 7),
		decided("FIN", "bullying", "founded", 1, 0, 8),
		decided("FIN", "other", "unfounded", 0, 1, 9),
	)
	return build2024(t, db)
}

// build2024 builds the report on 2024 on 1 March 2026, when the year's
// cases are all decided.
func build2024(t *testing.T, db *gorm.DB) *Report {
	t.Helper()
	r, err := build(context.Background(), db, 2024, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// publishedAudited is what r publishes (the JSON, checked to be the same in
// the CSV), audited for counts a reader could work out.
func publishedAudited(t *testing.T, r *Report) map[string]pubTable {
	t.Helper()
	pub := publishedJSON(t, r)
	samePublishedInCSV(t, r, pub)
	audit(t, pub)
	return pub
}

func TestAnnualReportStatesNoFalseFigureAndHidesNoDerivableCount(t *testing.T) {
	r := acceptancePopulation(t)
	pub := publishedJSON(t, r)
	samePublishedInCSV(t, r, pub)
	samePublishedInPDF(t, r, pub)

	// The year's total shows, in the table and in the summary.
	if got := pub["complaints_by_category"].e[pub["complaints_by_category"].r][pub["complaints_by_category"].c]; got != "9" {
		t.Errorf("complaints received 2024 published as %q, want 9", got)
	}
	for _, h := range r.Summary {
		if h.Key == "complaints" && h.Values[0].String() != "9" {
			t.Errorf("summary: complaints received %s, want 9", h.Values[0])
		}
	}
	// No number of 1 to 4, and every "<5" is 1 to 4 (true figures only).
	for key, p := range pub {
		for i := range p.e {
			for j, s := range p.e[i] {
				v := p.truth[i][j]
				if n, err := strconv.Atoi(s); err == nil && (small(n) || n != v) {
					t.Errorf("%s (%d,%d) published as %s, true %d", key, i, j, s, v)
				}
				if s == SmallMark && !small(v) {
					t.Errorf("%s (%d,%d) published as %s, true %d: a false figure", key, i, j, s, v)
				}
			}
		}
	}
	// FIN's zeros: 0, unless in a group the method masks (a small group
	// all in one category: docs/disclosure.md, group disclosure).
	named := strings.Join(r.Disclosure.Rule, " ")
	for key, p := range pub {
		fin := slices.Index(p.rows, "FIN")
		for j := 0; j <= p.c; j++ {
			if p.truth[fin][j] != 0 || p.e[fin][j] == "0" {
				continue
			}
			breakdown := key == "judgement_elements" && hiddenIn(pub["judgements"], fin, pub["judgements"].c)
			if !(p.masked()[[2]int{fin, j}] && strings.Contains(named, "kleine groep")) &&
				!(breakdown && strings.Contains(named, "klachtonderdelen")) {
				t.Errorf("%s: FIN's 0 in %s published as %q without a named reason", key, p.colName(j), p.e[fin][j])
			}
		}
	}
	// FIN never departed from advice, and the report does not suggest it.
	af := pub["advice_followed"]
	if s := af.e[slices.Index(af.rows, "FIN")][slices.Index(af.cols, "departed")]; s != "0" {
		t.Errorf("FIN departed from advice published as %q, want 0 (nobody departed anywhere)", s)
	}
	audit(t, pub)
}

// pubTable is one figure's table of the year as published: the augmented
// entries as strings ((r, c) is the grand total), and the true values for
// the checks that need them (never for the attack itself).
type pubTable struct {
	key        string
	onlyTotal  bool // the table says that its "x" may be any count
	rows, cols []string
	r, c       int
	e          [][]string
	truth      [][]int
}

func (p pubTable) colName(j int) string {
	if j == p.c {
		return "total"
	}
	return p.cols[j]
}

func (p pubTable) line(row bool, k int) [][2]int {
	var l [][2]int
	if row {
		for j := 0; j <= p.c; j++ {
			l = append(l, [2]int{k, j})
		}
	} else {
		for i := 0; i <= p.r; i++ {
			l = append(l, [2]int{i, k})
		}
	}
	return l
}

func (p pubTable) lines() [][][2]int {
	var ls [][][2]int
	for i := 0; i <= p.r; i++ {
		ls = append(ls, p.line(true, i))
	}
	for j := 0; j <= p.c; j++ {
		ls = append(ls, p.line(false, j))
	}
	return ls
}

// masked returns the "x" a reader can tell to be in a masked small group:
// in a line whose total reads "<5", or whose total is such an "x".
func (p pubTable) masked() map[[2]int]bool {
	in := map[[2]int]bool{}
	for changed := true; changed; {
		changed = false
		for _, l := range p.lines() {
			tot := l[len(l)-1]
			if p.e[tot[0]][tot[1]] != SmallMark && !in[tot] {
				continue
			}
			for _, q := range l[:len(l)-1] {
				if p.e[q[0]][q[1]] == HiddenMark && !in[q] {
					in[q], changed = true, true
				}
			}
		}
	}
	return in
}

// publishedJSON decodes the report's JSON into the tables of its year.
func publishedJSON(t *testing.T, r *Report) map[string]pubTable {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Figures []struct {
			Key   string `json:"key"`
			Years []struct {
				Year  int    `json:"year"`
				Note  string `json:"note"`
				Table *struct {
					Rows      []string            `json:"rows"`
					Cols      []string            `json:"cols"`
					Cells     [][]json.RawMessage `json:"cells"`
					RowTotals []json.RawMessage   `json:"row_totals"`
					ColTotals []json.RawMessage   `json:"col_totals"`
					Total     json.RawMessage     `json:"total"`
				} `json:"table"`
			} `json:"years"`
		} `json:"figures"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	str := func(m json.RawMessage) string {
		var s string
		if json.Unmarshal(m, &s) == nil {
			return s
		}
		return string(m)
	}
	out := map[string]pubTable{}
	for k, f := range doc.Figures {
		for y, fy := range f.Years {
			if fy.Year != r.Year || fy.Table == nil {
				continue
			}
			tb := fy.Table
			p := pubTable{key: f.Key, rows: tb.Rows, cols: tb.Cols, r: len(tb.Rows), c: len(tb.Cols), onlyTotal: fy.Note == onlyTotalNote}
			truth := r.Figures[k].Years[y].Table
			for i := 0; i <= p.r; i++ {
				var row []string
				var tr []int
				for j := 0; j <= p.c; j++ {
					var m json.RawMessage
					switch {
					case i < p.r && j < p.c:
						m = tb.Cells[i][j]
					case i < p.r:
						m = tb.RowTotals[i]
					case j < p.c:
						m = tb.ColTotals[j]
					default:
						m = tb.Total
					}
					row = append(row, str(m))
					tr = append(tr, ref{truth, i, j}.cell().Value)
				}
				p.e = append(p.e, row)
				p.truth = append(p.truth, tr)
			}
			out[f.Key] = p
		}
	}
	if len(out) != len(figureDefs) {
		t.Fatalf("%d tables for %d, want %d", len(out), r.Year, len(figureDefs))
	}
	return out
}

// samePublishedInCSV checks that the CSV publishes each entry exactly as
// the JSON does, so that auditing the JSON audits the CSV.
func samePublishedInCSV(t *testing.T, r *Report, pub map[string]pubTable) {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, rec := range recs[1:] {
		got[strings.Join(rec[:4], "|")] = rec[4]
	}
	for key, p := range pub {
		for i := 0; i <= p.r; i++ {
			for j := 0; j <= p.c; j++ {
				row := AllMinistries
				if i < p.r {
					row = p.rows[i]
				}
				col := TotalCategory
				if j < p.c {
					col = p.cols[j]
				}
				k := strings.Join([]string{strconv.Itoa(r.Year), row, key, col}, "|")
				if got[k] != p.e[i][j] {
					t.Errorf("CSV %s = %q, JSON %q", k, got[k], p.e[i][j])
				}
			}
		}
	}
}

// samePublishedInPDF checks that each table row of the PDF (as text) shows
// the entries the JSON shows: the rows of BZK, FIN and all ministries, in
// the order of the figures.
func samePublishedInPDF(t *testing.T, r *Report, pub map[string]pubTable) {
	t.Helper()
	var lines []string
	for l := range strings.Lines(pdfText(t, r)) {
		lines = append(lines, strings.TrimSpace(l))
	}
	for _, who := range []string{"BZK", "FIN", "Alle ministeries"} {
		var want []string
		for _, f := range figureDefs {
			p := pub[f.key]
			i := p.r
			if who != "Alle ministeries" {
				i = slices.Index(p.rows, who)
			}
			want = append(want, strings.Join(append([]string{who}, p.e[i]...), " "))
		}
		var got []string
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(l, who+" ") && len(f) > 1 && isMarkOrNumber(f[len(f)-1]) {
				got = append(got, strings.Join(f, " "))
			}
		}
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("PDF rows of %s:\n got %q\nwant %q", who, got, want)
		}
	}
}

// pdfText is the text of r's PDF, laid out as on the page.
func pdfText(t *testing.T, r *Report) string {
	t.Helper()
	doc, err := r.PDF()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(text)
}

func isMarkOrNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil || s == SmallMark || s == HiddenMark
}

// audit is the attacker: one unknown per hidden entry of every table, one
// equation per line, the links between tables the report's definitions
// imply, and the range each mark tells. It solves exactly over the whole
// numbers and fails when a hidden count of 1 to 4 has only one possible
// value, or a masked group can be shown to be all in one category.
func audit(t *testing.T, pub map[string]pubTable) {
	t.Helper()
	for _, f := range auditFindings(pub, true) {
		t.Error(f)
	}
}

// auditFindings returns what the attacker found; linked adds the links
// between the report's tables.
func auditFindings(pub map[string]pubTable, linked bool) []string {
	s := &solver{}
	id := map[string]map[[2]int]int{} // table → entry → unknown
	val := map[string]map[[2]int]int{}
	plainX := map[int]bool{}   // an "x" that is a complement, 5 or more, unless shown otherwise
	anyCount := map[int]bool{} // an "x" that may be any count
	for key, p := range pub {
		id[key], val[key] = map[[2]int]int{}, map[[2]int]int{}
		ub := 1000 // no count exceeds the grand total, when it is published
		if n, err := strconv.Atoi(p.e[p.r][p.c]); err == nil {
			ub = n
		} else if p.e[p.r][p.c] == SmallMark {
			ub = MinCount - 1
		}
		masked := p.masked()
		for i := 0; i <= p.r; i++ {
			for j := 0; j <= p.c; j++ {
				q := [2]int{i, j}
				if n, err := strconv.Atoi(p.e[i][j]); err == nil {
					val[key][q] = n
					continue
				}
				lo, hi := MinCount, ub
				switch {
				case p.e[i][j] == SmallMark:
					lo, hi = 1, MinCount-1
				case masked[q]:
					lo, hi = 0, MinCount-1
				case p.onlyTotal, key == "judgement_elements" && hiddenIn(pub["judgements"], i, pub["judgements"].c):
					// The breakdown of a figure hidden elsewhere.
					lo = 0
					anyCount[len(s.lo)] = true
				}
				plainX[len(s.lo)] = lo == MinCount
				id[key][q] = s.add(lo, hi, p.truth[i][j])
			}
		}
	}
	term := func(key string, q [2]int, coef int) (int, int, int) { // unknown, coefficient, constant
		if u, ok := id[key][q]; ok {
			return u, coef, 0
		}
		return -1, 0, coef * val[key][q]
	}
	equation := func(parts ...[3]any) {
		var vars, coefs []int
		c := 0
		for _, pt := range parts {
			u, k, k0 := term(pt[0].(string), pt[1].([2]int), pt[2].(int))
			c -= k0
			if u >= 0 {
				vars, coefs = append(vars, u), append(coefs, k)
			}
		}
		s.eq(vars, coefs, c)
	}
	for key, p := range pub {
		for _, l := range p.lines() {
			var parts [][3]any
			for k, q := range l {
				coef := 1
				if k == len(l)-1 {
					coef = -1
				}
				parts = append(parts, [3]any{key, q, coef})
			}
			equation(parts...)
		}
	}
	// Links: figures that count the same people.
	var pairs [][2]int // linked unknowns
	sameEntry := func(a string, qa [2]int, b string, qb [2]int) {
		equation([3]any{a, qa, 1}, [3]any{b, qb, -1})
		ua, oka := id[a][qa]
		ub, okb := id[b][qb]
		if oka && okb {
			pairs = append(pairs, [2]int{ua, ub})
		}
	}
	sameMargins := func(keys ...string) {
		a := pub[keys[0]]
		for _, k := range keys[1:] {
			b := pub[k]
			for i := 0; i <= a.r; i++ {
				sameEntry(a.key, [2]int{i, a.c}, b.key, [2]int{i, b.c})
			}
		}
	}
	// sameColumn: column col of a is column colB of b, or b's row totals
	// when colB is "".
	sameColumn := func(a, col, b, colB string) {
		pa, pb := pub[a], pub[b]
		j, jb := slices.Index(pa.cols, col), pb.c
		if colB != "" {
			jb = slices.Index(pb.cols, colB)
		}
		for i := 0; i <= pa.r; i++ {
			sameEntry(a, [2]int{i, j}, b, [2]int{i, jb})
		}
	}
	if linked {
		sameMargins("complaints_by_category", "admissibility", "course", "hearing_cases")
		sameColumn("complaints_by_category", "discrimination", "complaints_by_ground", "")
		sameColumn("admissibility", "inadmissible", "inadmissible_by_ground", "")
		sameColumn("admissibility", "inadmissible", "course", "inadmissible")
		// Cases with a hearing and hearings held are hidden alike, but
		// are not the same number: no equation, only the pairing.
		hc, hh := pub["hearing_cases"], pub["hearings_held"]
		for i := 0; i <= hc.r; i++ {
			ua, oka := id[hc.key][[2]int{i, slices.Index(hc.cols, "with_hearing")}]
			ub, okb := id[hh.key][[2]int{i, slices.Index(hh.cols, "hearings")}]
			if oka && okb {
				pairs = append(pairs, [2]int{ua, ub})
			}
		}
		sameMargins("statutory_term", "advice_followed", "extensions")
	}
	// An "x" may be any count where it stands for the same figure as such
	// an "x" elsewhere, or breaks one down (its line's total is one).
	for changed := true; changed; {
		changed = false
		widen := func(u int) {
			if plainX[u] && !anyCount[u] {
				anyCount[u], changed = true, true
				s.lo[u] = 0
			}
		}
		for _, pr := range pairs {
			if anyCount[pr[0]] {
				widen(pr[1])
			}
			if anyCount[pr[1]] {
				widen(pr[0])
			}
		}
		for key, p := range pub {
			for _, l := range p.lines() {
				if u, ok := id[key][l[len(l)-1]]; ok && anyCount[u] {
					for _, q := range l[:len(l)-1] {
						if v, ok := id[key][q]; ok {
							widen(v)
						}
					}
				}
			}
		}
	}
	for _, e := range s.eqs {
		sum := 0
		for k, u := range e.vars {
			sum += e.coefs[k] * s.truth[u]
		}
		if sum != e.c {
			return []string{fmt.Sprintf("equation %v fails on the truth", e)}
		}
	}
	for key, ids := range id {
		for q, u := range ids {
			if s.truth[u] < s.lo[u] || s.truth[u] > s.hi[u] {
				return []string{fmt.Sprintf("%s %v: truth %d outside [%d,%d]\n%v", key, q, s.truth[u], s.lo[u], s.hi[u], pub[key].e)}
			}
		}
	}
	if !s.feasible(nil) {
		return []string{"the auditor's system excludes the true table: the auditor is wrong, not the report"}
	}
	var found []string
	for key, p := range pub {
		for q, u := range id[key] {
			if v := p.truth[q[0]][q[1]]; small(v) && s.pinned(u) {
				found = append(found, fmt.Sprintf("%s %s/%s: the hidden %d can be worked out from the published figures", key, rowName(p, q[0]), p.colName(q[1]), v))
			}
		}
		// A masked group in one category must leave a doubt.
		for _, l := range p.lines() {
			tot := l[len(l)-1]
			if p.e[tot[0]][tot[1]] != SmallMark {
				continue
			}
			var zeros []int
			nonZero := 0
			for _, q := range l[:len(l)-1] {
				if p.truth[q[0]][q[1]] > 0 {
					nonZero++
				} else if u, ok := id[key][q]; ok {
					zeros = append(zeros, u)
				}
			}
			if nonZero == 1 && len(zeros) > 0 && !slices.ContainsFunc(zeros, s.canBePositive) {
				found = append(found, fmt.Sprintf("%s: the masked group at %v is seen to be all in one category", key, tot))
			}
		}
	}
	return found
}

func hiddenIn(p pubTable, i, j int) bool {
	_, err := strconv.Atoi(p.e[i][j])
	return err != nil
}

func rowName(p pubTable, i int) string {
	if i == p.r {
		return AllMinistries
	}
	return p.rows[i]
}

// solver decides exactly which values whole-number unknowns in ranges can
// take under linear equations: bound propagation, then search. The systems
// here are small (a few dozen unknowns of at most the year's total).
type solver struct {
	lo, hi, truth []int
	eqs           []equation
}

type equation struct {
	vars, coefs []int
	c           int // sum coefs[k]*x[vars[k]] == c
}

func (s *solver) add(lo, hi, truth int) int {
	s.lo, s.hi, s.truth = append(s.lo, lo), append(s.hi, hi), append(s.truth, truth)
	return len(s.lo) - 1
}

func (s *solver) eq(vars, coefs []int, c int) {
	s.eqs = append(s.eqs, equation{vars, coefs, c})
}

// pinned reports whether unknown u has one possible value.
func (s *solver) pinned(u int) bool {
	for v := s.lo[u]; v <= s.hi[u]; v++ {
		if v != s.truth[u] && s.feasible(map[int][2]int{u: {v, v}}) {
			return false
		}
	}
	return true
}

func (s *solver) canBePositive(u int) bool {
	return s.feasible(map[int][2]int{u: {1, s.hi[u]}})
}

// feasible reports whether some whole-number solution exists with the
// given unknowns narrowed to the given ranges.
func (s *solver) feasible(narrow map[int][2]int) bool {
	lo, hi := slices.Clone(s.lo), slices.Clone(s.hi)
	for u, r := range narrow {
		lo[u], hi[u] = max(lo[u], r[0]), min(hi[u], r[1])
	}
	return s.search(lo, hi, 0)
}

func (s *solver) search(lo, hi []int, depth int) bool {
	if depth > 10_000 {
		panic("solver: search too deep")
	}
	if !s.propagate(lo, hi) {
		return false
	}
	branch := -1
	for u := range lo {
		if lo[u] < hi[u] && (branch < 0 || hi[u]-lo[u] < hi[branch]-lo[branch]) {
			branch = u
		}
	}
	if branch < 0 {
		return true // every unknown fixed and every equation holds
	}
	for v := lo[branch]; v <= hi[branch]; v++ {
		l, h := slices.Clone(lo), slices.Clone(hi)
		l[branch], h[branch] = v, v
		if s.search(l, h, depth+1) {
			return true
		}
	}
	return false
}

// propagate narrows the ranges by each equation until stable; false when
// some range is empty or an equation cannot hold.
func (s *solver) propagate(lo, hi []int) bool {
	for changed := true; changed; {
		changed = false
		for _, e := range s.eqs {
			minSum, maxSum := 0, 0
			for k, u := range e.vars {
				a, b := e.coefs[k]*lo[u], e.coefs[k]*hi[u]
				minSum, maxSum = minSum+min(a, b), maxSum+max(a, b)
			}
			if minSum > e.c || maxSum < e.c {
				return false
			}
			for k, u := range e.vars {
				a, b := e.coefs[k]*lo[u], e.coefs[k]*hi[u]
				restMin, restMax := minSum-min(a, b), maxSum-max(a, b)
				// coef*x = c - rest
				xlo, xhi := e.c-restMax, e.c-restMin
				if e.coefs[k] < 0 {
					xlo, xhi = -xhi, -xlo
				}
				if xlo > lo[u] {
					lo[u], changed = xlo, true
				}
				if xhi < hi[u] {
					hi[u], changed = xhi, true
				}
				if lo[u] > hi[u] {
					return false
				}
			}
		}
	}
	return true
}

// TestAuditorFindsADerivableCount shows that the auditor can fail: a "<5"
// that is a published total minus published cells, and two "<5" that the
// totals force to be 1 each.
func TestAuditorFindsADerivableCount(t *testing.T) {
	tables := []pubTable{
		{key: "k", rows: []string{"A", "B"}, cols: []string{"p", "q"}, r: 2, c: 2,
			e:     [][]string{{"<5", "x", "12"}, {"8", "20", "28"}, {"11", "29", "40"}},
			truth: [][]int{{3, 9, 12}, {8, 20, 28}, {11, 29, 40}}},
		{key: "k", rows: []string{"A"}, cols: []string{"p", "q", "r"}, r: 1, c: 3,
			e:     [][]string{{"<5", "<5", "20", "22"}, {"<5", "<5", "20", "22"}},
			truth: [][]int{{1, 1, 20, 22}, {1, 1, 20, 22}}},
	}
	for _, p := range tables {
		if found := auditFindings(map[string]pubTable{"k": p}, false); len(found) == 0 {
			t.Errorf("nothing found in %v", p.e)
		}
	}
	// The same table with the 3's column hidden too is safe.
	safe := tables[0]
	safe.e = [][]string{{"<5", "x", "12"}, {"x", "x", "28"}, {"11", "29", "40"}}
	if found := auditFindings(map[string]pubTable{"k": safe}, false); len(found) > 0 {
		t.Errorf("a protected table reported: %v", found)
	}
}

// TestSmallMinistriesAreCombinedNotTheTotal: two ministries of four
// complaints each and no others. With the total of 8 published each would
// be 4 whatever else is hidden, so the report combines them into one row
// (CBS practice) and keeps the total.
func TestSmallMinistriesAreCombinedNotTheTotal(t *testing.T) {
	db := dbtest.New(t)
	for k, m := range []string{"BZK", "BZK", "BZK", "BZK", "FIN", "FIN", "FIN", "FIN"} {
		filed := time.Date(2024, 2, 1+k, 0, 0, 0, 0, time.UTC)
		d := func(n int) string { return filed.AddDate(0, 0, n).Format(time.DateOnly) }
		category := map[bool]string{true: "bullying", false: "other"}[k < 3 || k == 4 || k == 5]
		insertStats(t, db, stat{ministry: m, category: category, filed: d(0), received: d(0),
			due: d(70), admissible: "y", advised: d(40), decided: d(50), closed: d(55), state: "closed",
			judgement: "unfounded", unfounded: 1, follows: "y"})
	}
	r := build2024(t, db)
	pub := publishedAudited(t, r)
	for _, key := range []string{"complaints_by_category", "statutory_term"} {
		p := pub[key]
		if got := p.e[p.r][p.c]; got != "8" {
			t.Errorf("%s: total published as %q, want 8", key, got)
		}
		tb := figureByKey(r, key).Years[0].Table
		i := slices.Index(tb.Rows, CombinedRow)
		if i < 0 || !slices.Equal(tb.Combined, []string{"BZK", "FIN"}) || slices.Contains(tb.Rows, "BZK") {
			t.Fatalf("%s: rows %v, combined %v; want BZK and FIN combined", key, tb.Rows, tb.Combined)
		}
		if got := p.e[i][p.c]; got != "8" {
			t.Errorf("%s: combined row total %q, want 8", key, got)
		}
	}
	n, err := r.For("FIN")
	if err != nil {
		t.Fatal(err)
	}
	if rows := figureByKey(n, "complaints_by_category").Years[0].Table.Rows; !slices.Equal(rows, []string{CombinedRow}) {
		t.Errorf("FIN's report shows rows %v, want the combined row", rows)
	}
	if !strings.Contains(pdfText(t, r), "Overige ministeries: BZK, FIN.") {
		t.Error("the PDF does not say which ministries are combined")
	}
}

// TestOnlyTheTotalWhenNothingElseProtects: one ministry of 8 complaints, 4
// of bullying and 4 of another kind. Combining ministries cannot help, and
// with the total published each category is 4; the table then publishes
// only its total and says so.
func TestOnlyTheTotalWhenNothingElseProtects(t *testing.T) {
	db := dbtest.New(t)
	for k := range 8 {
		filed := time.Date(2024, 2, 1+k, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		insertStats(t, db, stat{ministry: "BZK", category: []string{"bullying", "other"}[k%2], filed: filed, state: "submitted"})
	}
	r := build2024(t, db)
	pub := publishedAudited(t, r)
	p := pub["complaints_by_category"]
	if got := p.e[p.r][p.c]; got != "8" {
		t.Errorf("total published as %q, want 8", got)
	}
	if !p.onlyTotal {
		t.Errorf("the table does not say that only its total is published: %v", p.e)
	}
}
