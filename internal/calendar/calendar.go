// Package calendar is the statutory calendar of the Dutch terms
// (docs/design.md §3): which days are not working days (Algemene
// termijnenwet: the statutory holidays and the days designated by Royal
// Decree), and the Awb terms of a complaint counted on it. It is pure date
// arithmetic, with no case in it; when a case's terms are set, extended or
// delayed is internal/cases's.
package calendar

// Statutory deadlines (docs/design.md §3). Every date in this file is a
// calendar date held as midnight UTC, produced by DateOf. Terms are counted
// in whole Dutch calendar days, so once the instant of receipt has been
// turned into the date it had in Amsterdam, the arithmetic must no longer
// see clocks or daylight saving time; midnight UTC makes AddDate and day
// differences exact.

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	// Embedded so that minimal container images without /usr/share/zoneinfo
	// still compute the same dates as a developer's machine.
	_ "time/tzdata"
)

// Terms in days, from the Awb provisions that set them.
const (
	decisionTermDays = 70 // ten weeks, Awb 9:11 lid 1 (advisory committee route)
	extensionDays    = 28 // at most four weeks, Awb 9:11 lid 2
	notHandledDays   = 28 // four weeks, Awb 9:8 lid 3
	// DueSoonWorkingDays is how close, in working days, a due date is when
	// dashboards and reminders flag it (docs/design.md §3).
	DueSoonWorkingDays = 10
)

// dateLayout is how designated days are written in designated_days.json.
const dateLayout = "2006-01-02"

// amsterdam is loaded on first use rather than in init, so importing the
// package has no side effects. With time/tzdata embedded the load cannot
// fail in practice; the fixed CET fallback only keeps the function total and
// is off by one hour in summer, which moves a date only for instants between
// 22:00 and 23:00 UTC.
var amsterdam = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.FixedZone("CET", 60*60)
	}
	return loc
})

// Zone is the committee's time zone, Europe/Amsterdam: the zone of its days
// (deadlines, the dates on pages and in e-mails, the access log's search by
// day).
func Zone() *time.Location { return amsterdam() }

// DateOf returns the calendar date of t in Europe/Amsterdam as midnight UTC.
// A complaint received at 00:30 on 5 May in Amsterdam is received on 5 May,
// even though it is still 4 May in UTC; every function in this file passes
// its inputs through DateOf so callers may hand in any instant. DateOf is
// idempotent: a value it returned maps to itself.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(amsterdam()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayNumber counts days since 1970-01-01 for a date from DateOf. It is exact
// because such a date is a whole multiple of 24 hours from the epoch.
func dayNumber(d time.Time) int {
	return int(d.Unix() / (24 * 60 * 60))
}

// DesignatedDay is a day designated by Royal Decree as equal to a holiday
// (Algemene termijnenwet art. 3 lid 3). The government designates such days
// every few years, so they are data with their legal source, not code.
type DesignatedDay struct {
	Date   time.Time `json:"date"` // midnight UTC; written as "2006-01-02" in JSON
	Name   string    `json:"name"`
	Source string    `json:"source"` // the decree that designates the day
}

// designatedDayJSON is the wire form: a plain date, because a timestamp with
// a zone would invite exactly the off-by-one-day errors DateOf prevents.
type designatedDayJSON struct {
	Date   string `json:"date"`
	Name   string `json:"name"`
	Source string `json:"source"`
}

// MarshalJSON writes Date as a plain "2006-01-02" date.
func (d DesignatedDay) MarshalJSON() ([]byte, error) {
	return json.Marshal(designatedDayJSON{
		Date:   DateOf(d.Date).Format(dateLayout),
		Name:   d.Name,
		Source: d.Source,
	})
}

// UnmarshalJSON reads Date from a plain "2006-01-02" date and insists on a
// name and a source, because a designated day nobody can trace to a decree
// must not move a statutory deadline.
func (d *DesignatedDay) UnmarshalJSON(b []byte) error {
	var w designatedDayJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt key must not silently drop data
	if err := dec.Decode(&w); err != nil {
		return err
	}
	date, err := time.Parse(dateLayout, w.Date)
	if err != nil {
		return fmt.Errorf("designated day %q: %w", w.Date, err)
	}
	if w.Name == "" || w.Source == "" {
		return fmt.Errorf("designated day %s: name and source are required", w.Date)
	}
	*d = DesignatedDay{Date: date, Name: w.Name, Source: w.Source}
	return nil
}

