package reporting

// Statistical disclosure control for the annual report (DESIGN.md §4.9 and
// §5). Every figure the report publishes about people passes through this
// file, so the rule lives in one place and the HTML, CSV, JSON and PDF
// outputs cannot disagree about what is hidden.
//
// The rule and how this file reads it:
//
//   - Primary suppression. A count of 1 to 4 is shown as "<5". A count of 0
//     is shown as 0: an empty category says nothing about any person, and
//     Dutch official statistics (CBS) print zeros too. Zeros are never
//     chosen as complementary cells: the smallest non-zero count is. Showing
//     zeros has a consequence the protection must face: a reader knows that
//     a hidden cell among shown zeros is at least 1. The audit below models
//     that, and it is why two hidden cells may not be left to share a 2.
//
//   - Groups below 5. When the total of a row or column is itself "<5",
//     none of its breakdown is shown: its zeros are shown as "<5" too (true:
//     0 is fewer than 5), just as shares and medians are not shown for a
//     group below 5. Without this, a ministry with four complaints on four
//     grounds would print four "<5" among zeros under a total of "<5", and
//     every reader could tell that each is exactly 1; no amount of further
//     hiding would help. A reader can see which lines this applies to, so
//     the audit takes a "<5" in such a line to be 0 to 4, elsewhere 1 to 4.
//
//   - Totals. The totals are never altered: a total's Value is always the
//     true sum of its cells, never rounded or perturbed. A total is a count
//     like any other, so a total of 1 to 4 is shown as "<5". Hiding a small
//     total only helps if it cannot be worked out from the other totals and
//     the grand total, so the totals are treated as one more row and one
//     more column of the table (the augmented table) and protected the same
//     way. Whenever something more must be hidden, cells are chosen before
//     totals and the grand total comes last, so a total of 5 or more is
//     hidden ("x") only where no cell can do the job: mostly beside a small
//     total, which would otherwise be the grand total minus the others, or
//     in a row whose other cells are all zero or hidden already.
//
//   - Complementary suppression. Every row and column of the augmented
//     table that holds a hidden entry must hold at least two, or the hidden
//     one is its total minus the published entries. A line with one hidden
//     entry gets a second one: the smallest non-zero published cell of that
//     line, ties broken by the first, so as little as possible is hidden.
//     One refinement serves the same aim: a cell whose crossing line already
//     holds a hidden entry is preferred to a smaller one whose crossing line
//     holds none, because it closes the protection where the smaller one
//     would start a new chain (in the 3x3 test this hides four cells instead
//     of six). This repeats until stable. A hidden zero alone in a line is
//     left alone: working it out reveals nobody.
//
//   - Audit. "At least two per line" is what the rule asks, but it is not
//     enough on its own: two hidden cells in a row whose published total
//     leaves 2 for them are both 1 (zeros are shown, so neither is 0); two
//     "<5" cells that must add up to 8 are both 4; a "<5" and an "x" that
//     add up to 6 are 1 and 5; and hidden cells that form two cycles joined
//     by one cell let a reader solve that cell by adding and subtracting
//     several totals. After the per-line rule, each hidden non-zero entry is
//     therefore checked exactly (pinned, below): could every published
//     figure and every mark stay the same while that entry took another
//     value? If not, one more entry is hidden, chosen from the pinned
//     entry's row and column as above, and the per-line rule runs again.
//
//   - Marks. A hidden count below 5 is shown as "<5". A complementary cell
//     is 5 or more, so printing "<5" for it would publish a false figure in
//     a report to the minister, and a reader who saw two "<5" beside a total
//     of 30 would know it. Complementary cells are therefore shown as "x",
//     the CBS sign for figures withheld for confidentiality. The audit
//     assumes the reader knows every convention in this comment: "<5" means
//     1 to 4 (0 to 4 in a group below 5), "x" means at least 5. This is a
//     choice the report's legend must state; printing "<5" for every hidden
//     figure would be simpler but false.
//
// What this does not cover, by design of one table at a time: figures of
// the same people published in two tables (for example a table per ministry
// and a separate table for all ministries) are not protected against each
// other. Publish such figures as one table, ministries as rows, so that the
// all-ministries figures are its column totals. Tables must be additive:
// every person counted in exactly one cell, so that the totals are the sums
// of the cells; a complaint with several discrimination grounds belongs in a
// one-dimensional list per ground, not in a crossed table.
//
// Render a Cell with String or as JSON, never by reading Value: Value holds
// the true count so the totals and the audit can be exact.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// MinCount is the smallest count published as a number. Counts from 1 to
// MinCount-1 are shown as SmallMark, and percentages, medians and
// percentiles need a group of at least MinCount.
const MinCount = 5

