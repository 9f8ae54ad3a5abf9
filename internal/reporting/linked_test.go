package reporting

import "testing"

// TestLinkedTablesHideSharedFiguresAlike: two tables of the same people
// (ministries × category and ministries × admissibility) share their row
// totals. Alone, each would publish a row total that the other hides, and
// a reader could take it from one to work out the other's hidden cells.
func TestLinkedTablesHideSharedFiguresAlike(t *testing.T) {
	rows := []string{"A", "B", "C"}
	// Row A of the category table has a cell of 2: its row total of 9 is
	// published there, but row A of the admissibility table is 9 = 6+3
	// and hides 3 and a partner. Without links, B's and C's totals differ
	// in what they hide as well.
	cat := &Table{Rows: rows, Cols: []string{"x", "y"}, Cells: cells([][]int{{2, 7}, {10, 12}, {8, 9}})}
	adm := &Table{Rows: rows, Cols: []string{"yes", "no"}, Cells: cells([][]int{{6, 3}, {15, 7}, {11, 6}})}
	// Pretend the admissibility table had to hide row A's total (as the
	// rule sometimes must, beside a small total).
	adm.RowTotals = make([]Cell, 3)
	adm.RowTotals[0].Suppressed = true
	var links []implication
	for i := range rows {
		links = append(links, same(ref{cat, i, 2}, ref{adm, i, 2})...)
	}
	links = append(links, same(ref{cat, 3, 2}, ref{adm, 3, 2})...)
	suppressLinked([]*Table{cat, adm}, links)
	for i := range rows {
		if cat.RowTotals[i].Suppressed != adm.RowTotals[i].Suppressed {
			t.Errorf("row %s: total hidden %v in one table, %v in the other", rows[i], cat.RowTotals[i].Suppressed, adm.RowTotals[i].Suppressed)
		}
	}
	if !cat.RowTotals[0].Suppressed {
		t.Error("row A's total is published in the category table although the admissibility table hides it")
	}
	// Each table on its own still protects every hidden entry.
	for name, tb := range map[string]*Table{"category": cat, "admissibility": adm} {
		g := newGrid(tb)
		for i := 0; i <= g.r; i++ {
			for j := 0; j <= g.c; j++ {
				if p := (pos{i, j}); g.at(p).Suppressed && g.at(p).Value > 0 && !g.free(p) {
					t.Errorf("%s table: hidden entry (%d,%d) can be worked out", name, i, j)
				}
			}
		}
		if tb.Total.Value != 2+7+10+12+8+9 {
			t.Errorf("%s table: total %d is not the true sum", name, tb.Total.Value)
		}
	}
}

// TestImplicationHidesOnlyOneWay: the elements of a ministry's advices are
// hidden when its number of advices is, not the other way round.
func TestImplicationHidesOnlyOneWay(t *testing.T) {
	adv := &Table{Rows: []string{"A", "B", "C"}, Cols: []string{"f", "u"}, Cells: cells([][]int{{1, 2}, {8, 9}, {10, 12}})}
	el := &Table{Rows: []string{"A", "B", "C"}, Cols: []string{"f", "u"}, Cells: cells([][]int{{0, 7}, {5, 6}, {1, 20}})}
	var links []implication
	for i := 0; i <= 3; i++ {
		for j := 0; j <= 2; j++ {
			links = append(links, implication{from: ref{adv, i, 2}, to: ref{el, i, j}, breakdown: true})
		}
	}
	suppressLinked([]*Table{adv, el}, links)
	for j := 0; j <= 2; j++ {
		if c := (ref{el, 0, j}).cell(); !c.Suppressed {
			t.Errorf("elements of A, column %d: %s published although A's 3 advices are hidden", j, c)
		}
	}
	if !el.Cells[2][0].Suppressed {
		t.Error("C's single founded element is published")
	}
	if adv.RowTotals[2].Suppressed {
		t.Error("C's 22 advices were hidden because of its elements")
	}
}

func cells(v [][]int) [][]Cell {
	out := make([][]Cell, len(v))
	for i, row := range v {
		out[i] = make([]Cell, len(row))
		for j, x := range row {
			out[i][j] = Cell{Value: x}
		}
	}
	return out
}
