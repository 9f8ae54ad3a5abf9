package reporting

// Statistical disclosure control for the annual report (docs/design.md §4.9 and
// §5). Every figure the report publishes about people passes through this
// file, so the rule lives in one place and the HTML, CSV, JSON and PDF
// outputs cannot disagree about what is hidden. docs/disclosure.md states
// the method for readers of the report, with its sources; this comment
// states how the code reads it.
//
// A table is read as its augmented form: the cells, a column of row totals,
// a row of column totals and the grand total. Each row and column of it is a
// line whose entries add up to its total. The rule:
//
//   - Primary suppression. An entry (cell or total) of 1 to 4 is hidden and
//     shown as "<5". A 0 is shown as 0: an empty category says nothing
//     about any person, and "<5" means 1 to 4, so showing it for a 0 would
//     publish a false figure.
//
//   - Group disclosure (Handbook on SDC, 2nd ed., §5.2, "group attribute
//     disclosure"). A zero does say something about people in one case: a
//     line whose total is 1 to 4 (a group of fewer than five people) that
//     has one non-zero entry, in a table where another of its categories is
//     not empty. Its zeros tell that every member of that small group has
//     the one attribute left, without telling how many they are. Such a line
//     is masked: its breakdown, the non-zero entry included, is shown as
//     "x", while its total stays "<5". A zero whose category is empty in the
//     whole table (a crossing line whose published total is 0) tells
//     nothing beyond that total: it stays 0, and a line whose other
//     categories are all empty is not masked. A line whose total is masked is masked too (its breakdown
//     would give the total away). A group of five or more that falls in one
//     category is published, like any count of five or more.
//
//   - The grand total is never hidden when it is 5 or more: it is the one
//     figure every reader needs, and hiding it protects nothing that other
//     entries cannot.
//
//   - Complementary (secondary) suppression, by the network method for two-
//     dimensional tables (Castro 2003, τ-ARGUS "Network"; Handbook §4.4.3).
//     A hidden entry cannot be worked out exactly if and only if it lies on
//     a cycle of hidden entries along which every entry can move by one
//     within the range its mark gives. For each hidden count of 1 to 4 that
//     has no such cycle, the cheapest cycle through it is found as a
//     shortest path, where a published entry costs what hiding it loses
//     (its value: the number of people it counts, τ-ARGUS' "frequency" cost,
//     plus a little per cell so that of two equal losses the one with fewer
//     cells wins) and a hidden one costs nothing; the published entries on
//     it are hidden ("x"). After all are protected, every complementary
//     entry is tried again from the costliest down and published again when
//     the table stays protected without it, so no hidden entry is
//     superfluous.
//
//   - Masked groups are protected the same way: in a masked line, some zero
//     must be able to rise, or a reader could still tell that the group is
//     in one category.
//
//   - Marks. "<5" is a count of 1 to 4. "x" is a figure withheld: in a
//     masked line a count of 0 to 4; beside a hidden figure (a complement)
//     a count of 5 or more, because every count below 5 is hidden as "<5"
//     already; in a table whose figures break down a figure hidden in
//     another table, any count. The audit assumes a reader who knows all of
//     this, and so does the test suite's attacker.
//
//   - Totals are never altered: a total's Value is the true sum of its
//     cells, never rounded or perturbed.
//
// When no set of entries other than the grand total can protect a count
// (for example two ministries of four complaints each and no others: with
// the grand total of 8 published, each is 4), Suppress reports it and the
// report combines the small rows into one (see combine.go), as CBS does.
//
// Tables must be additive: every person counted in exactly one cell, so
// that the totals are the sums of the cells. Figures of the same people in
// several tables are linked (linked.go). Render a Cell with String or as
// JSON, never by reading Value: Value holds the true count so the totals
// and the audit can be exact.

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

// Marks shown instead of a hidden figure. The report's legend explains
// both; they are constants so that it can quote them.
const (
	// SmallMark replaces a count from 1 to MinCount-1.
	SmallMark = "<5"
	// HiddenMark replaces any other hidden figure: a count of MinCount or
	// more hidden so that a small count cannot be worked out, or the
	// breakdown of a small group. It is the CBS sign for confidential
	// figures.
	HiddenMark = "x"
)

// mark says why an entry is hidden. It decides how the entry is shown and
// what a reader who knows the method can infer about its value.
type mark uint8

const (
	markNone       mark = iota
	markComplement      // "x", 5 or more: hidden to protect another entry
	markSmall           // "<5", 1 to 4: primary suppression
	markBreakdown       // "x", 0 or more: breaks down a figure hidden elsewhere
	markGroup           // "x", 0 to 4: the breakdown of a masked small group
)

// bounds is the range of values a reader infers from the mark.
func (m mark) bounds() (lo, hi int) {
	switch m {
	case markSmall:
		return 1, MinCount - 1
	case markGroup:
		return 0, MinCount - 1
	case markBreakdown:
		return 0, math.MaxInt
	default:
		return MinCount, math.MaxInt
	}
}

// Cell is one published count. Value is always the true count, also when
// Suppressed, so that totals stay exact; output must go through String or
// MarshalJSON, which never reveal a suppressed Value.
type Cell struct {
	Value      int
	Suppressed bool
	// why is set by Suppress and by the links between tables; a cell
	// hidden by hand has none and is read by its value (kind).
	why mark
}

// kind is why the cell is hidden, markNone when it is published.
func (c Cell) kind() mark {
	switch {
	case !c.Suppressed:
		return markNone
	case c.why != markNone:
		return c.why
	default:
		return countMark(c.Value)
	}
}

// countMark is why a hidden count of n is hidden when nothing else says:
// "<5" for 1 to 4, a zero as part of a breakdown, and any other count as
// the complement that protects another.
func countMark(n int) mark {
	switch {
	case small(n):
		return markSmall
	case n == 0:
		return markBreakdown
	default:
		return markComplement
	}
}

// hide hides c for reason m, keeping the stronger reason when it is hidden
// already: a masked group outranks every other reason, and the breakdown
// of a hidden figure outranks "<5", because "x" then stands for the whole
// line and a "<5" among "x" would tell which entries are not zero.
func (c *Cell) hide(m mark) {
	if k := c.kind(); k > m {
		m = k
	}
	c.Suppressed, c.why = true, m
}

// String renders the cell for HTML, CSV and PDF: the number, SmallMark for
// a hidden count of 1 to MinCount-1, or HiddenMark for any other hidden
// figure (see the file comment).
func (c Cell) String() string {
	switch c.kind() {
	case markNone:
		return strconv.Itoa(c.Value)
	case markSmall:
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
	// Combined lists the rows added up into the row CombinedRow, where
	// only that protects them without hiding the total (combine.go).
	Combined []string `json:"combined,omitempty"`
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

// Suppress applies the rule of the file comment to t in place. It first
// recomputes every total from the cells, because the protection is only
// sound when the totals are the true sums, and it never clears a Suppressed
// flag, so a caller may hide a cell beforehand and the result protects that
// cell too. Suppress is idempotent. It reports false when some count could
// not be protected without hiding the grand total (the caller then combines
// rows, see combine.go). It panics on a ragged table or a negative count,
// like NewTable.
func Suppress(t *Table) bool {
	g := newGrid(t)
	g.primary()
	g.maskGroups()
	return g.complete()
}

// SuppressList protects a one-dimensional list of counts with its published
// total, for example complaints per discrimination ground. It is the
// one-column case of Suppress: cells[i] belongs to labels[i], and total is
// the true sum. It panics when the lengths differ or a count is negative.
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