// Marks shown instead of a hidden figure. The report's legend should
// explain both; they are constants so that it can quote them.
const (
	// SmallMark replaces a count from 1 to MinCount-1, and a 0 in a row
	// or column whose own total is below MinCount.
	SmallMark = "<5"
	// HiddenMark replaces a count of MinCount or more that is hidden only
	// so that a small count cannot be worked out from the totals. It is
	// the CBS sign for confidential figures.
	HiddenMark = "x"
)

// Cell is one published count. Value is always the true count, also when
// Suppressed, so that totals stay exact; output must go through String or
// MarshalJSON, which never reveal a suppressed Value.
type Cell struct {
	Value      int
	Suppressed bool
}

// String renders the cell for HTML, CSV and PDF: the number, SmallMark for
// a hidden count below MinCount, or HiddenMark for a hidden larger count
// (see the file comment for why a hidden 17 is not printed as "<5").
func (c Cell) String() string {
	switch {
	case !c.Suppressed:
		return strconv.Itoa(c.Value)
	case c.Value < MinCount:
		return SmallMark
	default:
		return HiddenMark
	}
}

// MarshalJSON writes a published cell as a JSON number and a suppressed one
// as the string String gives ("<5" or "x"), so that a JSON consumer cannot
// mistake a hidden figure for a number and the true value never leaves the
// server.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		// The marks are plain ASCII with nothing to escape. Written by
		// hand so that this method gives "<5" itself; json.Marshal of a
		// struct holding cells still escapes '<' as \u003c, which decodes
		// to the same string.
		return []byte(`"` + c.String() + `"`), nil
	}
	return strconv.AppendInt(nil, int64(c.Value), 10), nil
}

// Table is a two-dimensional table of counts with its published row totals,
// column totals and grand total. Build one with NewTable; a Table assembled
// by hand must go through Suppress before it is shown.
type Table struct {
	Rows      []string `json:"rows"`
	Cols      []string `json:"cols"`
	Cells     [][]Cell `json:"cells"` // [row][col]
	RowTotals []Cell   `json:"row_totals"`
	ColTotals []Cell   `json:"col_totals"`
	Total     Cell     `json:"total"`
}

// NewTable builds a table from counts[row][col], computes the true totals
// and applies Suppress. The labels are copied. It panics when counts does
// not have len(rows) rows of len(cols) counts or holds a negative count:
// both are programming errors in the query that produced the counts, and
// publishing from such a table would be worse than failing.
func NewTable(rows, cols []string, counts [][]int) Table {
	if len(counts) != len(rows) {
		panic(fmt.Sprintf("reporting: %d rows of counts for %d row labels", len(counts), len(rows)))
	}
	cells := make([][]Cell, len(rows))
	for i, row := range counts {
		if len(row) != len(cols) {
			panic(fmt.Sprintf("reporting: row %d has %d counts for %d column labels", i, len(row), len(cols)))
		}
		cells[i] = make([]Cell, len(cols))
		for j, v := range row {
			cells[i][j] = Cell{Value: v}
		}
	}
	t := Table{Rows: slices.Clone(rows), Cols: slices.Clone(cols), Cells: cells}
	Suppress(&t)
	return t
}

