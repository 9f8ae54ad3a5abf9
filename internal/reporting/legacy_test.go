package reporting

// The disclosure method before issue 15, kept only so that the tests and the
// benchmark can compare its information loss with the current one
// (TestLossNotAboveLegacy, BenchmarkAnnualReport*). It hid every zero of a
// group below 5 as "<5", could hide the grand total, and chose complementary
// cells greedily, smallest first. Not used by the report.

import (
	"math"
	"slices"
)

func legacySuppress(t *Table) {
	g := newLegacyGrid(t)
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

// legacyGrid is the augmented (r+1)×(c+1) view of a Table. Each of its rows and
// columns is a line whose entries obey one equation: the cells of a line add
// up to its total. In the row of column totals the column totals add up to
// the grand total, and likewise for the column of row totals.
type legacyGrid struct{ *grid }

// newLegacyGrid is newGrid for the legacy methods.
func newLegacyGrid(t *Table) *legacyGrid {
	return &legacyGrid{newGrid(t)}
}

// hiddenSum adds up the true values of the hidden entries of l.
func (g *legacyGrid) hiddenSum(l line) int {
	n := 0
	for _, p := range l.ps {
		if c := g.at(p); c.Suppressed {
			n += c.Value
		}
	}
	return n
}

// hidden counts the hidden entries of l.
func (g *legacyGrid) hidden(l line) int {
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
func (g *legacyGrid) smallGroup(total pos) bool {
	c := g.at(total)
	return c.Suppressed && c.Value < MinCount
}

// hideSmallGroups hides every entry of a line whose total is "<5". Hiding a
// zero row total this way makes that row a small group in turn, hence the
// loop. Complementary cells are never below MinCount, so this needs to run
// only once, after the primary suppression.
func (g *legacyGrid) hideSmallGroups() {
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
func (g *legacyGrid) closeLines() {
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
func (g *legacyGrid) candidates(ps []pos) []pos {
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
func (g *legacyGrid) kind(p pos) int {
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
func (g *legacyGrid) firstPinned() (pos, bool) {
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
func (g *legacyGrid) protect(e pos) bool {
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

func (g *legacyGrid) flags() []bool {
	var f []bool
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			f = append(f, g.at(pos{i, j}).Suppressed)
		}
	}
	return f
}

func (g *legacyGrid) restore(f []bool) {
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
func (g *legacyGrid) pinned(e pos) bool {
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
	if up && legacyReaches(adj, col(e.j), e.i) {
		return false
	}
	if down && legacyReaches(adj, e.i, col(e.j)) {
		return false
	}
	return true
}

// slack reports whether the y of hidden entry p (see pinned) can rise or
// fall by one within the range its mark tells the reader.
func (g *legacyGrid) slack(p pos) (up, down bool) {
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

// legacyReaches reports whether node to can be reached from node from.
func legacyReaches(adj [][]int, from, to int) bool {
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

// withLegacyMethod builds reports with the method before issue 15 while f
// runs.
func withLegacyMethod(f func()) {
	defer func(s func(*Table) bool) { suppressTable = s }(suppressTable)
	suppressTable = func(t *Table) bool { legacySuppress(t); return true }
	f()
}
