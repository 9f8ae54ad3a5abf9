package reporting

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// augmented renders t as the reader sees it: the cells with each row's total
// at the end of the row, and a last row of column totals and the grand total.
func augmented(t Table) [][]string {
	out := make([][]string, 0, len(t.Cells)+1)
	for i, row := range t.Cells {
		var l []string
		for _, c := range row {
			l = append(l, c.String())
		}
		out = append(out, append(l, t.RowTotals[i].String()))
	}
	var l []string
	for _, c := range t.ColTotals {
		l = append(l, c.String())
	}
	return append(out, append(l, t.Total.String()))
}

// entries lists the augmented table as the attackers below see it: every
// entry with its position, and every line (row or column of the augmented
// table) as positions with its total last.
type entry struct {
	i, j int
	c    Cell
}

func entriesOf(t Table) (es [][]entry, lines [][]entry) {
	r, c := len(t.Cells), len(t.Cols)
	es = make([][]entry, r+1)
	for i := 0; i <= r; i++ {
		es[i] = make([]entry, c+1)
		for j := 0; j <= c; j++ {
			var cell Cell
			switch {
			case i < r && j < c:
				cell = t.Cells[i][j]
			case i < r:
				cell = t.RowTotals[i]
			case j < c:
				cell = t.ColTotals[j]
			default:
				cell = t.Total
			}
			es[i][j] = entry{i, j, cell}
		}
	}
	for i := 0; i <= r; i++ {
		lines = append(lines, es[i])
	}
	for j := 0; j <= c; j++ {
		var l []entry
		for i := 0; i <= r; i++ {
			l = append(l, es[i][j])
		}
		lines = append(lines, l)
	}
	return es, lines
}

// disclosure is a hidden entry an attacker worked out.
type disclosure struct {
	i, j, value int
	how         string
}

// totalMinusPublished is the attack the rule is written against: for every
// row and column (totals included), take the published total and subtract
// the published cells; if exactly one entry of the line is hidden, that is
// its value. It uses published figures only; the true value is consulted
// only to check that the attack is arithmetic, not luck.
func totalMinusPublished(t *testing.T, tab Table) []disclosure {
	t.Helper()
	_, lines := entriesOf(tab)
	var found []disclosure
	for _, l := range lines {
		var hidden []entry
		for _, e := range l {
			if e.c.Suppressed {
				hidden = append(hidden, e)
			}
		}
		if len(hidden) != 1 {
			continue
		}
		h, total := hidden[0], l[len(l)-1]
		got := 0
		if h == total {
			for _, e := range l[:len(l)-1] {
				got += e.c.Value // all published
			}
		} else {
			got = total.c.Value
			for _, e := range l[:len(l)-1] {
				if !e.c.Suppressed {
					got -= e.c.Value
				}
			}
		}
		if got != h.c.Value {
			t.Fatalf("attack arithmetic wrong at (%d,%d): %d, true %d", h.i, h.j, got, h.c.Value)
		}
		found = append(found, disclosure{h.i, h.j, got, "line total minus published"})
	}
	return found
}

// system is the linear system a reader can write down: one unknown per
// hidden entry, one equation per line (cells minus total is zero).
type system struct {
	unknowns []entry
	rows     [][]*big.Rat // coefficients, then the right-hand side
}

func systemOf(tab Table) system {
	es, lines := entriesOf(tab)
	idx := map[[2]int]int{}
	var s system
	for _, row := range es {
		for _, e := range row {
			if e.c.Suppressed {
				idx[[2]int{e.i, e.j}] = len(s.unknowns)
				s.unknowns = append(s.unknowns, e)
			}
		}
	}
	for _, l := range lines {
		eq := make([]*big.Rat, len(s.unknowns)+1)
		for k := range eq {
			eq[k] = new(big.Rat)
		}
		rhs := int64(0)
		for k, e := range l {
			coef := int64(1)
			if k == len(l)-1 {
				coef = -1
			}
			if e.c.Suppressed {
				eq[idx[[2]int{e.i, e.j}]].SetInt64(coef)
			} else {
				rhs -= coef * int64(e.c.Value)
			}
		}
		eq[len(s.unknowns)].SetInt64(rhs)
		s.rows = append(s.rows, eq)
	}
	return s
}