// Suppress applies primary suppression, complementary suppression and the
// audit (see the file comment) to t in place. It first recomputes every
// total from the cells, because the protection is only sound when the
// totals are the true sums, and it never clears a Suppressed flag, so a
// caller may hide a cell beforehand and the result protects that cell too.
// Suppress is idempotent. It panics on a ragged table or a negative count,
// like NewTable.
func Suppress(t *Table) {
	g := newGrid(t)
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			if c := g.at(pos{i, j}); small(c.Value) {
				c.Suppressed = true
			}
		}
	}
	g.hideSmallGroups()
	for {
		g.closeLines()
		e, ok := g.firstPinned()
		if !ok {
			return
		}
		if !g.protect(e) {
			// Every non-zero entry is already hidden; nothing more can be
			// done. Not reached in the tests, which search for it.
			return
		}
	}
}

// SuppressList protects a one-dimensional list of counts with its published
// total, for example complaints per discrimination ground. It is the
// one-column case of Suppress: cells[i] belongs to labels[i], and total is
// the true sum, shown as "<5" when below MinCount (and then every count is
// hidden, zeros included: a group below 5 shows no breakdown). It panics
// when the lengths differ or a count is negative.
func SuppressList(labels []string, counts []int) (cells []Cell, total Cell) {
	if len(counts) != len(labels) {
		panic(fmt.Sprintf("reporting: %d counts for %d labels", len(counts), len(labels)))
	}
	column := make([][]int, len(counts))
	for i, v := range counts {
		column[i] = []int{v}
	}
	t := NewTable(labels, []string{""}, column)
	cells = make([]Cell, len(counts))
	for i := range t.Cells {
		cells[i] = t.Cells[i][0]
	}
	// In a one-column table the column total is the grand total and each
	// row total equals its cell; Suppress hides the twins together.
	return cells, t.ColTotals[0]
}

// Share returns part as a percentage of whole. It is shown only when whole
// is at least MinCount and neither part nor whole-part is a count from 1 to
// MinCount-1: with whole published, the percentage gives away part, and
// part gives away whole-part (37 of 40 decided in time tells that 3 were
// late). A share of 0% or 100% is shown, as zeros are. Negative input or a
// part larger than whole is not shown. When part or whole comes from a
// Table, use ShareOf instead, so that a cell hidden as "x" stays hidden.
func Share(part, whole int) (pct float64, shown bool) {
	if whole < MinCount || part < 0 || part > whole {
		return 0, false
	}
	if small(part) || small(whole-part) {
		return 0, false
	}
	return 100 * float64(part) / float64(whole), true
}

// ShareOf is Share for two published cells: a percentage of a suppressed
// cell, or of a suppressed total, would reveal it, so it is never shown.
func ShareOf(part, whole Cell) (pct float64, shown bool) {
	if part.Suppressed || whole.Suppressed {
		return 0, false
	}
	return Share(part.Value, whole.Value)
}

