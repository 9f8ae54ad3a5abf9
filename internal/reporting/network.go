package reporting

// The mechanics of Suppress (disclosure.go): the augmented table as a
// network, the audit of a hidden entry as a search for a cycle, and the
// choice of complementary entries as a shortest path.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// pos addresses an entry of the augmented table: row r holds the column
// totals, column c the row totals, and (r, c) the grand total.
type pos struct{ i, j int }

// line is a row or a column of the augmented table, in order, total last.
type line struct {
	ps    []pos
	isRow bool
}

func (l line) total() pos     { return l.ps[len(l.ps)-1] }
func (l line) entries() []pos { return l.ps[:len(l.ps)-1] }

// grid is the augmented (r+1)×(c+1) view of a Table. Each of its rows and
// columns is a line whose entries obey one equation: the entries add up to
// the line's total.
type grid struct {
	t    *Table
	r, c int
	// masked are the lines masked by the group rule. A reader must stay
	// in doubt whether such a group is all in one category.
	masked []line
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

// all lists every entry in row order.
func (g *grid) all() []pos {
	ps := make([]pos, 0, (g.r+1)*(g.c+1))
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			ps = append(ps, pos{i, j})
		}
	}
	return ps
}

// primary hides every entry of 1 to 4.
func (g *grid) primary() {
	for _, p := range g.all() {
		if c := g.at(p); small(c.Value) {
			c.hide(markSmall)
		}
	}
}

// maskGroups applies the group rule (file comment of disclosure.go) and
// spreads masks from a hidden total to its breakdown, until stable: masking
// a margin line hides totals, whose own lines are then masked in turn.
func (g *grid) maskGroups() {
	for changed := true; changed; {
		changed = false
		for _, l := range g.lines() {
			m := g.at(l.total()).kind()
			rule := false
			switch {
			case m == markGroup || m == markBreakdown:
				// The breakdown of a figure that stands for a hidden
				// group or a hidden figure elsewhere.
			case m == markSmall && g.discloses(l):
				if !slices.ContainsFunc(g.masked, func(o line) bool { return o.total() == l.total() && o.isRow == l.isRow }) {
					g.masked = append(g.masked, l)
				}
				m, rule = markGroup, true
			default:
				continue
			}
			for _, p := range l.entries() {
				// A zero that an empty crossing line implies stays 0:
				// hiding it would hide nothing.
				if c := g.at(p); c.kind() < m && !(rule && c.Value == 0 && !g.informative(l, p)) {
					c.hide(m)
					changed = true
				}
			}
		}
	}
}

// discloses reports whether the zeros of a small line l would tell that
// its whole group has one attribute: it has exactly one non-zero entry, and
// some zero of it is not implied by an empty category (a crossing line
// whose total is 0). In the margin lines (the totals) the crossing line of
// an entry is its own, so every zero counts there.
func (g *grid) discloses(l line) bool {
	nonZero, informative := 0, false
	for _, p := range l.entries() {
		if g.at(p).Value > 0 {
			nonZero++
		} else if g.informative(l, p) {
			informative = true
		}
	}
	return nonZero == 1 && informative
}

// informative reports whether the zero at p in line l tells more than an
// empty crossing line (one whose published total is 0) tells already.
func (g *grid) informative(l line, p pos) bool {
	if l.total() == (pos{g.r, g.c}) {
		return true // a margin line: the crossing line of p is p's own
	}
	cross := pos{g.r, p.j}
	if !l.isRow {
		cross = pos{p.i, g.c}
	}
	c := g.at(cross)
	return c.Value != 0 || c.Suppressed
}

// need is something not yet protected: a hidden count that can be worked
// out (line < 0), or masked line number line whose group a reader can
// tell to be in one category.
type need struct {
	p    pos
	line int
}

// complete hides complementary entries until every need is met, then
// publishes again every complementary entry that turned out superfluous. It
// returns false when some need could not be met without the grand total.
func (g *grid) complete() bool {
	ok := true
	given := map[need]bool{}
	var added []pos
	for {
		n, found := g.unmet(given)
		if !found {
			break
		}
		path, can := g.cheapest(n)
		if !can {
			if n.line < 0 && g.maskStuck(n.p) {
				continue
			}
			given[n], ok = true, false
			continue
		}
		for _, p := range path {
			g.at(p).hide(markComplement)
			added = append(added, p)
		}
	}
	g.prune(added, given)
	return ok
}

