package reporting

// Combining small ministries. Suppress never hides a grand total of 5 or
// more, so a table in which only the grand total could protect a count
// (two ministries of four complaints each and no others: with 8 published,
// each is 4) cannot be protected by hiding entries. Statistics Netherlands
// then combines categories rather than hide the total. protectYear does the
// same: it combines the small ministries of the failing table into one
// row, "Overige ministeries" (CombinedRow), in that table and the tables
// that publish the same figures per ministry (combineGroup), for that
// year, and protects the tables again; if that is not
// enough it adds the next smallest ministry, and as the very last resort
// (one ministry whose categories give each other away) it publishes only
// the table's grand total.

import (
	"slices"
	"sort"
)

// CombinedRow is the row of the ministries combined in a table; the
// table's Combined lists them.
const CombinedRow = "combined"

// protectYear suppresses the tables of year index i with their links, and
// combines rows where that alone cannot protect them.
func protectYear(r *Report, i int) {
	tables, links := yearLinks(r, i)
	failed := suppressLinked(tables, links)
	for round := 0; len(failed) > 0 && round <= len(r.Ministries)+1; round++ {
		combined := false
		for _, group := range groupsOf(r, i, failed) {
			var members []*FigureYear
			var failing []*Table
			for k := range r.Figures {
				fy := &r.Figures[k].Years[i]
				if combineGroup(r.Figures[k].Key) != group || fy.Table == nil {
					continue
				}
				members = append(members, fy)
				if slices.Contains(failed, fy.Table) {
					failing = append(failing, fy.Table)
				}
			}
			codes := rowsToCombine(failing)
			if len(codes) == 0 {
				continue
			}
			for _, fy := range members {
				fy.Table = combineRows(fy.Table, codes)
			}
			combined = true
		}
		if !combined {
			for k := range r.Figures {
				if fy := &r.Figures[k].Years[i]; slices.Contains(failed, fy.Table) {
					publishOnlyTotal(fy.Table)
					fy.Note = onlyTotalNote
				}
			}
		}
		tables, links = yearLinks(r, i)
		if combined {
			// Start afresh: a partner of a combined table may still hide
			// what it hid for a row that no longer exists.
			for _, t := range tables {
				for _, p := range newGrid(t).all() {
					*(ref{t, p.i, p.j}).cell() = Cell{Value: (ref{t, p.i, p.j}).cell().Value}
				}
			}
		}
		failed = suppressLinked(tables, links)
	}
}

// combineGroup names the tables that combine the same rows together:
// tables whose rows publish the same figures (the complaints per ministry
// in the tables of complaints filed, the advices, the decisions). Every
// other table combines on its own.
func combineGroup(key string) string {
	switch key {
	case "complaints_by_category", "complaints_by_ground", "admissibility", "inadmissible_by_ground", "course", "hearing_cases":
		return "filed"
	case "judgements", "judgement_elements":
		return "advised"
	case "statutory_term", "advice_followed", "extensions":
		return "decided"
	}
	return key
}

// groupsOf returns the combine groups of the failed tables.
func groupsOf(r *Report, i int, failed []*Table) []string {
	var groups []string
	for _, f := range r.Figures {
		if g := combineGroup(f.Key); slices.Contains(failed, f.Years[i].Table) && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups
}

// rowsToCombine picks the ministries to add to the combined row: those with
// a total of 1 to MinCount-1 in a failing table, or else the one with the
// smallest non-zero total. None when every ministry is combined already.
func rowsToCombine(failing []*Table) []string {
	var codes []string
	smallest, least := "", 0
	for _, t := range failing {
		newGrid(t) // true totals
		for i, row := range t.Rows {
			v := t.RowTotals[i].Value
			if row == CombinedRow || row == unknownMinistry || v == 0 {
				continue
			}
			if small(v) && !slices.Contains(codes, row) {
				codes = append(codes, row)
			}
			if smallest == "" || v < least {
				smallest, least = row, v
			}
		}
	}
	if len(codes) == 0 && smallest != "" {
		codes = []string{smallest}
	}
	return codes
}

// combineRows returns t with the rows of codes, and any row combined
// before, added up into CombinedRow, the last row; nothing of it is hidden
// yet, for Suppress to protect afresh.
func combineRows(t *Table, codes []string) *Table {
	out := &Table{Cols: slices.Clone(t.Cols), Combined: slices.Clone(t.Combined)}
	sum := make([]Cell, len(t.Cols))
	for i, row := range t.Rows {
		if row != CombinedRow && !slices.Contains(codes, row) {
			out.Rows = append(out.Rows, row)
			cells := make([]Cell, len(t.Cols))
			for j, c := range t.Cells[i] {
				cells[j] = Cell{Value: c.Value}
			}
			out.Cells = append(out.Cells, cells)
			continue
		}
		if row != CombinedRow {
			out.Combined = append(out.Combined, row)
		}
		for j, c := range t.Cells[i] {
			sum[j].Value += c.Value
		}
	}
	sort.Strings(out.Combined)
	out.Rows = append(out.Rows, CombinedRow)
	out.Cells = append(out.Cells, sum)
	return out
}

// onlyTotalNote tells the reader of a table whose breakdown is withheld
// that its "x" may be any count.
const onlyTotalNote = "Van deze tabel is alleen het totaal gepubliceerd: elke uitsplitsing zou een klein aantal verraden. Een x kan hier elk aantal zijn."

// publishOnlyTotal hides every non-zero entry of t but the grand total as
// a breakdown that may be any count, whatever it was hidden as before (a
// "<5" or a masked group's "x" would still bound it): the last resort of
// the file comment. Published zeros stay 0: they add nothing to a total
// that is all that is known.
func publishOnlyTotal(t *Table) {
	g := newGrid(t)
	for _, p := range g.all() {
		if c := g.at(p); (c.Value > 0 || c.Suppressed) && p != (pos{g.r, g.c}) {
			c.Suppressed, c.why = true, markBreakdown
		}
	}
}

// rowIndex is the row of ministry in rows, or the combined row when the
// ministry is one of combined; -1 when it is neither.
func rowIndex(rows, combined []string, ministry string) int {
	if i := slices.Index(rows, ministry); i >= 0 {
		return i
	}
	if slices.Contains(combined, ministry) {
		return slices.Index(rows, CombinedRow)
	}
	return -1
}