// Median returns the median of values (the mean of the two middle values
// when there is an even number of them), shown only when there are at
// least MinCount values, so that the median of a small group does not
// describe one or two people. A NaN makes it not shown rather than wrong.
// values is not modified.
func Median(values []float64) (float64, bool) {
	s, ok := sortedForPublication(values)
	if !ok {
		return 0, false
	}
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// Percentile returns the p-th percentile of values, p in percent (90 for
// the 90th percentile, not 0.9), by the nearest-rank method: the smallest
// value such that at least p percent of the values are at most that value.
// Nearest rank is chosen over interpolation because it is always a value
// that occurred, so "90% of cases were decided within N days" is literally
// true for throughput days. It is shown only when there are at least
// MinCount values and p is within [0, 100]; values is not modified. Note
// that with fewer than ten values the 90th percentile is the largest value.
func Percentile(values []float64, p float64) (float64, bool) {
	if math.IsNaN(p) || p < 0 || p > 100 {
		return 0, false
	}
	s, ok := sortedForPublication(values)
	if !ok {
		return 0, false
	}
	// p*n is exact for whole percentages and realistic n, so a rank such
	// as 90% of 10 is 9, not 9.000000000000002 rounded up to 10.
	rank := int(math.Ceil(p * float64(len(s)) / 100))
	rank = max(rank, 1)
	return s[rank-1], true
}

// sortedForPublication returns a sorted copy of values, or false when the
// group is too small to publish or holds a NaN.
func sortedForPublication(values []float64) ([]float64, bool) {
	if len(values) < MinCount {
		return nil, false
	}
	s := slices.Clone(values)
	for _, v := range s {
		if math.IsNaN(v) {
			return nil, false
		}
	}
	slices.Sort(s)
	return s, true
}

// small reports whether v is a count that must be shown as SmallMark.
func small(v int) bool { return v > 0 && v < MinCount }

// pos addresses an entry of the augmented table: row r holds the column
// totals, column c the row totals, and (r, c) the grand total.
type pos struct{ i, j int }

// grid is the augmented (r+1)×(c+1) view of a Table. Each of its rows and
// columns is a line whose entries obey one equation: the cells of a line add
// up to its total. In the row of column totals the column totals add up to
// the grand total, and likewise for the column of row totals.
type grid struct {
	t    *Table
	r, c int
}

// newGrid checks the shape of t, sizes its totals and sets their values to
// the true sums, keeping any Suppressed flag already set.
func newGrid(t *Table) *grid {
	r, c := len(t.Rows), len(t.Cols)
	if len(t.Cells) != r {
		panic(fmt.Sprintf("reporting: %d rows of cells for %d row labels", len(t.Cells), r))
	}
	t.RowTotals = resize(t.RowTotals, r)
	t.ColTotals = resize(t.ColTotals, c)
	for j := range t.ColTotals {
		t.ColTotals[j].Value = 0
	}
	t.Total.Value = 0
	for i, row := range t.Cells {
		if len(row) != c {
			panic(fmt.Sprintf("reporting: row %d has %d cells for %d column labels", i, len(row), c))
		}
		sum := 0
		for j, cell := range row {
			if cell.Value < 0 {
				panic(fmt.Sprintf("reporting: negative count %d in row %d, column %d", cell.Value, i, j))
			}
			sum += cell.Value
			t.ColTotals[j].Value += cell.Value
		}
		t.RowTotals[i].Value = sum
		t.Total.Value += sum
	}
	return &grid{t: t, r: r, c: c}
}

// resize returns s with exactly n cells, keeping the first ones.
func resize(s []Cell, n int) []Cell {
	if len(s) >= n {
		return s[:n]
	}
	return append(s, make([]Cell, n-len(s))...)
}

func (g *grid) at(p pos) *Cell {
	switch {
	case p.i < g.r && p.j < g.c:
		return &g.t.Cells[p.i][p.j]
	case p.i < g.r:
		return &g.t.RowTotals[p.i]
	case p.j < g.c:
		return &g.t.ColTotals[p.j]
	default:
		return &g.t.Total
	}
}

// line is a row or a column of the augmented table, in order, total last.
type line struct {
	ps    []pos
	isRow bool
}

func (g *grid) row(i int) line {
	l := line{ps: make([]pos, 0, g.c+1), isRow: true}
	for j := 0; j <= g.c; j++ {
		l.ps = append(l.ps, pos{i, j})
	}
	return l
}

func (g *grid) col(j int) line {
	l := line{ps: make([]pos, 0, g.r+1)}
	for i := 0; i <= g.r; i++ {
		l.ps = append(l.ps, pos{i, j})
	}
	return l
}

// lines returns every row and then every column of the augmented table.
func (g *grid) lines() []line {
	var ls []line
	for i := 0; i <= g.r; i++ {
		ls = append(ls, g.row(i))
	}
	for j := 0; j <= g.c; j++ {
		ls = append(ls, g.col(j))
	}
	return ls
}

// hiddenSum adds up the true values of the hidden entries of l.
func (g *grid) hiddenSum(l line) int {
	n := 0
	for _, p := range l.ps {
		if c := g.at(p); c.Suppressed {
			n += c.Value
		}
	}
	return n
}

// hidden counts the hidden entries of l.
func (g *grid) hidden(l line) int {
	n := 0
	for _, p := range l.ps {
		if g.at(p).Suppressed {
			n++
		}
	}
	return n
}

// smallGroup reports whether the line whose total is at p is a group
// below MinCount as the reader sees it: its total is shown as "<5".
func (g *grid) smallGroup(total pos) bool {
	c := g.at(total)
	return c.Suppressed && c.Value < MinCount
}

// hideSmallGroups hides every entry of a line whose total is "<5". Hiding a
// zero row total this way makes that row a small group in turn, hence the
// loop. Complementary cells are never below MinCount, so this needs to run
// only once, after the primary suppression.
func (g *grid) hideSmallGroups() {
	for changed := true; changed; {
		changed = false
		for _, l := range g.lines() {
			if !g.smallGroup(l.ps[len(l.ps)-1]) {
				continue
			}
			for _, p := range l.ps {
				if c := g.at(p); !c.Suppressed {
					c.Suppressed, changed = true, true
				}
			}
		}
	}
}

// closeLines is the per-line rule: until stable, every line with exactly
// one hidden entry gets a second one, the first of its candidates (cells
// before totals, smallest first). Among candidates of the same kind, one
// whose crossing line already holds a hidden entry goes first, whatever its
// size: hiding it closes the protection, while hiding a smaller entry in a
// crossing line with nothing hidden starts a new chain that usually ends up
// hiding more. A line with one hidden non-zero entry always has a
// candidate: its cells add up to its total, so another entry is non-zero.
func (g *grid) closeLines() {
	ls := g.lines()
	for changed := true; changed; {
		changed = false
		for _, l := range ls {
			if g.hidden(l) != 1 || g.hiddenSum(l) == 0 {
				// A lone hidden zero may be worked out: it reveals nobody.
				continue
			}
			cands := g.candidates(l.ps)
			if len(cands) == 0 {
				continue
			}
			pick := cands[0]
			for _, p := range cands {
				if g.kind(p) != g.kind(pick) {
					break // a closing total is no better than a cell
				}
				cross := g.row(p.i)
				if l.isRow {
					cross = g.col(p.j)
				}
				if g.hidden(cross) > 0 {
					pick = p
					break
				}
			}
			g.at(pick).Suppressed = true
			changed = true
		}
	}
}

// candidates returns the non-zero published entries of ps that could be
// hidden next: cells before row and column totals, those before the grand
// total, so that totals stay published wherever a cell can do the job; and
// within each kind smallest first, keeping the order of ps among equal
// values so that ties go to the first.
func (g *grid) candidates(ps []pos) []pos {
	var out []pos
	for _, p := range ps {
		if c := g.at(p); !c.Suppressed && c.Value > 0 {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b pos) int {
		if ka, kb := g.kind(a), g.kind(b); ka != kb {
			return ka - kb
		}
		return g.at(a).Value - g.at(b).Value
	})
	return out
}

// kind ranks an entry for hiding: 0 for a cell, 1 for a row or column
// total, 2 for the grand total.
func (g *grid) kind(p pos) int {
	k := 0
	if p.i == g.r {
		k++
	}
	if p.j == g.c {
		k++
	}
	return k
}

// firstPinned returns the first hidden non-zero entry, in row order, that a
// reader could work out exactly. A hidden zero (hidden only because its
// group is below 5) may be worked out, say from an empty row: that reveals
// nobody, and pinned still accounts for what it tells about the others.
func (g *grid) firstPinned() (pos, bool) {
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			if p := (pos{i, j}); g.at(p).Value > 0 && g.at(p).Suppressed && g.pinned(p) {
				return p, true
			}
		}
	}
	return pos{}, false
}