// unmet returns the first need that is not met, skipping those given up.
func (g *grid) unmet(given map[need]bool) (need, bool) {
	for _, p := range g.all() {
		c := g.at(p)
		if n := (need{p, -1}); c.Suppressed && small(c.Value) && !given[n] && !g.free(p) {
			return n, true
		}
	}
	for k, l := range g.masked {
		if n := (need{line: k}); !given[n] && g.needsDoubt(l) && !g.inDoubt(l) {
			return n, true
		}
	}
	return need{}, false
}

// needsDoubt reports whether masked line l holds at most one non-zero
// entry, so that its zeros are what must stay uncertain.
func (g *grid) needsDoubt(l line) bool {
	n := 0
	for _, p := range l.entries() {
		if g.at(p).Value > 0 {
			n++
		}
	}
	return n <= 1
}

// inDoubt reports whether some hidden zero of l could be more than zero.
func (g *grid) inDoubt(l line) bool {
	for _, p := range l.entries() {
		if c := g.at(p); c.Suppressed && c.Value == 0 {
			if _, ok := g.cycle(p, xUp(g, p), false); ok {
				return true
			}
		}
	}
	return false
}

// free reports whether hidden entry p can take another value than its own
// in a table that agrees with everything published.
func (g *grid) free(p pos) bool {
	for _, d := range []int{+1, -1} {
		if _, ok := g.cycle(p, d, false); ok {
			return true
		}
	}
	return false
}

// xUp is the direction of y (see cycle) in which the value of p rises.
func xUp(g *grid, p pos) int {
	if g.isTotal(p) {
		return -1
	}
	return +1
}

// cheapest returns the published entries whose hiding meets n at the
// least cost, or false when no such set exists.
func (g *grid) cheapest(n need) ([]pos, bool) {
	var best []pos
	bestCost, found := int64(math.MaxInt64), false
	try := func(p pos, d int) {
		if path, ok := g.cycle(p, d, true); ok {
			if c := g.cost(path); !found || c < bestCost {
				best, bestCost, found = path, c, true
			}
		}
	}
	if n.line < 0 {
		try(n.p, +1)
		try(n.p, -1)
		return best, found
	}
	for _, p := range g.masked[n.line].entries() {
		if c := g.at(p); c.Suppressed && c.Value == 0 {
			try(p, xUp(g, p))
		}
	}
	return best, found
}

// maskStuck masks a small line through p that is not masked yet, when a
// count of it cannot be protected otherwise: four counts of 1 under a total
// of 4, say, are each 1 whatever else is hidden. Masked, they are "x" (0 to
// 4) and no longer give each other away. It reports whether it masked one.
func (g *grid) maskStuck(p pos) bool {
	for _, l := range []line{g.row(p.i), g.col(p.j)} {
		if g.at(l.total()).kind() != markSmall {
			continue
		}
		changed := false
		for _, q := range l.entries() {
			if c := g.at(q); c.kind() < markGroup {
				c.hide(markGroup)
				changed = true
			}
		}
		if changed {
			g.masked = append(g.masked, l)
			return true
		}
	}
	return false
}

// prune publishes again each complementary entry, costliest first, that the
// table does not need: after the shortest paths, an entry chosen for an
// early need may be superfluous once later ones are hidden.
func (g *grid) prune(added []pos, given map[need]bool) {
	slices.SortFunc(added, func(a, b pos) int {
		return cmp.Or(cmp.Compare(g.at(b).Value, g.at(a).Value), cmp.Compare(a.i, b.i), cmp.Compare(a.j, b.j))
	})
	added = slices.Compact(added)
	for _, p := range added {
		c := g.at(p)
		if c.kind() != markComplement {
			continue
		}
		c.Suppressed, c.why = false, markNone
		if _, unmet := g.unmet(given); unmet {
			c.Suppressed, c.why = true, markComplement
		}
	}
}

