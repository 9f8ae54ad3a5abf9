package apptest

// AnnualReport is the JSON of an annual report (GET
// /api/v1/reports/annual/{year}) as a client reads it: each figure's table
// in each year, and the headline figures of the summary. A count is a
// number or a mark (a string); a headline may also be null.
type AnnualReport struct {
	Figures []struct {
		Key   string `json:"key"`
		Years []struct {
			Year  int `json:"year"`
			Table *struct {
				Rows      []string `json:"rows"`
				Cols      []string `json:"cols"`
				Cells     [][]any  `json:"cells"`
				RowTotals []any    `json:"row_totals"`
				ColTotals []any    `json:"col_totals"`
				Total     any      `json:"total"`
			} `json:"table"`
		} `json:"years"`
	} `json:"figures"`
	Summary []struct {
		Key    string `json:"key"`
		Kind   string `json:"kind"`
		Values []any  `json:"values"`
	} `json:"summary"`
}