// protect hides more so that the pinned entry e can no longer be worked
// out. It tries the candidates of e's row and column (cells before totals,
// smallest first), each followed by the per-line rule, and keeps the first
// that frees e; if none does on its own, it keeps the first and lets the
// caller go round again. Only when e's lines have nothing left to hide does
// it look at the whole table. It returns false when nothing can be hidden.
func (g *grid) protect(e pos) bool {
	near := append(g.row(e.i).ps, g.col(e.j).ps...)
	cands := g.candidates(near)
	if len(cands) == 0 {
		var all []pos
		for i := 0; i <= g.r; i++ {
			all = append(all, g.row(i).ps...)
		}
		cands = g.candidates(all)
	}
	if len(cands) == 0 {
		return false
	}
	saved := g.flags()
	for _, p := range cands {
		g.at(p).Suppressed = true
		g.closeLines()
		if !g.pinned(e) {
			return true
		}
		g.restore(saved)
	}
	g.at(cands[0]).Suppressed = true
	return true
}

func (g *grid) flags() []bool {
	var f []bool
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			f = append(f, g.at(pos{i, j}).Suppressed)
		}
	}
	return f
}

func (g *grid) restore(f []bool) {
	k := 0
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			g.at(pos{i, j}).Suppressed = f[k]
			k++
		}
	}
}

