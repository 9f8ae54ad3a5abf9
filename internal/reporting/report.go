// Package reporting produces the annual report (jaarrapportage, docs/design.md §5):
// statistics of one calendar year beside the earlier years, for all
// ministries together and per ministry, from the anonymous statistical
// record only, with every published figure passed through the disclosure
// rule (disclosure.go), in JSON, CSV, PDF and SVG charts; and the
// committee's recommendations for the year, written by the chair.
//
// Choices that shape every figure:
//
//   - Ministry is the complainant's ministry (case_stats.ministry): the
//     report shows where undesirable behaviour was reported, which is what
//     a ministry's own figures in the Jaarrapportage Bedrijfsvoering Rijk
//     are about. (The respondent's ministry differs in about one case in
//     ten and would split one person's complaint over two rows.)
//   - A complaint counts in the year it was filed (filed_on) for what was
//     received and what became of it: categories, grounds, admissibility,
//     withdrawals, informal resolutions and hearings. An advice counts in
//     the year it was given (advised_on): the judgements. A decision counts
//     in the year it was taken (decided_on): advice followed, the statutory
//     term, extensions and throughput. Open and overdue cases are a stock
//     on 31 December, so they are shown only for years that have ended.
//   - Decided within the statutory term means decided_on <= due_on, where
//     due_on already holds any extension. Throughput is decided_on minus
//     received_on in calendar days.
//   - Each population is published as one table per year with ministries as
//     rows, so that the all-ministries figures are its totals; tables that
//     share figures are linked (linked.go). A ministry filter selects rows
//     of those same tables and never recomputes suppression on a smaller
//     population, so it cannot reveal anything the full report hides.
package reporting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/cases"
)

// Report is the annual report of one year. Every count in it is a Cell
// that went through the disclosure rule and every percentage or median a
// Value that went through Share, Median or Percentile.
type Report struct {
	Year            int             `json:"year"`
	Ministry        string          `json:"ministry,omitempty"` // set when the report was narrowed to one ministry
	Provisional     bool            `json:"provisional"`        // the year has not ended; figures will still change
	GeneratedAt     time.Time       `json:"generated_at"`
	Years           []int           `json:"years"` // the years shown, oldest first; the last is Year
	Ministries      []Ministry      `json:"ministries"`
	Summary         []Headline      `json:"summary"`
	Figures         []Figure        `json:"figures"`
	Statistics      []Statistic     `json:"statistics"`
	Recommendations Recommendations `json:"recommendations"`
	Disclosure      Disclosure      `json:"disclosure"`
}

// Ministry is a row of the report's tables.
type Ministry struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Label is a column of a figure: its key, as in the data, and its label.
type Label struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Figure is one table of counts, for every year of the report.
type Figure struct {
	Key     string       `json:"key"`
	Title   string       `json:"title"`
	Basis   string       `json:"basis"` // which cases count in a year
	Unit    string       `json:"unit"`
	Columns []Label      `json:"columns"`
	Years   []FigureYear `json:"years"` // oldest first
}

// FigureYear is a figure's table of one year: rows are ministry codes (the
// Report's Ministries), columns the Figure's Columns, and the column totals
// and grand total are all ministries together. Table is nil when the
// figure does not exist for that year (a year-end stock of a running year).
type FigureYear struct {
	Year  int    `json:"year"`
	Table *Table `json:"table"`
	Note  string `json:"note,omitempty"`
}

// Statistic is a table of medians, percentiles or percentages.
type Statistic struct {
	Key     string     `json:"key"`
	Title   string     `json:"title"`
	Basis   string     `json:"basis"`
	Unit    string     `json:"unit"`
	Columns []Label    `json:"columns"`
	Years   []StatYear `json:"years"`
}

// StatYear is one year of a Statistic: Values[row][col] per ministry, All
// for all ministries together.
type StatYear struct {
	Year   int       `json:"year"`
	Rows   []string  `json:"rows"`
	Values [][]Value `json:"values"`
	All    []Value   `json:"all"`
}

// Value is a published median, percentile or percentage. A value that the
// disclosure rule does not allow is shown as HiddenMark.
type Value struct {
	V     float64
	Shown bool
}