// ParseDesignatedDays reads a JSON array of designated days in the format of
// the embedded designated_days.json. It exists so that an installation can
// load a newer decree from its own file without waiting for a release
// (docs/design.md §3). A date listed twice is an error: it is almost certainly a
// typo for a day that is then missing.
func ParseDesignatedDays(r io.Reader) ([]DesignatedDay, error) {
	var days []DesignatedDay
	if err := json.NewDecoder(r).Decode(&days); err != nil {
		return nil, fmt.Errorf("designated days: %w", err)
	}
	seen := make(map[int]bool, len(days))
	for _, d := range days {
		n := dayNumber(DateOf(d.Date))
		if seen[n] {
			return nil, fmt.Errorf("designated days: %s listed twice", d.Date.Format(dateLayout))
		}
		seen[n] = true
	}
	return days, nil
}

//go:embed designated_days.json
var designatedDaysJSON string

// DefaultDesignatedDays returns the designated days shipped with this
// release, from the embedded designated_days.json. It panics if that file is
// malformed: it is part of the source tree and the tests parse it, so a
// failure here is a build defect, not a runtime condition.
func DefaultDesignatedDays() []DesignatedDay {
	days, err := ParseDesignatedDays(strings.NewReader(designatedDaysJSON))
	if err != nil {
		panic("calendar: embedded designated_days.json: " + err.Error())
	}
	return days
}

// Calendar knows which days are not working days for the Algemene
// termijnenwet. It is immutable after NewCalendar and safe for concurrent use.
type Calendar struct {
	designated map[int]string // dayNumber -> name
}

// NewCalendar returns a calendar with the statutory holidays and the given
// designated days. Passing them in, rather than reading the embedded file
// here, lets an installation supply a newer decree and lets tests use their
// own.
func NewCalendar(designated []DesignatedDay) *Calendar {
	c := &Calendar{designated: make(map[int]string, len(designated))}
	for _, d := range designated {
		c.designated[dayNumber(DateOf(d.Date))] = d.Name
	}
	return c
}

// Easter returns Gregorian Easter Sunday of year as midnight UTC, by the
// anonymous Gregorian (Meeus/Jones/Butcher) algorithm. Good Friday,
// Easter Monday, Ascension Day and Whit Monday all hang off it.
func Easter(year int) time.Time {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// holidayRule gives the date of one statutory holiday in a year.
type holidayRule struct {
	name string
	date func(year int, easter time.Time) time.Time
}

func fixed(m time.Month, d int) func(int, time.Time) time.Time {
	return func(y int, _ time.Time) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
}

func afterEaster(days int) func(int, time.Time) time.Time {
	return func(_ int, e time.Time) time.Time { return e.AddDate(0, 0, days) }
}

// kingsDay is 27 April, moved to the 26th when the 27th is a Sunday (Wet
// vaststelling Koningsdag). It is the rule since 2014; the calendar is not
// meant for terms that ran under Queen's Day.
func kingsDay(y int, _ time.Time) time.Time {
	d := time.Date(y, time.April, 27, 0, 0, 0, 0, time.UTC)
	if d.Weekday() == time.Sunday {
		return d.AddDate(0, 0, -1)
	}
	return d
}

// statutoryHolidays are the algemeen erkende feestdagen of Algemene
// termijnenwet art. 3 lid 1, plus Good Friday (lid 2). Easter Sunday and
// Whit Sunday are not listed in the Act: they are Sundays, which art. 1
// already excludes, so Holiday does not report them.
var statutoryHolidays = []holidayRule{
	{"Nieuwjaarsdag", fixed(time.January, 1)},
	{"Goede Vrijdag", afterEaster(-2)},
	{"Tweede paasdag", afterEaster(1)},
	{"Koningsdag", kingsDay},
	{"Bevrijdingsdag", fixed(time.May, 5)}, // every year, not only lustrum years
	{"Hemelvaartsdag", afterEaster(39)},
	{"Tweede pinksterdag", afterEaster(50)},
	{"Eerste kerstdag", fixed(time.December, 25)},
	{"Tweede kerstdag", fixed(time.December, 26)},
}

// Holiday reports whether d is a holiday for the Algemene termijnenwet and
// its name: a statutory holiday, Good Friday, or a designated day. When two
// coincide (5 May was Ascension Day in 2016) the statutory name wins.
// Weekends are not holidays; IsNonWorkingDay covers those.
func (c *Calendar) Holiday(d time.Time) (name string, ok bool) {
	d = DateOf(d)
	y := d.Year()
	easter := Easter(y)
	for _, h := range statutoryHolidays {
		if h.date(y, easter).Equal(d) {
			return h.name, true
		}
	}
	name, ok = c.designated[dayNumber(d)]
	return name, ok
}

// IsNonWorkingDay reports whether d is a Saturday, a Sunday or a holiday:
// the days on which Algemene termijnenwet art. 1 does not let a term end.
func (c *Calendar) IsNonWorkingDay(d time.Time) bool {
	d = DateOf(d)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return true
	}
	_, ok := c.Holiday(d)
	return ok
}

