package reporting

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/platform/db"
)

// ErrRealData is returned by SeedSynthetic when the database holds cases
// or statistical records already and force was not given.
var ErrRealData = errors.New("the database holds cases or statistical records; synthetic data would mix with real figures (use --force only on a database meant for trying)")

// SeedResult says what SeedSynthetic wrote.
type SeedResult struct {
	Cases     int `json:"cases"`
	Signals   int `json:"signals"`
	FirstYear int `json:"first_year"`
	LastYear  int `json:"last_year"`
}

// SeedSynthetic fills the statistical record (case_stats and signal_stats)
// with n synthetic cases and 2n/5 signals spread over the given number of
// calendar years up to today, for the benchmark and for trying the report.
// It writes only the anonymous tables, never cases, so nothing it makes can
// be opened as a case.
//
// It refuses (ErrRealData) when the cases table holds any case, or when the
// statistical tables hold any record (they may be the only trace of real,
// purged cases), unless force is true. The population is drawn from a fixed
// seed, so the same n and years give the same figures on the same day.
//
// Rows go in through one COPY per table; the statement triggers of
// migration 4 add them to the report's running totals in one pass. The
// tables are analysed afterwards.
func SeedSynthetic(ctx context.Context, db *gorm.DB, n, years int, force bool) (SeedResult, error) {
	if n < 0 || years < 1 || years > 100 {
		return SeedResult{}, errors.New("seed: want --cases >= 0 and --years from 1 to 100")
	}
	if !force {
		var used bool
		if err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM cases) OR EXISTS (SELECT 1 FROM case_stats)
			OR EXISTS (SELECT 1 FROM signal_stats)`).Scan(&used).Error; err != nil {
			return SeedResult{}, err
		}
		if used {
			return SeedResult{}, ErrRealData
		}
	}
	var codes []string
	if err := db.WithContext(ctx).Raw(`SELECT code FROM ministries ORDER BY code`).Scan(&codes).Error; err != nil {
		return SeedResult{}, err
	}
	if len(codes) == 0 {
		return SeedResult{}, errors.New("seed: the ministries table is empty")
	}
	today := dateOnly(time.Now())
	first := today.Year() - years + 1
	res := SeedResult{Cases: n, Signals: n * 2 / 5, FirstYear: first, LastYear: today.Year()}
	sqlDB, err := db.DB()
	if err != nil {
		return res, err
	}
	// The cases go in as two COPYs of consecutive halves, beside the
	// signals, on three connections: generating and encoding rows in Go and
	// storing them in PostgreSQL then share the machine's cores.
	half := res.Cases / 2
	parts := []struct {
		table string
		cols  []string
		n     int
		row   func() []any
	}{
		{"case_stats", caseStatsColumns, half, seedPart(codes, today, first, res.Cases, 0, half, uint64(n), true)},
		{"case_stats", caseStatsColumns, res.Cases - half, seedPart(codes, today, first, res.Cases, half, res.Cases-half, uint64(n)+1, true)},
		{"signal_stats", []string{"id", "ministry", "category", "filed_on"}, res.Signals,
			seedPart(codes, today, first, res.Signals, 0, res.Signals, uint64(n)+2, false)},
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for k, p := range parts {
		wg.Go(func() { errs[k] = copyRows(ctx, sqlDB, p.table, p.cols, p.n, p.row) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	// Each parallel COPY appended its own totals; fold them.
	if _, err := Compact(ctx, db); err != nil {
		return res, fmt.Errorf("seed: compact: %w", err)
	}
	// Fresh statistics for the planner. A role that does not own the
	// tables gets a warning, not an error, and the autovacuum does it later.
	for _, t := range []string{"case_stats", "signal_stats", "report_filed", "report_advised", "report_decided", "report_open", "report_signals"} {
		if err := db.WithContext(ctx).Exec(`ANALYZE ` + t).Error; err != nil {
			return res, fmt.Errorf("seed: analyze %s: %w", t, err)
		}
	}
	return res, nil
}

// seedPart returns a row maker for the rows from skip to skip+n of a
// population of total rows (cases, or signals when cases is false): their
// filing dates continue where the previous part stopped, and their ids
// start after its ids, so every part appends to the indexes in order.
func seedPart(codes []string, today time.Time, first, total, skip, n int, seed uint64, cases bool) func() []any {
	g := newGenerator(codes, today, seed)
	g.seq = uint64(skip)
	dates := newDateStream(first, today, total)
	for range skip {
		dates.next()
	}
	if cases {
		return func() []any { return g.caseRow(dates.next()) }
	}
	return func() []any { return g.signalRow(dates.next()) }
}

// copyRows writes n rows made by row into table with one COPY, on a
// connection of its own.
func copyRows(ctx context.Context, sqlDB *sql.DB, table string, cols []string, n int, row func() []any) error {
	return db.WithPgxConn(ctx, sqlDB, func(conn *pgx.Conn) error {
		// The triggers of migration 4 see the whole COPY as one transition
		// table; with room for it in memory they need not spill it to disk.
		if _, err := conn.Exec(ctx, `SET work_mem = '256MB'`); err != nil {
			return err
		}
		defer conn.Exec(context.WithoutCancel(ctx), `RESET work_mem`)
		i := 0
		_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(), nil
		}))
		if err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
		return nil
	})
}

var caseStatsColumns = []string{"id", "ministry", "respondent_ministry", "category", "ground", "filed_on",
	"received_on", "due_on", "extended", "state", "admissible", "inadmissible_ground", "withdrawn",
	"resolved_informally", "judgement", "elements_founded", "elements_partly", "elements_unfounded",
	"follows_advice", "advised_on", "decided_on", "closed_on", "hearings_held", "purged_on"}

// weighted picks from a fixed list with fixed weights.
type weighted struct {
	items []string
	cum   []float64
}

func newWeighted(items []string, weight func(string) float64) weighted {
	w := weighted{items: items, cum: make([]float64, len(items))}
	sum := 0.0
	for i, it := range items {
		sum += weight(it)
		w.cum[i] = sum
	}
	for i := range w.cum {
		w.cum[i] /= sum
	}
	return w
}

func (w weighted) pick(r *rand.Rand) string {
	u := r.Float64()
	for i, c := range w.cum {
		if u < c {
			return w.items[i]
		}
	}
	return w.items[len(w.items)-1]
}

func table(m map[string]float64, def float64) func(string) float64 {
	return func(s string) float64 {
		if v, ok := m[s]; ok {
			return v
		}
		return def
	}
}

// generator draws the synthetic population. The shares are rough
// guesses at a committee's workload, chosen so that every figure of the
// report has something to show: about 15% inadmissible, a few percent
// withdrawn, a tenth resolved informally, durations around the ten-week
// term with some over it, about one in eight extended, and the authority
// following the advice in nine cases out of ten.
type generator struct {
	r          *rand.Rand
	today      time.Time
	seq        uint64
	ministries weighted
	categories weighted
	grounds    weighted
	inadm      weighted
	sigMin     weighted
}

func newGenerator(codes []string, today time.Time, seed uint64) *generator {
	g := &generator{r: rand.New(rand.NewPCG(seed, 0x524b43)), today: today}
	// Roughly the size of each ministry's workforce.
	g.ministries = newWeighted(codes, table(map[string]float64{"DEF": 16, "JenV": 14, "FIN": 12, "IenW": 8,
		"BZK": 6, "SZW": 3, "VWS": 3, "EZ": 3, "BZ": 3, "AenM": 3, "OCW": 2.5, "LVVN": 3, "KGG": 1, "VRO": 0.8,
		"AZ": 0.4, "RCN": 0.3}, 1))
	g.categories = newWeighted(cases.Categories, table(map[string]float64{"bullying": 30, "aggression_violence": 18,
		"sexual_harassment": 20, "discrimination": 22, "other": 10}, 1))
	g.grounds = newWeighted(cases.Grounds, table(map[string]float64{"race": 30, "religion": 8, "belief": 3,
		"political_opinion": 2, "sex": 20, "nationality": 6, "sexual_orientation": 9, "disability": 7,
		"chronic_illness": 5, "age": 7, "civil_status": 1, "other": 2}, 1))
	g.inadm = newWeighted(cases.InadmissibleGrounds, table(map[string]float64{"already_handled": 8, "too_late": 25,
		"objection_or_appeal": 4, "before_court": 5, "criminal_investigation": 3, "insufficient_interest": 5,
		"not_undesirable_behaviour": 35, "incomplete": 15}, 1))
	g.sigMin = g.ministries
	return g
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateStream hands out filing dates in ascending order: n dates spread
// over the days from the first year to today, a day of a later year
// weighing more (growth). Rows then arrive in the order of filed_on and of
// their ids, so the indexes grow at their right edge instead of at random
// places, which makes a large seed several times faster.
type dateStream struct {
	day  time.Time
	left []int // dates still to hand out per day, from day on
}

func newDateStream(firstYear int, today time.Time, n int) *dateStream {
	start := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	var weights []float64
	sum := 0.0
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		yearDays := time.Date(d.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(d.Year(), 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24
		w := math.Pow(1.06, float64(d.Year()-firstYear)) / yearDays
		weights = append(weights, w)
		sum += w
	}
	// Largest remainder: the whole shares first, then one more for the
	// days with the largest fractions, earliest first among equals.
	counts := make([]int, len(weights))
	type frac struct {
		day int
		f   float64
	}
	fracs := make([]frac, len(weights))
	given := 0
	for i, w := range weights {
		e := float64(n) * w / sum
		counts[i] = int(e)
		given += counts[i]
		fracs[i] = frac{i, e - float64(counts[i])}
	}
	slices.SortStableFunc(fracs, func(a, b frac) int { return cmp.Compare(b.f, a.f) })
	for k := 0; given < n; k++ {
		counts[fracs[k%len(fracs)].day]++
		given++
	}
	return &dateStream{day: start, left: counts}
}

// next returns the next filing date; call it at most n times.
func (s *dateStream) next() time.Time {
	for s.left[0] == 0 {
		s.left = s.left[1:]
		s.day = s.day.AddDate(0, 0, 1)
	}
	s.left[0]--
	return s.day
}

// uuid returns ids in ascending order, laid out like UUIDv7: a 48-bit
// counter, then random bits. Synthetic records need no unlinkable ids, and
// ordered ones keep the primary key's inserts at its right edge.
func (g *generator) uuid() pgtype.UUID {
	g.seq++
	var u pgtype.UUID
	a, b := g.r.Uint64(), g.r.Uint64()
	for i := range 6 {
		u.Bytes[i] = byte(g.seq >> (8 * (5 - i)))
	}
	u.Bytes[6], u.Bytes[7] = byte(a), byte(a>>8)
	for i := range 8 {
		u.Bytes[8+i] = byte(b >> (8 * i))
	}
	u.Bytes[6] = u.Bytes[6]&0x0f | 0x70 // version 7
	u.Bytes[8] = u.Bytes[8]&0x3f | 0x80 // RFC 9562 variant
	u.Valid = true
	return u
}

// days returns d plus lo to hi days.
func (g *generator) days(d time.Time, lo, hi int) time.Time {
	return d.AddDate(0, 0, lo+g.r.IntN(hi-lo+1))
}

// weekday moves a date on a weekend to the next Monday, as the
// Algemene termijnenwet does with a term's last day.
func weekday(d time.Time) time.Time {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDate(0, 0, 2)
	case time.Sunday:
		return d.AddDate(0, 0, 1)
	}
	return d
}

// when returns d when it has happened by today, else nil.
func (g *generator) when(d time.Time) *time.Time {
	if d.After(g.today) {
		return nil
	}
	return &d
}

// caseRow draws the whole life of a case filed on filed, then cuts it off
// at today.
func (g *generator) caseRow(filed time.Time) []any {
	r := g.r
	ministry := g.ministries.pick(r)
	resp := ministry
	if r.Float64() < 0.1 {
		resp = g.ministries.pick(r)
	}
	cat := g.categories.pick(r)
	var ground *string
	if cat == "discrimination" && r.Float64() < 0.97 {
		s := g.grounds.pick(r)
		ground = &s
	}
	received := filed
	if r.Float64() < 0.2 {
		received = g.days(filed, -6, -1)
	}
	due := weekday(received.AddDate(0, 0, 70))

	var (
		admittedOn, withdrawnOn, resolvedOn, advisedOn, decidedOn, closedOn, extendedOn time.Time
		admissible, follows                                                             bool
		inadmGround, judgement                                                          string
		founded, partly, unfounded, hearings                                            int
	)
	never := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	admittedOn, withdrawnOn, resolvedOn, advisedOn, decidedOn, extendedOn = never, never, never, never, never, never
	switch u := r.Float64(); {
	case u < 0.02: // withdrawn before admissibility was decided
		withdrawnOn = g.days(received, 3, 30)
		closedOn = g.days(withdrawnOn, 0, 7)
	case u < 0.17: // inadmissible
		admittedOn = g.days(received, 7, 35)
		inadmGround = g.inadm.pick(r)
		closedOn = g.days(admittedOn, 1, 10)
	default:
		admissible = true
		admittedOn = g.days(received, 7, 28)
		switch v := r.Float64(); {
		case v < 0.07:
			withdrawnOn = g.days(admittedOn, 5, 40)
			closedOn = g.days(withdrawnOn, 0, 7)
		case v < 0.17:
			resolvedOn = g.days(admittedOn, 10, 50)
			if r.Float64() < 0.4 {
				hearings = 1
			}
			closedOn = g.days(resolvedOn, 0, 10)
		default:
			dur := int(58 + 14*r.NormFloat64())
			dur = max(25, min(dur, 160))
			if r.Float64() < 0.12 {
				extendedOn = due.AddDate(0, 0, -g.r.IntN(14)-1)
				due = weekday(due.AddDate(0, 0, 28))
				dur += 20 + r.IntN(16)
			}
			advisedOn = received.AddDate(0, 0, dur)
			decidedOn = g.days(advisedOn, 3, 21)
			closedOn = g.days(decidedOn, 1, 14)
			switch w := r.Float64(); {
			case w < 0.28:
				judgement = "founded"
				founded = 1 + r.IntN(3)
				follows = r.Float64() < 0.86
			case w < 0.58:
				judgement = "partly_founded"
				founded, partly, unfounded = r.IntN(2), 1+r.IntN(2), 1+r.IntN(3)
				follows = r.Float64() < 0.9
			default:
				judgement = "unfounded"
				unfounded = 1 + r.IntN(3)
				follows = r.Float64() < 0.95
			}
			switch h := r.Float64(); {
			case h < 0.05:
			case h < 0.8:
				hearings = 1
			case h < 0.97:
				hearings = 2
			default:
				hearings = 3
			}
		}
	}

	row := make([]any, len(caseStatsColumns))
	row[0], row[1], row[2], row[3], row[4], row[5] = g.uuid(), ministry, resp, cat, ground, filed
	state := "registered"
	// A few of the newest cases are not registered yet.
	if g.today.Sub(filed) < 3*24*time.Hour && r.Float64() < 0.5 {
		state = "submitted"
	} else {
		row[6], row[7] = received, due
	}
	row[8] = !extendedOn.After(g.today)
	if d := g.when(admittedOn); d != nil && state != "submitted" {
		row[10] = admissible
		state = "investigating"
		if !admissible {
			row[11], state = inadmGround, "inadmissible"
		}
	}
	row[12] = !withdrawnOn.After(g.today)
	row[13] = !resolvedOn.After(g.today)
	row[15], row[16], row[17], row[22] = 0, 0, 0, 0
	if row[12].(bool) {
		state = "withdrawn"
	}
	if row[13].(bool) {
		state, row[22] = "resolved_informally", hearings
	}
	if d := g.when(advisedOn); d != nil {
		state, row[14], row[19] = "advised", judgement, *d
		row[15], row[16], row[17], row[22] = founded, partly, unfounded, hearings
	}
	if d := g.when(decidedOn); d != nil {
		state, row[18], row[20] = "decided", follows, *d
	}
	switch state {
	case "withdrawn", "inadmissible", "resolved_informally", "decided":
	default:
		closedOn = never
	}
	if d := g.when(closedOn); d != nil {
		state, row[21] = "closed", *d
		// Retention: five years after closing (the default setting).
		if p := g.days(d.AddDate(5, 0, 0), 0, 30); !p.After(g.today) {
			row[23] = p
		}
	}
	row[9] = state
	return row
}

func (g *generator) signalRow(filed time.Time) []any {
	var ministry *string
	if g.r.Float64() < 0.75 {
		s := g.sigMin.pick(g.r)
		ministry = &s
	}
	return []any{g.uuid(), ministry, g.categories.pick(g.r), filed}
}