// String renders the value as published.
func (v Value) String() string {
	if !v.Shown {
		return HiddenMark
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}

// MarshalJSON writes a shown value as a number and a hidden one as the mark.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Shown {
		return []byte(`"` + HiddenMark + `"`), nil
	}
	return []byte(v.String()), nil
}

// Published is one headline figure of one year: a count, a statistic, or
// nothing (JSON null) when the figure does not exist for that year.
type Published struct {
	Count *Cell
	Stat  *Value
}

// String renders the figure as published; "–" when it does not exist.
func (p Published) String() string {
	switch {
	case p.Count != nil:
		return p.Count.String()
	case p.Stat != nil:
		return p.Stat.String()
	}
	return "–"
}

// MarshalJSON writes the count or statistic, or null.
func (p Published) MarshalJSON() ([]byte, error) {
	switch {
	case p.Count != nil:
		return p.Count.MarshalJSON()
	case p.Stat != nil:
		return p.Stat.MarshalJSON()
	}
	return []byte("null"), nil
}

// Headline is a figure of the summary, one value per year of the report.
type Headline struct {
	Key    string      `json:"key"`
	Label  string      `json:"label"`
	Kind   string      `json:"kind"` // count, percent or days
	Values []Published `json:"values"`
}

// Recommendations are the committee's recommendations as the report shows
// them: the adopted version, or else the latest draft.
type Recommendations struct {
	Year      int        `json:"year"`
	Status    string     `json:"status"` // adopted, draft or none
	Version   int        `json:"version,omitempty"`
	Text      string     `json:"text,omitempty"`
	SavedAt   *time.Time `json:"saved_at,omitempty"`
	AdoptedAt *time.Time `json:"adopted_at,omitempty"`
}

// Disclosure states the rule every figure went through, for the legend.
type Disclosure struct {
	MinCount   int      `json:"min_count"`
	SmallMark  string   `json:"small_mark"`
	HiddenMark string   `json:"hidden_mark"`
	Rule       []string `json:"rule"`
}

// The populations a figure can count.
const (
	basisFiled       = "Klachten naar jaar van indiening"
	basisAdvised     = "Adviezen naar jaar van het advies"
	basisDecided     = "Beslissingen naar jaar van de beslissing"
	basisYearEnd     = "Stand op 31 december"
	basisSignals     = "Meldingen naar jaar van melding"
	basisAbuse       = "Als misbruik aangemerkte meldingen naar jaar van melding"
	basisRetaliation = "Meldingen van benadeling naar jaar van melding"
)

// unknownMinistry is the row of signals whose reporter named no ministry.
const unknownMinistry = "unknown"

// throughputQuery is the histogram behind the throughput statistic.
const throughputQuery = "throughput_days"

type figureDef struct {
	key, title, basis, unit string
	cols                    []string // always shown, in this order
	optional                []string // shown when some year has them
	signals                 bool     // rows include unknownMinistry
	yearEnd                 bool     // a stock on 31 December: only for years that have ended
}