// pinned reports whether a reader who sees the published entries, the line
// equations and the marks ("<5" is 1 to 4, "x" is at least 5) can work out
// the hidden entry e exactly.
//
// Write every entry as y = x for a cell or the grand total and y = -x for a
// row or column total; then in every line the y add up to zero, and each
// hidden y is one edge between the node of its row and the node of its
// column. Another table consistent with everything published differs from
// the true one by changes that add up to zero at every node: a circulation
// on the hidden edges. Such a change decomposes into cycles that alternate
// between raising and lowering entries, so e can take another value exactly
// when some cycle through e can move by one unit without leaving any
// entry's range. With an arc row→column for each hidden y that can rise and
// column→row for each that can fall, that is a directed cycle through e,
// found by a search from one end of e to the other. All values and bounds
// are whole numbers, so a move of one unit is enough; the check is exact
// for the rationals and for the integers alike.
func (g *grid) pinned(e pos) bool {
	n := g.r + 1 + g.c + 1
	col := func(j int) int { return g.r + 1 + j }
	adj := make([][]int, n)
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			p := pos{i, j}
			if p == e || !g.at(p).Suppressed {
				continue
			}
			up, down := g.slack(p)
			if up {
				adj[i] = append(adj[i], col(j))
			}
			if down {
				adj[col(j)] = append(adj[col(j)], i)
			}
		}
	}
	up, down := g.slack(e)
	if up && reaches(adj, col(e.j), e.i) {
		return false
	}
	if down && reaches(adj, e.i, col(e.j)) {
		return false
	}
	return true
}

// slack reports whether the y of hidden entry p (see pinned) can rise or
// fall by one within the range its mark tells the reader.
func (g *grid) slack(p pos) (up, down bool) {
	c := g.at(p)
	lo, hi := MinCount, math.MaxInt
	if c.Value < MinCount {
		lo, hi = 1, MinCount-1
		// In a small group zeros are hidden too (hideSmallGroups), so there
		// a "<5" may be 0; a zero a caller hid by hand cannot go below 0.
		inSmallRow := p.j < g.c && g.smallGroup(pos{p.i, g.c})
		inSmallCol := p.i < g.r && g.smallGroup(pos{g.r, p.j})
		if inSmallRow || inSmallCol || c.Value == 0 {
			lo = 0
		}
	}
	xUp, xDown := c.Value < hi, c.Value > lo
	if (p.i < g.r) != (p.j < g.c) { // a row or column total: y = -x
		return xDown, xUp
	}
	return xUp, xDown
}

// reaches reports whether node to can be reached from node from.
func reaches(adj [][]int, from, to int) bool {
	seen := make([]bool, len(adj))
	seen[from] = true
	stack := []int{from}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v == to {
			return true
		}
		for _, w := range adj[v] {
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return false
}