// rref brings the system to reduced row echelon form and returns the pivot
// column of each remaining row.
func (s *system) rref() []int {
	n := len(s.unknowns)
	var pivots []int
	r := 0
	for col := 0; col < n && r < len(s.rows); col++ {
		p := -1
		for k := r; k < len(s.rows); k++ {
			if s.rows[k][col].Sign() != 0 {
				p = k
				break
			}
		}
		if p < 0 {
			continue
		}
		s.rows[r], s.rows[p] = s.rows[p], s.rows[r]
		inv := new(big.Rat).Inv(s.rows[r][col])
		for k := range s.rows[r] {
			s.rows[r][k].Mul(s.rows[r][k], inv)
		}
		for k := range s.rows {
			if k == r || s.rows[k][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(s.rows[k][col])
			for m := range s.rows[k] {
				s.rows[k][m].Sub(s.rows[k][m], new(big.Rat).Mul(f, s.rows[r][m]))
			}
		}
		pivots = append(pivots, col)
		r++
	}
	s.rows = s.rows[:r]
	return pivots
}

// linearAttack combines all published totals at once (adding and
// subtracting rows and columns): a hidden entry is revealed when the
// reduced system has an equation in that entry alone.
func linearAttack(tab Table) []disclosure {
	s := systemOf(tab)
	pivots := s.rref()
	var found []disclosure
	for k, col := range pivots {
		alone := true
		for m := range s.unknowns {
			if m != col && s.rows[k][m].Sign() != 0 {
				alone = false
				break
			}
		}
		if alone {
			u := s.unknowns[col]
			v := s.rows[k][len(s.unknowns)]
			found = append(found, disclosure{u.i, u.j, int(v.Num().Int64()), "linear combination of totals"})
		}
	}
	return found
}

// markRange is what the marks tell a reader who knows the method about
// hidden entry e (docs/disclosure.md): "<5" is 1 to 4; "x" in a masked
// group (a line whose total reads "<5", or whose total is such an "x") is 0
// to 4; any other "x" is a complement, at least 5 (capped far above any
// count in these tests). It reads only what is published.
func markRange(tab Table, e entry) (lo, hi int64) {
	if e.c.String() == SmallMark {
		return 1, MinCount - 1
	}
	if maskedGroups(tab)[[2]int{e.i, e.j}] {
		return 0, MinCount - 1
	}
	return MinCount, 1 << 40
}

// maskedGroups returns the "x" entries a reader can tell to be part of a
// masked small group: those in a line whose total reads "<5" or is such an
// entry itself.
func maskedGroups(tab Table) map[[2]int]bool {
	es, lines := entriesOf(tab)
	in := map[[2]int]bool{}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			tot := l[len(l)-1]
			if tot.c.String() != SmallMark && !in[[2]int{tot.i, tot.j}] {
				continue
			}
			for _, e := range l[:len(l)-1] {
				if k := [2]int{e.i, e.j}; es[e.i][e.j].c.String() == HiddenMark && !in[k] {
					in[k], changed = true, true
				}
			}
		}
	}
	return in
}

// intervalAttack narrows each hidden entry's range line by line, using the
// marks, until nothing changes; an entry whose range shrinks to one value
// is revealed. This is how the "two hidden cells that must add up to 2"
// attack works.
func intervalAttack(t *testing.T, tab Table) []disclosure {
	t.Helper()
	es, lines := entriesOf(tab)
	lo := map[[2]int]int64{}
	hi := map[[2]int]int64{}
	for _, row := range es {
		for _, e := range row {
			if e.c.Suppressed {
				lo[[2]int{e.i, e.j}], hi[[2]int{e.i, e.j}] = markRange(tab, e)
			}
		}
	}
	for changed, round := true, 0; changed && round < 1000; round++ {
		changed = false
		for _, l := range lines {
			// sum of coef*x over the line is zero; published x are known.
			var known int64
			for k, e := range l {
				if !e.c.Suppressed {
					known += coefAt(k, len(l)) * int64(e.c.Value)
				}
			}
			for k, e := range l {
				if !e.c.Suppressed {
					continue
				}
				// coef_k*x_k = -known - sum of the other hidden coef*x.
				minRest, maxRest := -known, -known
				for m, o := range l {
					if m == k || !o.c.Suppressed {
						continue
					}
					key := [2]int{o.i, o.j}
					a, b := coefAt(m, len(l))*lo[key], coefAt(m, len(l))*hi[key]
					minRest -= max(a, b)
					maxRest -= min(a, b)
				}
				if coefAt(k, len(l)) < 0 {
					minRest, maxRest = -maxRest, -minRest
				}
				key := [2]int{e.i, e.j}
				if minRest > lo[key] {
					lo[key], changed = minRest, true
				}
				if maxRest < hi[key] {
					hi[key], changed = maxRest, true
				}
			}
		}
	}
	var found []disclosure
	for _, row := range es {
		for _, e := range row {
			if !e.c.Suppressed {
				continue
			}
			key := [2]int{e.i, e.j}
			v := int64(e.c.Value)
			if v < lo[key] || v > hi[key] {
				t.Fatalf("interval attack excluded the true value %d at (%d,%d): [%d,%d]", v, e.i, e.j, lo[key], hi[key])
			}
			if lo[key] == hi[key] {
				found = append(found, disclosure{e.i, e.j, int(v), "ranges from the marks"})
			}
		}
	}
	return found
}

