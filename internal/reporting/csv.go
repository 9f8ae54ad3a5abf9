package reporting

import (
	"encoding/csv"
	"io"
	"strconv"
)

// AllMinistries is the ministry column of the all-ministries totals in the
// CSV; "total" is the category of a row total.
const (
	AllMinistries = "all"
	TotalCategory = "total"
)

// WriteCSV writes the report as one tidy table: year, ministry, measure,
// category, value, one published figure per line, value exactly as
// published (a number, "<5" or "x"). Ministry "all" holds the totals of all
// ministries and category "total" a row's total. A narrowed report writes
// its ministry and the all-ministry totals.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"year", "ministry", "measure", "category", "value"})
	for _, f := range r.Figures {
		for _, fy := range f.Years {
			t := fy.Table
			if t == nil {
				continue
			}
			y := strconv.Itoa(fy.Year)
			for i, row := range t.Rows {
				for j, col := range t.Cols {
					cw.Write([]string{y, row, f.Key, col, t.Cells[i][j].String()})
				}
				cw.Write([]string{y, row, f.Key, TotalCategory, t.RowTotals[i].String()})
			}
			for j, col := range t.Cols {
				cw.Write([]string{y, AllMinistries, f.Key, col, t.ColTotals[j].String()})
			}
			cw.Write([]string{y, AllMinistries, f.Key, TotalCategory, t.Total.String()})
		}
	}
	for _, s := range r.Statistics {
		for _, sy := range s.Years {
			y := strconv.Itoa(sy.Year)
			for i, row := range sy.Rows {
				for j, col := range s.Columns {
					cw.Write([]string{y, row, s.Key, col.Key, sy.Values[i][j].String()})
				}
			}
			for j, col := range s.Columns {
				cw.Write([]string{y, AllMinistries, s.Key, col.Key, sy.All[j].String()})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