// isTotal reports whether p is a row or column total (not the grand total).
func (g *grid) isTotal(p pos) bool { return (p.i < g.r) != (p.j < g.c) }

// costPerCell makes the loss of a hidden entry its value (the people it
// counts) first and the number of entries second.
const costPerCell = 1 << 20

// cost is the information lost by hiding the published entries of path.
func (g *grid) cost(path []pos) int64 {
	var sum int64
	for _, p := range path {
		sum += int64(g.at(p).Value)*costPerCell + 1
	}
	return sum
}

// slack reports whether the y of entry p can rise or fall by one within the
// range a reader infers from its mark; for a published entry considered as
// a complement, the range of "x" beside a hidden figure.
//
// Write every entry as y = x for a cell or the grand total and y = -x for a
// row or column total; then in every line the y add up to zero, and each
// hidden y is an edge between the node of its row and the node of its
// column. Another table consistent with everything published differs from
// the true one by a change that adds up to zero at every node: a
// circulation on the hidden edges, which decomposes into cycles that
// alternate between raising and lowering entries. So an entry can take
// another value exactly when some cycle through it can move by one unit
// without leaving any entry's range; all values and bounds are whole
// numbers, so the check is exact for the integers as for the rationals.
func (g *grid) slack(p pos, m mark) (up, down bool) {
	lo, hi := m.bounds()
	v := g.at(p).Value
	xu, xd := v < hi, v > lo
	if g.isTotal(p) {
		return xd, xu
	}
	return xu, xd
}

// cycle looks for a cycle through entry e that moves its y in direction d
// (+1 or -1): a path over hidden entries, and with candidates also over
// published non-zero entries other than the grand total, from one end of e
// to the other, each entry passed in a direction it can move. It returns
// the published entries on the cheapest such path (none when e is free
// already) and whether there is one.
func (g *grid) cycle(e pos, d int, candidates bool) ([]pos, bool) {
	up, down := g.slack(e, g.at(e).kind())
	if d > 0 && !up || d < 0 && !down {
		return nil, false
	}
	nr := g.r + 1
	n := nr + g.c + 1
	type arc struct {
		to   int
		cost int64
		via  pos
		open bool // a published entry
	}
	adj := make([][]arc, n)
	for _, p := range g.all() {
		if p == e {
			continue
		}
		c := g.at(p)
		m, open := c.kind(), false
		if m == markNone {
			if !candidates || c.Value == 0 || p == (pos{g.r, g.c}) {
				continue
			}
			m, open = markComplement, true
		}
		var w int64
		if open {
			w = int64(c.Value)*costPerCell + 1
		}
		pu, pd := g.slack(p, m)
		if pu {
			adj[p.i] = append(adj[p.i], arc{nr + p.j, w, p, open})
		}
		if pd {
			adj[nr+p.j] = append(adj[nr+p.j], arc{p.i, w, p, open})
		}
	}
	from, to := nr+e.j, e.i
	if d < 0 {
		from, to = to, from
	}
	// Dijkstra over at most a few dozen nodes: a linear scan for the
	// nearest node is simpler than a heap and as fast here.
	dist := make([]int64, n)
	prev := make([]arc, n)
	prevNode := make([]int, n)
	done := make([]bool, n)
	for k := range dist {
		dist[k] = math.MaxInt64
	}
	dist[from] = 0
	for {
		v := -1
		for k := range n {
			if !done[k] && dist[k] != math.MaxInt64 && (v < 0 || dist[k] < dist[v]) {
				v = k
			}
		}
		if v < 0 || v == to {
			break
		}
		done[v] = true
		for _, a := range adj[v] {
			if nd := dist[v] + a.cost; nd < dist[a.to] {
				dist[a.to], prev[a.to], prevNode[a.to] = nd, a, v
			}
		}
	}
	if dist[to] == math.MaxInt64 {
		return nil, false
	}
	var path []pos
	for v := to; v != from; v = prevNode[v] {
		if prev[v].open {
			path = append(path, prev[v].via)
		}
	}
	return path, true
}