// figureDefs are the report's tables, in the order they are published.
// Each key is also the name of its query in sql/.
var figureDefs = []figureDef{
	{key: "complaints_by_category", title: "Klachten naar categorie", basis: basisFiled, unit: "klachten",
		cols: cases.Categories},
	{key: "complaints_by_ground", title: "Discriminatieklachten naar discriminatiegrond", basis: basisFiled, unit: "klachten",
		cols: cases.Grounds, optional: []string{"not_recorded"}},
	{key: "admissibility", title: "Ontvankelijkheid", basis: basisFiled, unit: "klachten",
		cols: []string{"admissible", "inadmissible", "undetermined"}},
	{key: "inadmissible_by_ground", title: "Niet-ontvankelijke klachten naar grond", basis: basisFiled, unit: "klachten",
		cols: cases.InadmissibleGrounds, optional: []string{"not_recorded"}},
	{key: "course", title: "Afloop van de klachten (ingetrokken, informeel opgelost, ...)", basis: basisFiled, unit: "klachten",
		cols: []string{"inadmissible", "withdrawn", "resolved_informally", "advised", "decided", "in_progress"}},
	{key: "hearing_cases", title: "Klachten met en zonder hoorzitting", basis: basisFiled, unit: "klachten",
		cols: []string{"with_hearing", "without_hearing"}},
	{key: "hearings_held", title: "Hoorzittingen gehouden", basis: basisFiled, unit: "hoorzittingen",
		cols: []string{"hearings"}},
	{key: "judgements", title: "Oordeel van de commissie per klacht", basis: basisAdvised, unit: "klachten",
		cols: cases.Judgements, optional: []string{"not_recorded"}},
	{key: "judgement_elements", title: "Oordeel per klachtonderdeel", basis: basisAdvised, unit: "klachtonderdelen",
		cols: cases.Judgements},
	{key: "advice_followed", title: "Advies gevolgd of afgeweken door het bevoegd gezag", basis: basisDecided, unit: "beslissingen",
		cols: []string{"followed", "departed"}, optional: []string{"not_recorded"}},
	{key: "statutory_term", title: "Beslist binnen de wettelijke termijn", basis: basisDecided, unit: "beslissingen",
		cols: []string{"within_term", "late"}},
	{key: "extensions", title: "Verlenging van de termijn", basis: basisDecided, unit: "beslissingen",
		cols: []string{"extended", "not_extended"}},
	{key: "open_at_year_end", title: "Openstaande klachten op 31 december", basis: basisYearEnd, unit: "klachten",
		cols: []string{"within_term", "overdue"}, yearEnd: true},
	{key: "signals_by_category", title: "Meldingen naar categorie", basis: basisSignals, unit: "meldingen",
		cols: cases.Categories, signals: true},
	// Signals the committee marked as abuse: out of the count above, shown
	// apart and protected like every other table (issue 14).
	{key: "signals_abuse", title: "Meldingen aangemerkt als misbruik (niet meegeteld)", basis: basisAbuse, unit: "meldingen",
		cols: []string{"abuse"}, signals: true},
	{key: "retaliation_reports", title: "Meldingen van benadeling naar melder", basis: basisRetaliation, unit: "meldingen",
		cols: []string{"complainant", "respondent", "witness"}},
}

// dutchLabels are the Dutch names of the column keys, per figure where they
// differ between figures.
var dutchLabels = map[string]string{
	"sexual_harassment": "Seksuele intimidatie", "aggression_violence": "Agressie en geweld", "bullying": "Pesten",
	"discrimination": "Discriminatie", "other": "Overig",
	"race": "Ras", "religion": "Godsdienst", "belief": "Levensovertuiging", "political_opinion": "Politieke gezindheid",
	"sex": "Geslacht", "nationality": "Nationaliteit", "sexual_orientation": "Seksuele gerichtheid",
	"disability": "Handicap", "chronic_illness": "Chronische ziekte", "age": "Leeftijd", "civil_status": "Burgerlijke staat",
	"not_recorded": "Niet vastgelegd",
	"admissible":   "Ontvankelijk", "inadmissible": "Niet-ontvankelijk", "undetermined": "Nog niet beoordeeld",
	"already_handled": "Eerder behandeld", "too_late": "Te laat ingediend", "objection_or_appeal": "Bezwaar of beroep",
	"before_court": "Bij de rechter", "criminal_investigation": "Strafrechtelijk onderzoek",
	"insufficient_interest": "Onvoldoende belang", "not_undesirable_behaviour": "Geen ongewenst gedrag",
	"incomplete": "Onvolledig",
	"withdrawn":  "Ingetrokken", "resolved_informally": "Informeel opgelost", "advised": "Advies, beslissing volgt",
	"decided": "Beslist", "in_progress": "In behandeling",
	"with_hearing": "Met hoorzitting", "without_hearing": "Zonder hoorzitting", "hearings": "Hoorzittingen",
	"founded": "Gegrond", "partly_founded": "Deels gegrond", "unfounded": "Ongegrond",
	"followed": "Gevolgd", "departed": "Afgeweken",
	"within_term": "Binnen termijn", "late": "Na termijn",
	"extended": "Verlengd", "not_extended": "Niet verlengd",
	"open_at_year_end/within_term": "Open, binnen termijn", "open_at_year_end/overdue": "Open, termijn verstreken",
	"median": "Mediaan", "p90": "90e percentiel", "percent": "Binnen termijn (%)",
	"total": "Totaal", "all": "Alle ministeries", unknownMinistry: "Niet opgegeven", CombinedRow: "Overige ministeries",
	"retaliation_reports/complainant": "Klager", "retaliation_reports/respondent": "Verweerder",
	"retaliation_reports/witness": "Getuige", "abuse": "Misbruik",
}