func coefAt(k, n int) int64 {
	if k == n-1 {
		return -1
	}
	return 1
}

// bruteForce is the exact attack for small tables: it lists every table of
// whole numbers that agrees with all published figures and marks and
// reports hidden entries that have one possible value. No entry exceeds the
// grand total, which the reader knows when it is published and knows to be
// at most 4 when it is "<5"; a grand total hidden as "x" leaves the search
// unbounded. It returns ok=false when the search would be too large.
func bruteForce(tab Table, limit int) (found []disclosure, ok bool) {
	s := systemOf(tab)
	pivots := s.rref()
	n := len(s.unknowns)
	isPivot := make([]bool, n)
	for _, p := range pivots {
		isPivot[p] = true
	}
	los, his := make([]int64, n), make([]int64, n)
	for k, u := range s.unknowns {
		los[k], his[k] = markRange(tab, u)
	}
	var free []int
	size := 1
	capTotal := int64(tab.Total.Value)
	switch tab.Total.String() {
	case SmallMark:
		capTotal = MinCount - 1
	case HiddenMark:
		return nil, false
	}
	for k := range n {
		if isPivot[k] {
			continue
		}
		free = append(free, k)
		lo, hi := los[k], min(his[k], capTotal)
		if hi < lo {
			return nil, false
		}
		size *= int(hi - lo + 1)
		if size > limit {
			return nil, false
		}
	}
	// The line equations are totally unimodular, so the reduced system has
	// integer coefficients; take them as int64 for speed.
	coef := make([][]int64, len(pivots))
	for k := range pivots {
		coef[k] = make([]int64, n+1)
		for m := range n + 1 {
			v := s.rows[k][m]
			if !v.IsInt() {
				panic("non-integer reduced system")
			}
			coef[k][m] = v.Num().Int64()
		}
	}
	seen := make([]map[int64]bool, n)
	for k := range seen {
		seen[k] = map[int64]bool{}
	}
	x := make([]int64, n)
	var walk func(f int)
	walk = func(f int) {
		if f < len(free) {
			k := free[f]
			for v := los[k]; v <= min(his[k], capTotal); v++ {
				x[k] = v
				walk(f + 1)
			}
			return
		}
		for r, p := range pivots {
			v := coef[r][n]
			for _, k := range free {
				v -= coef[r][k] * x[k]
			}
			if v < los[p] || v > min(his[p], capTotal) {
				return
			}
			x[p] = v
		}
		for k := range n {
			seen[k][x[k]] = true
		}
	}
	walk(0)
	for k, u := range s.unknowns {
		if !seen[k][int64(u.c.Value)] {
			panic(fmt.Sprintf("brute force missed the true table at (%d,%d)", u.i, u.j))
		}
		if len(seen[k]) == 1 {
			found = append(found, disclosure{u.i, u.j, u.c.Value, "exhaustive search"})
		}
	}
	return found, true
}

// people drops disclosures of zeros: a zero is hidden only because its
// group is below 5, and working it out (from an empty row, say) reveals
// nobody. What it tells about the other entries is still in the attacks.
func people(ds []disclosure) []disclosure {
	return slices.DeleteFunc(ds, func(d disclosure) bool { return d.value == 0 })
}

// assertProtected runs every attacker that needs no search.
func assertProtected(t *testing.T, tab Table) {
	t.Helper()
	var found []disclosure
	found = append(found, totalMinusPublished(t, tab)...)
	found = append(found, linearAttack(tab)...)
	found = append(found, intervalAttack(t, tab)...)
	for _, d := range people(found) {
		t.Errorf("(%d,%d)=%d revealed by %s\n%s", d.i, d.j, d.value, d.how, show(tab))
	}
}