// Shift returns the date of d, or the first working day after it when d is
// a non-working day (Algemene termijnenwet art. 1).
func (c *Calendar) Shift(d time.Time) time.Time {
	d = DateOf(d)
	for c.IsNonWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// DecisionDue returns the date by which the complaint must be decided: ten
// weeks after the day of receipt, four weeks more when the term has been
// extended, shifted past non-working days (Awb 9:11). Further delay with the
// complainant's consent (lid 3) has no statutory length and is not computed
// here.
func (c *Calendar) DecisionDue(receipt time.Time, extended bool) time.Time {
	days := decisionTermDays
	if extended {
		days += extensionDays
	}
	return c.Shift(DateOf(receipt).AddDate(0, 0, days))
}

// NotHandledDue returns the date by which the complainant must be told that
// the complaint will not be handled: four weeks after receipt, shifted past
// non-working days (Awb 9:8 lid 3).
func (c *Calendar) NotHandledDue(receipt time.Time) time.Time {
	return c.Shift(DateOf(receipt).AddDate(0, 0, notHandledDays))
}

// WorkingDaysBetween returns the number of working days after from up to and
// including to, or minus the number after to up to and including from when
// to is before from. Counting weekdays arithmetically and then subtracting
// holidays keeps it cheap for cases that are years overdue.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	from, to = DateOf(from), DateOf(to)
	if to.Before(from) {
		return -c.WorkingDaysBetween(to, from)
	}
	return weekdaysBetween(from, to) - c.weekdayHolidaysBetween(from, to)
}

// weekdaysBetween counts Monday to Friday in (from, to], from <= to.
func weekdaysBetween(from, to time.Time) int {
	days := dayNumber(to) - dayNumber(from)
	n := days / 7 * 5 // every run of seven days holds five weekdays
	d := from.AddDate(0, 0, days/7*7)
	for range days % 7 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// weekdayHolidaysBetween counts the distinct holidays in (from, to] that
// fall on a weekday: a holiday on a weekend costs no working day, and a day
// that is two holidays at once (5 May and Ascension Day in 2016) costs one.
func (c *Calendar) weekdayHolidaysBetween(from, to time.Time) int {
	lo, hi := dayNumber(from), dayNumber(to)
	seen := make(map[int]bool)
	add := func(d time.Time) {
		n := dayNumber(d)
		if n <= lo || n > hi {
			return
		}
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return
		}
		seen[n] = true
	}
	for y := from.Year(); y <= to.Year(); y++ {
		easter := Easter(y)
		for _, h := range statutoryHolidays {
			add(h.date(y, easter))
		}
	}
	for n := range c.designated {
		add(time.Unix(int64(n)*24*60*60, 0).UTC())
	}
	return len(seen)
}

// DeadlineStatus is what the dashboards show for an open case and what the
// reminder job acts on.
type DeadlineStatus struct {
	Due             time.Time // the due date, midnight UTC
	DaysLeft        int       // calendar days from today to Due; negative when overdue
	WorkingDaysLeft int       // working days after today up to and including Due; negative when overdue
	DueSoon         bool      // due within 10 working days and not overdue
	Overdue         bool      // today is after Due; on the due day itself the case is still in time
}

// Status returns the deadline status of due as seen on today.
func (c *Calendar) Status(due, today time.Time) DeadlineStatus {
	due, today = DateOf(due), DateOf(today)
	s := DeadlineStatus{
		Due:             due,
		DaysLeft:        dayNumber(due) - dayNumber(today),
		WorkingDaysLeft: c.WorkingDaysBetween(today, due),
		Overdue:         today.After(due),
	}
	s.DueSoon = !s.Overdue && s.WorkingDaysLeft <= DueSoonWorkingDays
	return s
}