func label(figure, key string) string {
	if l, ok := dutchLabels[figure+"/"+key]; ok {
		return l
	}
	if l, ok := dutchLabels[key]; ok {
		return l
	}
	return key
}

// counts are the rows of a figure query: year → ministry → category → value.
type counts map[int]map[string]map[string]int

func (c counts) add(year int, ministry, category string, v int) {
	if c[year] == nil {
		c[year] = map[string]map[string]int{}
	}
	if c[year][ministry] == nil {
		c[year][ministry] = map[string]int{}
	}
	c[year][ministry][category] += v
}

// Build computes the annual report of year from the statistical record:
// every figure of the year beside the same figure of each earlier year
// since the first with data, suppressed by the disclosure rule, and the
// year's recommendations (the adopted version, else the latest draft).
// The caller checks the year and the caller's right to read reports.
func Build(ctx context.Context, db *gorm.DB, year int) (*Report, error) {
	return build(ctx, db, year, time.Now())
}

func build(ctx context.Context, db *gorm.DB, year int, now time.Time) (*Report, error) {
	db = db.WithContext(ctx)
	var first sql.NullInt64
	if err := db.Raw(statements.Get("first_year")).Scan(&first).Error; err != nil {
		return nil, fmt.Errorf("reporting: first year: %w", err)
	}
	from := year
	if first.Valid && int(first.Int64) < year {
		from = int(first.Int64)
	}
	r := &Report{Year: year, GeneratedAt: now.UTC(), Provisional: year >= now.Year(), Disclosure: disclosureNote()}
	for y := from; y <= year; y++ {
		r.Years = append(r.Years, y)
	}
	if err := db.Raw(statements.Get("ministries")).Scan(&r.Ministries).Error; err != nil {
		return nil, fmt.Errorf("reporting: ministries: %w", err)
	}

	// The queries are small (they read running totals); a few run at once.
	data := make([]counts, len(figureDefs)+1)
	errs := make([]error, len(figureDefs)+1)
	names := make([]string, 0, len(figureDefs)+1)
	for _, f := range figureDefs {
		names = append(names, f.key)
	}
	names = append(names, throughputQuery)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 3)
	for k, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			data[k], errs[k] = load(db, name, from, year)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("reporting: %w", err)
	}

	rows := ministryRows(r.Ministries, data[:len(figureDefs)], figureDefs)
	for _, code := range rows[len(r.Ministries):] {
		r.Ministries = append(r.Ministries, Ministry{Code: code, Name: code})
	}
	signalRows := append(slices.Clone(rows), unknownMinistry)

	// One table per figure and year, then the links between them.
	r.Figures = make([]Figure, len(figureDefs))
	for k, f := range figureDefs {
		cols := columns(f, data[k])
		fig := Figure{Key: f.key, Title: f.title, Basis: f.basis, Unit: f.unit}
		for _, c := range cols {
			fig.Columns = append(fig.Columns, Label{Key: c, Label: label(f.key, c)})
		}
		rs := rows
		if f.signals {
			rs = signalRows
		}
		for _, y := range r.Years {
			fy := FigureYear{Year: y}
			if f.yearEnd && y >= now.Year() {
				fy.Note = "Bekend na afloop van het jaar."
			} else {
				t, err := rawTable(rs, cols, data[k][y])
				if err != nil {
					return nil, fmt.Errorf("reporting: %s %d: %w", f.key, y, err)
				}
				fy.Table = t
			}
			fig.Years = append(fig.Years, fy)
		}
		r.Figures[k] = fig
	}
	for i := range r.Years {
		protectYear(r, i)
	}
	r.Statistics = statistics(r, data[len(figureDefs)], rows)
	r.Summary = summarize(r)

	rec, err := loadRecommendations(ctx, db, year)
	if err != nil {
		return nil, err
	}
	r.Recommendations = rec.shown()
	return r, nil
}