// assertInvariants checks what must hold for every published table.
func assertInvariants(t *testing.T, tab Table) {
	t.Helper()
	es, _ := entriesOf(tab)
	r, c := len(tab.Cells), len(tab.Cols)
	for i := 0; i <= r; i++ {
		for j := 0; j <= c; j++ {
			e := es[i][j].c
			if small(e.Value) && !e.Suppressed {
				t.Errorf("(%d,%d)=%d published\n%s", i, j, e.Value, show(tab))
			}
			// Zeros are shown, except in a masked small group; "<5" is
			// never a 0; a grand total of 5 or more is never hidden.
			if e.Value == 0 && e.Suppressed && !maskedGroups(tab)[[2]int{i, j}] {
				t.Errorf("(%d,%d) zero hidden outside a masked group\n%s", i, j, show(tab))
			}
			if e.String() == SmallMark && !small(e.Value) {
				t.Errorf("(%d,%d)=%d shown as %s\n%s", i, j, e.Value, SmallMark, show(tab))
			}
		}
	}
	if tab.Total.Value >= MinCount && tab.Total.Suppressed {
		t.Errorf("grand total %d hidden\n%s", tab.Total.Value, show(tab))
	}
	total := 0
	for i := range r {
		sum := 0
		for j := range c {
			sum += tab.Cells[i][j].Value
		}
		if tab.RowTotals[i].Value != sum {
			t.Errorf("row %d total %d, true %d", i, tab.RowTotals[i].Value, sum)
		}
		total += sum
	}
	for j := range c {
		sum := 0
		for i := range r {
			sum += tab.Cells[i][j].Value
		}
		if tab.ColTotals[j].Value != sum {
			t.Errorf("column %d total %d, true %d", j, tab.ColTotals[j].Value, sum)
		}
	}
	if tab.Total.Value != total {
		t.Errorf("grand total %d, true %d", tab.Total.Value, total)
	}
}

