package reporting

// Linked tables. The disclosure rule (disclosure.go) protects one table at a
// time. The annual report publishes several tables about the same people:
// the complaints of a year by category, by admissibility and by outcome all
// have the complaints per ministry as their row totals, and the table of
// discrimination grounds has as its row totals the discrimination column of
// the table of categories. If one table hid such a shared figure and another
// printed it, a reader would take it from the second and undo the
// protection of the first. suppressLinked therefore states these shared
// entries as links, hides a linked entry wherever its partner is hidden
// (for the same reason, so that it shows the same mark), and lets Suppress
// protect each table again, until nothing changes. Hiding more never
// uncovers anything, and Suppress never clears a flag, so this ends.
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

// implication says: when from is hidden, to must be hidden too. With
// breakdown, to is part of the breakdown of from (say the complaint
// elements of a ministry's advices) and is shown as "x" whatever its value.
type implication struct {
	from, to  ref
	breakdown bool
}

// same links two entries that publish the same figure.
func same(a, b ref) []implication { return []implication{{from: a, to: b}, {from: b, to: a}} }

// linkedMark is why to is hidden when from is: as a masked group's entry
// when from is one and to is a count below MinCount (the same figure, or
// one no larger), "<5" for a count of 1 to 4, and otherwise "x".
func linkedMark(from, to Cell, breakdown bool) mark {
	switch {
	case breakdown:
		return markBreakdown
	case from.kind() == markGroup && to.Value < MinCount:
		return markGroup
	default:
		return countMark(to.Value)
	}
}

// suppressTable is Suppress; the tests put the method before issue 15 in
// its place to compare the information the two lose.
var suppressTable = Suppress

// InformationLoss counts the hidden entries of every table of r, totals
// included, and the people those entries count: the two measures of
// information loss the benchmarks report (docs/disclosure.md). It is for
// measuring the method; the second figure is never published.
func (r *Report) InformationLoss() (entries, people int) {
	for _, f := range r.Figures {
		for _, fy := range f.Years {
			t := fy.Table
			if t == nil {
				continue
			}
			for i := 0; i <= len(t.Rows); i++ {
				for j := 0; j <= len(t.Cols); j++ {
					if c := (ref{t, i, j}).cell(); c.Suppressed {
						entries++
						people += c.Value
					}
				}
			}
		}
	}
	return entries, people
}

// suppressLinked applies Suppress to every table and then the links, until
// no link hides anything more. It returns the tables that could not be
// protected without their grand total (see Suppress).
func suppressLinked(tables []*Table, links []implication) []*Table {
	for {
		var failed []*Table
		for _, t := range tables {
			if !suppressTable(t) {
				failed = append(failed, t)
			}
		}
		changed := false
		for _, l := range links {
			from, to := l.from.cell(), l.to.cell()
			if !from.Suppressed {
				continue
			}
			if m := linkedMark(*from, *to, l.breakdown); to.kind() < m {
				to.hide(m)
				changed = true
			}
		}
		if !changed {
			return failed
		}
	}
}