// load runs one figure query for the years from..to.
func load(db *gorm.DB, name string, from, to int) (counts, error) {
	rs, err := db.Raw(statements.Get(name), from, to).Rows()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rs.Close()
	c := counts{}
	for rs.Next() {
		var (
			y       int
			mc, cat string
			v       int64
		)
		if err := rs.Scan(&y, &mc, &cat, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if v < 0 || v > math.MaxInt32 {
			return nil, fmt.Errorf("%s: count %d out of range for %d/%s/%s; run SELECT report_rebuild()", name, v, y, mc, cat)
		}
		if mc == "" {
			mc = unknownMinistry
		}
		c.add(y, mc, cat, int(v))
	}
	return c, rs.Err()
}

// ministryRows returns the rows of the case tables: every ministry of the
// reference table, then any other code found in the data (a ministry that
// has since been renamed or merged keeps its own row), sorted.
func ministryRows(ms []Ministry, data []counts, defs []figureDef) []string {
	var rows []string
	known := map[string]bool{}
	for _, m := range ms {
		rows = append(rows, m.Code)
		known[m.Code] = true
	}
	var extra []string
	for k, c := range data {
		for _, byMin := range c {
			for mc := range byMin {
				if !known[mc] && !(defs[k].signals && mc == unknownMinistry) {
					known[mc] = true
					extra = append(extra, mc)
				}
			}
		}
	}
	sort.Strings(extra)
	return append(rows, extra...)
}

// columns returns the figure's columns: the fixed ones, the optional ones
// that occur in some year, and any other value found, sorted.
func columns(f figureDef, c counts) []string {
	found := map[string]bool{}
	for _, byMin := range c {
		for _, byCat := range byMin {
			for cat, v := range byCat {
				if v != 0 {
					found[cat] = true
				}
			}
		}
	}
	cols := slices.Clone(f.cols)
	for _, o := range f.optional {
		if found[o] {
			cols = append(cols, o)
		}
	}
	var extra []string
	for cat := range found {
		if !slices.Contains(cols, cat) && !slices.Contains(f.optional, cat) {
			extra = append(extra, cat)
		}
	}
	sort.Strings(extra)
	return append(cols, extra...)
}

// rawTable lays out one year's counts; it is suppressed later, with its links.
func rawTable(rows, cols []string, c map[string]map[string]int) (*Table, error) {
	t := &Table{Rows: slices.Clone(rows), Cols: slices.Clone(cols), Cells: make([][]Cell, len(rows))}
	for i, row := range rows {
		t.Cells[i] = make([]Cell, len(cols))
		for j, col := range cols {
			v := c[row][col]
			if v < 0 {
				return nil, fmt.Errorf("negative count")
			}
			t.Cells[i][j] = Cell{Value: v}
		}
	}
	return t, nil
}

// yearLinks returns the tables of year index i and the links between them:
// the figures they share are hidden in all of them or in none.
func yearLinks(r *Report, i int) ([]*Table, []implication) {
	tab := map[string]*Table{}
	var tables []*Table
	for _, f := range r.Figures {
		if t := f.Years[i].Table; t != nil {
			tab[f.Key] = t
			tables = append(tables, t)
		}
	}
	var links []implication
	// rowIn is the row of b for row i of a, matched by code, the column
	// totals to the column totals; -1 when b has no such row (it combined
	// it, combine.go, and then publishes no figure of that row alone).
	rowIn := func(a, b *Table, i int) int {
		if i == len(a.Rows) {
			return len(b.Rows)
		}
		return slices.Index(b.Rows, a.Rows[i])
	}
	// sameMargins links the row totals and grand totals of tables that
	// count the same population.
	sameMargins := func(keys ...string) {
		for _, k := range keys[1:] {
			a, b := tab[keys[0]], tab[k]
			if a == nil || b == nil {
				continue
			}
			for row := 0; row <= len(a.Rows); row++ {
				if rb := rowIn(a, b, row); rb >= 0 {
					links = append(links, same(ref{a, row, len(a.Cols)}, ref{b, rb, len(b.Cols)})...)
				}
			}
		}
	}
	// sameColumn links column col of table a to the row totals of b (when
	// colB < 0) or to column colB of b, row by row, totals included.
	sameColumn := func(ka, col, kb, colB string) {
		a, b := tab[ka], tab[kb]
		if a == nil || b == nil {
			return
		}
		ja := slices.Index(a.Cols, col)
		jb := len(b.Cols)
		if colB != "" {
			jb = slices.Index(b.Cols, colB)
		}
		if ja < 0 || jb < 0 {
			return
		}
		for row := 0; row <= len(a.Rows); row++ {
			if rb := rowIn(a, b, row); rb >= 0 {
				links = append(links, same(ref{a, row, ja}, ref{b, rb, jb})...)
			}
		}
	}
	// Complaints filed in the year.
	sameMargins("complaints_by_category", "admissibility", "course", "hearing_cases")
	sameColumn("complaints_by_category", "discrimination", "complaints_by_ground", "")
	sameColumn("admissibility", "inadmissible", "inadmissible_by_ground", "")
	sameColumn("admissibility", "inadmissible", "course", "inadmissible")
	sameColumn("hearing_cases", "with_hearing", "hearings_held", "hearings")
	// Advices: a ministry whose number of advices is hidden shows no
	// breakdown of its complaint elements either (elements are not people,
	// but their split would describe the few cases behind them).
	if a, e := tab["judgements"], tab["judgement_elements"]; a != nil && e != nil {
		for row := 0; row <= len(a.Rows); row++ {
			re := rowIn(a, e, row)
			for j := 0; re >= 0 && j <= len(e.Cols); j++ {
				links = append(links, implication{from: ref{a, row, len(a.Cols)}, to: ref{e, re, j}, breakdown: true})
			}
		}
	}
	// Decisions taken in the year.
	sameMargins("statutory_term", "advice_followed", "extensions")
	return tables, links
}

// statistics computes the medians, percentiles and shares, each through
// the disclosure rule.
func statistics(r *Report, hist counts, rows []string) []Statistic {
	tp := Statistic{Key: "throughput_days", Title: "Doorlooptijd van ontvangst tot beslissing", Basis: basisDecided,
		Unit: "dagen", Columns: []Label{{"median", label("", "median")}, {"p90", label("", "p90")}}}
	wt := Statistic{Key: "within_term_share", Title: "Aandeel beslist binnen de wettelijke termijn", Basis: basisDecided,
		Unit: "procent", Columns: []Label{{"percent", label("", "percent")}}}
	term := figureByKey(r, "statutory_term")
	for i, y := range r.Years {
		sy := StatYear{Year: y, Rows: slices.Clone(rows)}
		var all []float64
		for _, row := range rows {
			vs := expand(hist[y][row])
			all = append(all, vs...)
			sy.Values = append(sy.Values, medianP90(vs))
		}
		slices.Sort(all)
		sy.All = medianP90(all)
		tp.Years = append(tp.Years, sy)

		wy := StatYear{Year: y, Rows: slices.Clone(rows)}
		t := term.Years[i].Table
		within := slices.Index(t.Cols, "within_term")
		for _, row := range rows {
			// A ministry in the combined row has no share of its own.
			k := slices.Index(t.Rows, row)
			if k < 0 {
				wy.Values = append(wy.Values, []Value{{}})
				continue
			}
			wy.Values = append(wy.Values, []Value{share(ShareOf(t.Cells[k][within], t.RowTotals[k]))})
		}
		wy.All = []Value{share(ShareOf(t.ColTotals[within], t.Total))}
		wt.Years = append(wt.Years, wy)
	}
	return []Statistic{tp, wt}
}

func share(pct float64, shown bool) Value {
	return Value{V: math.Round(pct*10) / 10, Shown: shown}
}

func medianP90(vs []float64) []Value {
	m, okM := Median(vs)
	p, okP := Percentile(vs, 90)
	return []Value{{V: m, Shown: okM}, {V: p, Shown: okP}}
}

// expand turns a histogram (days → number of decisions) into the values,
// in ascending order, for Median and Percentile.
func expand(h map[string]int) []float64 {
	type bin struct{ d, n int }
	var bins []bin
	total := 0
	for k, n := range h {
		d, err := strconv.Atoi(k)
		if err != nil || n <= 0 {
			continue
		}
		bins = append(bins, bin{d, n})
		total += n
	}
	slices.SortFunc(bins, func(a, b bin) int { return a.d - b.d })
	out := make([]float64, 0, total)
	for _, b := range bins {
		for range b.n {
			out = append(out, float64(b.d))
		}
	}
	return out
}

func figureByKey(r *Report, key string) *Figure {
	for i := range r.Figures {
		if r.Figures[i].Key == key {
			return &r.Figures[i]
		}
	}
	return nil
}

func statByKey(r *Report, key string) *Statistic {
	for i := range r.Statistics {
		if r.Statistics[i].Key == key {
			return &r.Statistics[i]
		}
	}
	return nil
}

// headlineDefs are the summary's counts: a figure's grand total (col "")
// or column total; for a report narrowed to one ministry, its row.
var headlineDefs = []struct{ key, label, figure, col string }{
	{"complaints", "Klachten ontvangen", "complaints_by_category", ""},
	{"signals", "Meldingen ontvangen", "signals_by_category", ""},
	{"signals_abuse", "Meldingen aangemerkt als misbruik", "signals_abuse", ""},
	{"admissible", "Ontvankelijk", "admissibility", "admissible"},
	{"inadmissible", "Niet-ontvankelijk", "admissibility", "inadmissible"},
	{"withdrawn", "Ingetrokken", "course", "withdrawn"},
	{"resolved_informally", "Informeel opgelost", "course", "resolved_informally"},
	{"hearings", "Hoorzittingen gehouden", "hearings_held", ""},
	{"advices", "Adviezen uitgebracht", "judgements", ""},
	{"founded", "Gegrond", "judgements", "founded"},
	{"partly_founded", "Deels gegrond", "judgements", "partly_founded"},
	{"unfounded", "Ongegrond", "judgements", "unfounded"},
	{"decisions", "Beslissingen", "statutory_term", ""},
	{"advice_followed", "Advies gevolgd", "advice_followed", "followed"},
	{"advice_departed", "Afgeweken van advies", "advice_followed", "departed"},
	{"extended", "Termijn verlengd", "extensions", "extended"},
	{"overdue", "Open na de termijn op 31 december", "open_at_year_end", "overdue"},
	{"retaliation", "Meldingen van benadeling", "retaliation_reports", ""},
}

// summarize picks the headline figures from the report's own (already
// suppressed) tables, so the summary can never show more than the tables.
func summarize(r *Report) []Headline {
	var out []Headline
	for _, h := range headlineDefs {
		f := figureByKey(r, h.figure)
		hl := Headline{Key: h.key, Label: h.label, Kind: "count"}
		for _, fy := range f.Years {
			hl.Values = append(hl.Values, pick(fy.Table, r.Ministry != "", h.col))
		}
		out = append(out, hl)
	}
	for _, s := range []struct{ key, label, stat, kind string }{
		{"within_term_share", "Beslist binnen de termijn (%)", "within_term_share/percent", "percent"},
		{"throughput_median", "Doorlooptijd, mediaan (dagen)", "throughput_days/median", "days"},
		{"throughput_p90", "Doorlooptijd, 90e percentiel (dagen)", "throughput_days/p90", "days"},
	} {
		hl := Headline{Key: s.key, Label: s.label, Kind: s.kind}
		key, col, _ := strings.Cut(s.stat, "/")
		st := statByKey(r, key)
		j := slices.IndexFunc(st.Columns, func(l Label) bool { return l.Key == col })
		for _, sy := range st.Years {
			v := sy.All[j]
			if r.Ministry != "" && len(sy.Values) == 1 {
				v = sy.Values[0][j]
			}
			hl.Values = append(hl.Values, Published{Stat: &v})
		}
		out = append(out, hl)
	}
	return out
}

// pick returns a published total of t: the grand total or a column total,
// or for a one-row (narrowed) table that row's total or cell.
func pick(t *Table, oneRow bool, col string) Published {
	if t == nil {
		return Published{}
	}
	j := len(t.Cols)
	if col != "" {
		j = slices.Index(t.Cols, col)
		if j < 0 {
			return Published{}
		}
	}
	i := len(t.Rows)
	if oneRow && len(t.Rows) == 1 {
		i = 0
	}
	c := *ref{t, i, j}.cell()
	return Published{Count: &c}
}

// ErrUnknownMinistry is returned by For for a code that is not a row of
// the report.
var ErrUnknownMinistry = errors.New("unknown ministry")

// For returns the report narrowed to one ministry: that ministry's row of
// every table and statistic, with the all-ministry totals kept, and a
// summary of that row. The rows are taken from the tables suppressed for
// all ministries, so the narrowed report shows nothing the full one hides.
func (r *Report) For(ministry string) (*Report, error) {
	k := slices.IndexFunc(r.Ministries, func(m Ministry) bool { return m.Code == ministry })
	if k < 0 || r.Ministry != "" {
		return nil, ErrUnknownMinistry
	}
	out := *r
	out.Ministry = ministry
	out.Ministries = []Ministry{r.Ministries[k]}
	out.Figures = make([]Figure, len(r.Figures))
	for fi, f := range r.Figures {
		nf := f
		nf.Years = make([]FigureYear, len(f.Years))
		for yi, fy := range f.Years {
			nf.Years[yi] = fy
			if fy.Table == nil {
				continue
			}
			t := *fy.Table
			i := rowIndex(t.Rows, t.Combined, ministry)
			if i < 0 {
				return nil, ErrUnknownMinistry
			}
			t.Rows = []string{t.Rows[i]}
			t.Cells = [][]Cell{t.Cells[i]}
			t.RowTotals = []Cell{t.RowTotals[i]}
			nf.Years[yi].Table = &t
		}
		out.Figures[fi] = nf
	}
	out.Statistics = make([]Statistic, len(r.Statistics))
	for si, s := range r.Statistics {
		ns := s
		ns.Years = make([]StatYear, len(s.Years))
		for yi, sy := range s.Years {
			i := slices.Index(sy.Rows, ministry)
			if i < 0 {
				return nil, ErrUnknownMinistry
			}
			ns.Years[yi] = StatYear{Year: sy.Year, Rows: []string{ministry}, Values: [][]Value{sy.Values[i]}, All: sy.All}
		}
		out.Statistics[si] = ns
	}
	out.Summary = summarize(&out)
	return &out, nil
}

// disclosureNote explains the rule in the words the report's legend uses.
func disclosureNote() Disclosure {
	return Disclosure{MinCount: MinCount, SmallMark: SmallMark, HiddenMark: HiddenMark, Rule: []string{
		"Alle cijfers komen uit het anonieme statistische register van de commissie; er staan geen namen of omschrijvingen in. Zaken die na de bewaartermijn zijn vernietigd, tellen nog mee.",
		fmt.Sprintf("Een aantal van 1 tot en met %d wordt getoond als %q. Een 0 wordt getoond als 0.", MinCount-1, SmallMark),
		fmt.Sprintf("Waar een verborgen aantal uit de totalen terug te rekenen zou zijn, worden ook andere cijfers verborgen (secundaire onderdrukking), zo gekozen dat zo weinig mogelijk verloren gaat. Zo'n cijfer is %d of meer en wordt getoond als %q, het teken dat het CBS gebruikt voor geheime cijfers.", MinCount, HiddenMark),
		fmt.Sprintf("Valt een kleine groep (een rij of kolom met totaal %s) helemaal in één categorie terwijl andere categorieën niet leeg zijn, dan zouden de nullen verraden dat iedereen in die groep dat kenmerk heeft. De uitsplitsing van zo'n kleine groep wordt daarom getoond als %q (0 tot en met %d), ook de nullen, behalve in een categorie die in de hele tabel leeg is; het totaal blijft %s.", SmallMark, HiddenMark, MinCount-1, SmallMark),
		fmt.Sprintf("Is het aantal adviezen van een ministerie verborgen, dan zijn ook de klachtonderdelen van die adviezen verborgen (%q).", HiddenMark),
		fmt.Sprintf("Het totaal van een tabel wordt nooit verborgen als het %d of meer is. Zijn kleine ministeries alleen zo te beschermen, dan staan ze samen in de rij \"Overige ministeries\" (welke, staat bij de tabel).", MinCount),
		"Totalen zijn altijd de werkelijke som; ze worden niet afgerond of verschoven.",
		fmt.Sprintf("Percentages, medianen en percentielen worden alleen getoond voor groepen van %d of meer, en een percentage niet als het een verborgen aantal zou verraden; anders staat er %q.", MinCount, HiddenMark),
		"Cijfers die in meer dan een tabel voorkomen (zoals het aantal klachten per ministerie) zijn overal getoond of overal verborgen. Een overzicht per ministerie neemt de rij van dat ministerie uit dezelfde tabellen, zodat het niets toont wat het overzicht van alle ministeries verbergt.",
	}}
}