func show(tab Table) string {
	var b strings.Builder
	for i, row := range augmented(tab) {
		es, _ := entriesOf(tab)
		for j, s := range row {
			fmt.Fprintf(&b, "%4s(%d)", s, es[i][j].c.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func deepCopy(tab Table) Table {
	c := tab
	c.Cells = make([][]Cell, len(tab.Cells))
	for i := range tab.Cells {
		c.Cells[i] = slices.Clone(tab.Cells[i])
	}
	c.RowTotals = slices.Clone(tab.RowTotals)
	c.ColTotals = slices.Clone(tab.ColTotals)
	return c
}

func labels(prefix string, n int) []string {
	l := make([]string, n)
	for k := range l {
		l[k] = fmt.Sprintf("%s%d", prefix, k)
	}
	return l
}

func TestCellRendering(t *testing.T) {
	tests := []struct {
		cell      Cell
		str, json string
	}{
		{Cell{Value: 0}, "0", `0`},
		{Cell{Value: 7}, "7", `7`},
		{Cell{Value: 3, Suppressed: true}, "<5", `"<5"`},
		{Cell{Value: 1, Suppressed: true}, "<5", `"<5"`},
		{Cell{Value: 4, Suppressed: true}, "<5", `"<5"`},
		// A complementary cell is 5 or more: "<5" would be false.
		{Cell{Value: 17, Suppressed: true}, "x", `"x"`},
		{Cell{Value: 5, Suppressed: true}, "x", `"x"`},
	}
	for _, tc := range tests {
		if got := tc.cell.String(); got != tc.str {
			t.Errorf("%+v.String() = %q, want %q", tc.cell, got, tc.str)
		}
		if got := fmt.Sprint(tc.cell); got != tc.str {
			t.Errorf("fmt.Sprint(%#v) = %q, want %q", tc.cell, got, tc.str)
		}
		b, err := tc.cell.MarshalJSON()
		if err != nil || string(b) != tc.json {
			t.Errorf("%#v.MarshalJSON() = %s, %v; want %s", tc.cell, b, err, tc.json)
		}
		// Through encoding/json, which escapes '<'; decoding gives the
		// mark back.
		b, err = json.Marshal(tc.cell)
		var back any
		if err == nil {
			err = json.Unmarshal(b, &back)
		}
		var want any
		_ = json.Unmarshal([]byte(tc.json), &want)
		if err != nil || back != want {
			t.Errorf("json round trip of %#v = %v, %v; want %v", tc.cell, back, err, want)
		}
	}
}

func TestTableJSONHidesValues(t *testing.T) {
	tab := NewTable([]string{"A", "B"}, []string{"p", "q"}, [][]int{{3, 10}, {20, 30}})
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tab); err != nil {
		t.Fatal(err)
	}
	// 3 + 10 = 13 and 3 + 20 = 23 leave the 3 anywhere from 1 to 4.
	want := `{"rows":["A","B"],"cols":["p","q"],"cells":[["<5","x"],["x","x"]],` +
		`"row_totals":[13,50],"col_totals":[23,40],"total":63}` + "\n"
	if b.String() != want {
		t.Errorf("JSON\n got %s\nwant %s", b.String(), want)
	}
	assertProtected(t, tab)
}

func TestNewTable(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
		want   [][]string // augmented: row totals last, column totals last
	}{
		{
			name:   "nothing small, nothing hidden",
			counts: [][]int{{12, 5}, {8, 30}},
			want: [][]string{
				{"12", "5", "17"},
				{"8", "30", "38"},
				{"20", "35", "55"},
			},
		},
		{
			name:   "zeros are shown and need no protection",
			counts: [][]int{{0, 12}, {8, 0}},
			want: [][]string{
				{"0", "12", "12"},
				{"8", "0", "8"},
				{"8", "12", "20"},
			},
		},
		{
			// The cheapest cycle through the 3 hides 10, 20 and 30 (60
			// people); hiding the smallest neighbour first, as the method
			// before issue 15 did, hid 7, 20 and 40 (67).
			name:   "small cell in a row: the cheapest rectangle",
			counts: [][]int{{3, 10, 7}, {20, 30, 40}},
			want: [][]string{
				{"<5", "x", "7", "20"},
				{"x", "x", "40", "90"},
				{"23", "40", "47", "110"},
			},
		},
		{
			// The rectangle with 10 and 30 costs 60 people, the one with 7
			// and 40 costs 67.
			name:   "small cell in a column",
			counts: [][]int{{3, 20}, {10, 30}, {7, 40}},
			want: [][]string{
				{"<5", "x", "23"},
				{"x", "x", "40"},
				{"7", "40", "47"},
				{"20", "90", "110"},
			},
		},
		{
			// The zero in row 0 is published and never chosen as the
			// complement, though it is the smallest entry.
			name:   "zero beside a small cell",
			counts: [][]int{{3, 0, 9}, {6, 5, 8}},
			want: [][]string{
				{"<5", "0", "x", "12"},
				{"x", "5", "x", "19"},
				{"9", "5", "17", "31"},
			},
		},
		{
			// Row 1 is a group of four in four categories: with its zero
			// shown, four "<5" under a total of "<5" would each be 1, so
			// its breakdown is masked ("x", 0 to 4). Columns 1 to 4 then
			// need a second hidden cell, which with two rows is in row 0;
			// its total goes too, or it would give row 1's as 39 - 35.
			// Column 0's masked 0 can be worked out as 6 - 6: that reveals
			// nobody, and the four other "x" can still be 0 to 4.
			name:   "group below five",
			counts: [][]int{{6, 9, 7, 5, 8}, {0, 1, 1, 1, 1}},
			want: [][]string{
				{"6", "x", "x", "x", "x", "x"},
				{"x", "x", "x", "x", "x", "<5"},
				{"6", "10", "8", "6", "9", "39"},
			},
		},
		{
			// Two small cells in one row satisfy "two per line", but each
			// column then has one, and the complements land in row 1.
			name:   "two small cells in a row",
			counts: [][]int{{2, 3, 50}, {9, 6, 40}},
			want: [][]string{
				{"<5", "<5", "50", "55"},
				{"x", "x", "40", "55"},
				{"11", "9", "90", "110"},
			},
		},
		{
			// The cheapest cycle through the 4 is the rectangle with 30,
			// 50 and 9 (89 people). Hiding the smallest neighbour first
			// (6), as the method before issue 15 did, led round a longer
			// cycle of six entries (195).
			name: "the cheapest cycle, not the smallest neighbour",
			counts: [][]int{
				{4, 6, 30},
				{50, 0, 9},
				{0, 60, 70},
			},
			want: [][]string{
				{"<5", "6", "x", "40"},
				{"x", "0", "x", "59"},
				{"0", "60", "70", "130"},
				{"54", "66", "109", "229"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewTable(labels("r", len(tc.counts)), labels("c", len(tc.counts[0])), tc.counts)
			if got := augmented(tab); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%swant %v", show(tab), tc.want)
			}
			assertInvariants(t, tab)
			assertProtected(t, tab)
		})
	}
}

// TestComplementStopsRowRecomputation shows the reason for the rule: with
// only the primary suppression the hidden 3 is its row total minus the
// published cells.
func TestComplementStopsRowRecomputation(t *testing.T) {
	counts := [][]int{
		{12, 3, 15},
		{8, 10, 9},
		{11, 7, 6},
	}
	primaryOnly := Table{
		Rows: labels("r", 3), Cols: labels("c", 3),
		Cells: [][]Cell{
			{{Value: 12}, {Value: 3, Suppressed: true}, {Value: 15}},
			{{Value: 8}, {Value: 10}, {Value: 9}},
			{{Value: 11}, {Value: 7}, {Value: 6}},
		},
		RowTotals: []Cell{{Value: 30}, {Value: 27}, {Value: 24}},
		ColTotals: []Cell{{Value: 31}, {Value: 20}, {Value: 30}},
		Total:     Cell{Value: 81},
	}
	found := totalMinusPublished(t, primaryOnly)
	if len(found) == 0 || found[0] != (disclosure{0, 1, 3, "line total minus published"}) {
		t.Fatalf("without complements, want 30-12-15 = 3 revealed; got %v", found)
	}

	// Row 0 hides 12, its smallest other cell; column 0 then hides 8
	// and column 1 hides 10, not the smaller 7, because row 1 already
	// has a hidden cell: four hidden cells in a rectangle.
	tab := NewTable(labels("r", 3), labels("c", 3), counts)
	want := [][]string{
		{"12", "<5", "x", "30"},
		{"8", "10", "9", "27"},
		{"11", "x", "x", "24"},
		{"31", "20", "30", "81"},
	}
	if got := augmented(tab); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%swant %v", show(tab), want)
	}
	assertProtected(t, tab)
}

// TestBeyondTwoPerLine covers tables where every line has two hidden
// entries and yet a reader could work one out; the audit must hide more.
func TestBeyondTwoPerLine(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
	}{
		// 22 - 0 - 20 = 2 for two hidden cells; zeros are shown, so both
		// are 1.
		{"two hidden ones", [][]int{{1, 1, 0, 20}, {6, 7, 5, 9}}},
		// Two "<5" cells that must add up to 8 are both 4.
		{"two hidden fours", [][]int{{4, 4, 20}, {9, 6, 7}}},
		// A "<5" and an "x" adding up to 6 can only be 1 and 5.
		{"one and five", [][]int{{1, 5, 20}, {30, 40, 50}}},
		// With two per line only, the hidden entries form two cycles
		// joined by the 2 in row 0, and adding and subtracting totals
		// isolates it (see TestTwoPerLineIsNotEnough).
		{"cell joining two cycles", [][]int{{0, 4, 1}, {12, 2, 0}, {0, 0, 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counts := tc.counts
			tab := NewTable(labels("r", len(counts)), labels("c", len(counts[0])), counts)
			assertInvariants(t, tab)
			assertProtected(t, tab)
			if found, ok := bruteForce(tab, 2_000_000); ok && len(people(found)) > 0 {
				t.Errorf("exhaustive search reveals %v\n%s", found, show(tab))
			}
		})
	}
}

// TestTwoPerLineIsNotEnough pins down that the attackers in this file see
// what the per-line rule alone would miss, so that their silence above
// means something.
func TestTwoPerLineIsNotEnough(t *testing.T) {
	// [1 1 20 | 22]: both lines through each 1 hold two hidden entries,
	// but 22 - 20 = 2 leaves 1 + 1.
	ones := Table{
		Rows: []string{"a"}, Cols: labels("c", 3),
		Cells: [][]Cell{{{Value: 1, Suppressed: true}, {Value: 1, Suppressed: true}, {Value: 20}}},
	}
	newGrid(&ones) // totals only, no suppression
	ones.ColTotals[0].Suppressed, ones.ColTotals[1].Suppressed = true, true
	if len(totalMinusPublished(t, ones)) != 0 {
		t.Fatalf("every line has two hidden entries, yet:\n%s", show(ones))
	}
	if found := intervalAttack(t, ones); len(found) == 0 {
		t.Errorf("two hidden cells adding up to 2 not revealed by the marks\n%s", show(ones))
	}

	// What the per-line rule alone leaves of the "cell joining two cycles"
	// table in TestBeyondTwoPerLine. Every non-zero cell but the 4 lies in
	// row 1 or column 2, which share only a 0, so the 4 is the grand total
	// minus those two totals: 26 - 14 - 8.
	joined := Table{Rows: labels("r", 3), Cols: labels("c", 3)}
	for _, row := range [][]int{{0, 4, 1}, {12, 2, 0}, {0, 0, 7}} {
		var cells []Cell
		for _, v := range row {
			cells = append(cells, Cell{Value: v, Suppressed: v > 0})
		}
		joined.Cells = append(joined.Cells, cells)
	}
	newGrid(&joined) // totals only, no suppression
	for _, c := range []*Cell{&joined.RowTotals[0], &joined.RowTotals[2], &joined.ColTotals[0], &joined.ColTotals[1]} {
		c.Suppressed = true
	}
	if len(totalMinusPublished(t, joined)) != 0 {
		t.Fatalf("every line has two hidden entries, yet:\n%s", show(joined))
	}
	found := linearAttack(joined)
	if !slices.Contains(found, disclosure{0, 1, 4, "linear combination of totals"}) {
		t.Errorf("joining cell not revealed by combining totals: %v\n%s", found, show(joined))
	}
}

func TestTotals(t *testing.T) {
	t.Run("a small total is shown as <5 and protected among the totals", func(t *testing.T) {
		tab := NewTable(labels("r", 3), labels("c", 2), [][]int{{1, 2}, {20, 30}, {9, 40}})
		if got := tab.RowTotals[0].String(); got != SmallMark {
			t.Errorf("row total 3 shown as %q", got)
		}
		assertInvariants(t, tab)
		assertProtected(t, tab)
		hidden := 0
		for _, c := range tab.RowTotals {
			if c.Suppressed {
				hidden++
			}
		}
		if hidden < 2 {
			t.Errorf("grand total minus published row totals reveals the small one\n%s", show(tab))
		}
	})
	t.Run("Suppress recomputes totals a caller got wrong", func(t *testing.T) {
		tab := Table{
			Rows: []string{"a", "b"}, Cols: []string{"p"},
			Cells:     [][]Cell{{{Value: 10}}, {{Value: 20}}},
			RowTotals: []Cell{{Value: 99}},
			Total:     Cell{Value: -1},
		}
		Suppress(&tab)
		assertInvariants(t, tab)
		if tab.Total.String() != "30" || tab.ColTotals[0].String() != "30" {
			t.Errorf("totals not recomputed:\n%s", show(tab))
		}
	})
	t.Run("empty table", func(t *testing.T) {
		tab := NewTable(nil, nil, nil)
		if tab.Total.String() != "0" {
			t.Errorf("empty table total %v", tab.Total)
		}
	})
}

func TestSuppressList(t *testing.T) {
	tests := []struct {
		name      string
		counts    []int
		want      []string
		wantTotal string
	}{
		{"nothing small", []int{10, 0, 25}, []string{"10", "0", "25"}, "35"},
		{"one small, complement the smallest other", []int{3, 10, 20}, []string{"<5", "x", "20"}, "33"},
		{"ties go to the first", []int{3, 10, 10}, []string{"<5", "x", "10"}, "23"},
		{"two small protect each other", []int{2, 3, 20}, []string{"<5", "<5", "20"}, "25"},
		// <5 + x = 6 would give 1 and 5: the 20 protects the 1.
		{"one and five", []int{1, 5, 20}, []string{"<5", "5", "x"}, "26"},
		// <5 + <5 = 2 would give 1 and 1.
		{"two ones", []int{1, 1, 20, 30}, []string{"<5", "<5", "x", "30"}, "52"},
		// The total is itself small. A zero is still 0: the group is in
		// two categories, and nobody's can be told.
		{"small total", []int{1, 2, 0}, []string{"<5", "<5", "0"}, "<5"},
		// A small group all in one category: its zeros would tell that
		// category of every member, so its breakdown is masked.
		{"single small count", []int{0, 3, 0}, []string{"x", "x", "x"}, "<5"},
		// Four "<5" under a total of "<5" would each be 1, so the
		// breakdown is masked: "x" may be 0.
		{"four ones", []int{1, 0, 1, 1, 1}, []string{"x", "x", "x", "x", "x"}, "<5"},
		{"four ones, no zero", []int{1, 1, 1, 1}, []string{"x", "x", "x", "x"}, "<5"},
		{"all zero", []int{0, 0}, []string{"0", "0"}, "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cells, total := SuppressList(labels("l", len(tc.counts)), tc.counts)
			var got []string
			sum := 0
			for k, c := range cells {
				got = append(got, c.String())
				if c.Value != tc.counts[k] {
					t.Errorf("cell %d value %d, want %d", k, c.Value, tc.counts[k])
				}
				sum += tc.counts[k]
			}
			if !slices.Equal(got, tc.want) || total.String() != tc.wantTotal {
				t.Errorf("got %v total %s, want %v total %s", got, total, tc.want, tc.wantTotal)
			}
			if total.Value != sum {
				t.Errorf("total %d, true %d", total.Value, sum)
			}
		})
	}
}

