package reporting

// Linked tables. The disclosure rule (disclosure.go) protects one table at a
// time. The annual report publishes several tables about the same people:
// the complaints of a year by category, by admissibility and by outcome all
// have the complaints per ministry as their row totals, and the table of
// discrimination grounds has as its row totals the discrimination column of
// the table of categories. If one table hid such a shared figure and another
// printed it, a reader would take it from the second and undo the
// protection of the first. suppressLinked therefore states these shared
// entries as links, hides a linked entry wherever its partner is hidden,
// and lets Suppress protect each table again, until nothing changes. Hiding
// more never uncovers anything, and Suppress never clears a flag, so this
// ends.
//
// What this does not do: it keeps shared figures consistent, but it does
// not audit the equations of two tables together. The report keeps that
// risk small by publishing each population (complaints filed, advices
// given, decisions taken, cases open at the year end, signals) in tables
// whose shared figures are all linked.

// ref addresses one entry of a table's augmented form: i == len(t.Rows) is
// the row of column totals, j == len(t.Cols) the column of row totals.
type ref struct {
	t    *Table
	i, j int
}

func (r ref) cell() *Cell {
	t := r.t
	switch {
	case r.i < len(t.Rows) && r.j < len(t.Cols):
		return &t.Cells[r.i][r.j]
	case r.i < len(t.Rows):
		return &t.RowTotals[r.i]
	case r.j < len(t.Cols):
		return &t.ColTotals[r.j]
	default:
		return &t.Total
	}
}

// implication says: when from is hidden, to must be hidden too.
type implication struct{ from, to ref }

// same links two entries that publish the same figure.
func same(a, b ref) []implication { return []implication{{a, b}, {b, a}} }

// suppressLinked applies Suppress to every table and then the links, until
// no link hides anything more.
func suppressLinked(tables []*Table, links []implication) {
	for {
		for _, t := range tables {
			Suppress(t)
		}
		changed := false
		for _, l := range links {
			if from, to := l.from.cell(), l.to.cell(); from.Suppressed && !to.Suppressed {
				to.Suppressed = true
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}