func TestPanicsOnBadInput(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"ragged counts", func() { NewTable([]string{"a", "b"}, []string{"p"}, [][]int{{1}, {1, 2}}) }},
		{"too few rows", func() { NewTable([]string{"a", "b"}, []string{"p"}, [][]int{{1}}) }},
		{"negative count", func() { NewTable([]string{"a"}, []string{"p"}, [][]int{{-1}}) }},
		{"list lengths", func() { SuppressList([]string{"a"}, []int{1, 2}) }},
		{"ragged table", func() {
			Suppress(&Table{Rows: []string{"a"}, Cols: []string{"p", "q"}, Cells: [][]Cell{{{Value: 1}}}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}

// randomCounts draws a table that is rich in small counts and zeros, the
// cases where the protection has work to do.
func randomCounts(rng *rand.Rand, rows, cols, big int) [][]int {
	counts := make([][]int, rows)
	for i := range counts {
		counts[i] = make([]int, cols)
		for j := range counts[i] {
			switch x := rng.Float64(); {
			case x < 0.25:
				counts[i][j] = 0
			case x < 0.6:
				counts[i][j] = 1 + rng.IntN(MinCount-1)
			default:
				counts[i][j] = MinCount + rng.IntN(big)
			}
		}
	}
	return counts
}

// TestRandomTablesResistAttack is the property test: over many random
// tables, no attacker recovers a hidden entry, the invariants hold, and
// Suppress is idempotent. Small tables are also searched exhaustively.
func TestRandomTablesResistAttack(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 5))
	searched, gaveUp := 0, 0
	for n := range 3000 {
		rows, cols, big := 1+rng.IntN(5), 1+rng.IntN(5), 30
		if n%3 == 0 { // small enough to search exhaustively
			rows, cols, big = 1+rng.IntN(2), 1+rng.IntN(3), 4
		}
		counts := randomCounts(rng, rows, cols, big)
		tab := Table{Rows: labels("r", rows), Cols: labels("c", cols), Cells: cells(counts)}
		if !Suppress(&tab) {
			// Suppress gives up only where nothing but the grand total
			// could protect; the report then combines rows.
			gaveUp++
			if !onlyGrandTotalHelps(tab) {
				t.Errorf("gave up, but other entries could protect\n%s", show(tab))
			}
			// The report's last resort (combine.go) always protects.
			publishOnlyTotal(&tab)
			if !Suppress(&tab) {
				t.Errorf("not protected with only its total published\n%s", show(tab))
			}
			p := published(tab)
			p.onlyTotal = true
			if found := auditFindings(map[string]pubTable{"t": p}, false); len(found) > 0 {
				t.Errorf("only the total published, yet: %v\n%s", found, show(tab))
			}
			continue
		}
		assertInvariants(t, tab)
		assertProtected(t, tab)
		for i := range counts {
			for j := range counts[i] {
				if tab.Cells[i][j].Value != counts[i][j] {
					t.Fatalf("cell (%d,%d) altered", i, j)
				}
			}
		}
		again := deepCopy(tab)
		Suppress(&again)
		if !reflect.DeepEqual(again, tab) {
			t.Fatalf("not idempotent:\n%s\n%s", show(tab), show(again))
		}
		// The acceptance test's exact solver also checks that no masked
		// group can be seen to be in one category.
		if found := auditFindings(map[string]pubTable{"t": published(tab)}, false); len(found) > 0 {
			t.Errorf("auditor: %v\n%s", found, show(tab))
		}
		if n%3 == 0 {
			found, ok := bruteForce(tab, 200_000)
			if ok {
				searched++
				if len(people(found)) > 0 {
					t.Errorf("exhaustive search reveals %v\n%s", found, show(tab))
				}
			}
		}
		if t.Failed() {
			t.Fatalf("counts %v", counts)
		}
	}
	if searched < 500 {
		t.Errorf("only %d tables searched exhaustively", searched)
	}
	t.Logf("%d random tables, %d searched exhaustively, %d need the grand total", 3000, searched, gaveUp)
}

// published is tab as the acceptance test's auditor reads it.
func published(tab Table) pubTable {
	p := pubTable{key: "t", rows: tab.Rows, cols: tab.Cols, r: len(tab.Rows), c: len(tab.Cols)}
	for i := 0; i <= p.r; i++ {
		var row []string
		var tr []int
		for j := 0; j <= p.c; j++ {
			c := (ref{&tab, i, j}).cell()
			row, tr = append(row, c.String()), append(tr, c.Value)
		}
		p.e, p.truth = append(p.e, row), append(p.truth, tr)
	}
	return p
}

// onlyGrandTotalHelps reports whether some need of tab (a count, or the
// doubt of a masked group) stays unmet even with every non-zero entry but
// the grand total hidden: then only combining rows can protect it.
func onlyGrandTotalHelps(tab Table) bool {
	all := deepCopy(tab)
	g := newGrid(&all)
	g.primary()
	g.maskGroups()
	for _, p := range g.all() {
		if c := g.at(p); c.Value > 0 && p != (pos{g.r, g.c}) && !c.Suppressed {
			c.hide(markComplement)
		}
	}
	for {
		n, unmet := g.unmet(map[need]bool{})
		if !unmet || n.line >= 0 || !g.maskStuck(n.p) {
			return unmet
		}
	}
}
