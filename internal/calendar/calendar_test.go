package calendar

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Expected values in this file were worked out by hand from a printed
// calendar (and checked against GNU date), never by running the code under
// test. Weekday names next to dates are there so a reviewer can check them.

// day builds a date the way DateOf returns it.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func fmtDay(t time.Time) string { return t.Format("2006-01-02 Mon") }

// testCalendar is the calendar as shipped: statutory holidays plus the
// embedded designated days.
func testCalendar(t testing.TB) *Calendar {
	t.Helper()
	return NewCalendar(DefaultDesignatedDays())
}

func TestEaster(t *testing.T) {
	tests := []struct {
		year int
		want time.Time
	}{
		{1943, day(1943, time.April, 25)}, // latest possible date
		{1961, day(1961, time.April, 2)},
		{2000, day(2000, time.April, 23)},
		{2008, day(2008, time.March, 23)},
		{2011, day(2011, time.April, 24)},
		{2013, day(2013, time.March, 31)},
		{2014, day(2014, time.April, 20)},
		{2016, day(2016, time.March, 27)},
		{2018, day(2018, time.April, 1)},
		{2019, day(2019, time.April, 21)},
		{2020, day(2020, time.April, 12)},
		{2021, day(2021, time.April, 4)},
		{2022, day(2022, time.April, 17)},
		{2023, day(2023, time.April, 9)},
		{2024, day(2024, time.March, 31)},
		{2025, day(2025, time.April, 20)},
		{2026, day(2026, time.April, 5)},
		{2027, day(2027, time.March, 28)},
		{2028, day(2028, time.April, 16)},
		{2029, day(2029, time.April, 1)},
		{2030, day(2030, time.April, 21)},
		{2031, day(2031, time.April, 13)},
		{2032, day(2032, time.March, 28)},
		{2035, day(2035, time.March, 25)},
		{2038, day(2038, time.April, 25)},
		{2285, day(2285, time.March, 22)}, // earliest possible date
	}
	for _, tt := range tests {
		got := Easter(tt.year)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Easter(%d) = %v, want %s", tt.year, got, fmtDay(tt.want))
		}
		if got.Weekday() != time.Sunday {
			t.Errorf("Easter(%d) = %s, not a Sunday", tt.year, fmtDay(got))
		}
	}
}

func TestHoliday(t *testing.T) {
	cal := testCalendar(t)
	tests := []struct {
		date time.Time
		want string // "" means not a holiday
	}{
		// New Year's Day
		{day(2025, time.January, 1), "Nieuwjaarsdag"}, // Wed
		{day(2026, time.January, 1), "Nieuwjaarsdag"}, // Thu
		{day(2028, time.January, 1), "Nieuwjaarsdag"}, // Sat: still a holiday
		// Good Friday (art. 3 lid 2)
		{day(2025, time.April, 18), "Goede Vrijdag"},
		{day(2026, time.April, 3), "Goede Vrijdag"},
		{day(2027, time.March, 26), "Goede Vrijdag"},
		{day(2028, time.April, 14), "Goede Vrijdag"},
		// Easter Monday
		{day(2024, time.April, 1), "Tweede paasdag"},
		{day(2025, time.April, 21), "Tweede paasdag"},
		{day(2026, time.April, 6), "Tweede paasdag"},
		{day(2027, time.March, 29), "Tweede paasdag"},
		{day(2028, time.April, 17), "Tweede paasdag"},
		// King's Day: 27 April, or Saturday 26 April when the 27th is a Sunday
		{day(2014, time.April, 26), "Koningsdag"}, // 27 April 2014 was a Sunday
		{day(2014, time.April, 27), ""},
		{day(2025, time.April, 26), "Koningsdag"}, // 27 April 2025 is a Sunday
		{day(2025, time.April, 27), ""},
		{day(2026, time.April, 27), "Koningsdag"}, // Mon
		{day(2026, time.April, 26), ""},
		{day(2027, time.April, 27), "Koningsdag"}, // Tue
		{day(2028, time.April, 27), "Koningsdag"}, // Thu
		{day(2031, time.April, 26), "Koningsdag"}, // 27 April 2031 is a Sunday
		{day(2031, time.April, 27), ""},
		// 5 May, every year
		{day(2024, time.May, 5), "Bevrijdingsdag"},
		{day(2026, time.May, 5), "Bevrijdingsdag"},
		{day(2027, time.May, 5), "Bevrijdingsdag"},
		{day(2029, time.May, 5), "Bevrijdingsdag"},
		{day(2026, time.May, 4), ""},
		// 2016: 5 May was also Ascension Day; either name will do, it is one day
		{day(2016, time.May, 5), "Bevrijdingsdag"},
		// Ascension Day
		{day(2025, time.May, 29), "Hemelvaartsdag"},
		{day(2026, time.May, 14), "Hemelvaartsdag"},
		{day(2027, time.May, 6), "Hemelvaartsdag"},
		{day(2028, time.May, 25), "Hemelvaartsdag"},
		// Whit Monday
		{day(2025, time.June, 9), "Tweede pinksterdag"},
		{day(2026, time.May, 25), "Tweede pinksterdag"},
		{day(2027, time.May, 17), "Tweede pinksterdag"},
		{day(2028, time.June, 5), "Tweede pinksterdag"},
		// Christmas
		{day(2025, time.December, 25), "Eerste kerstdag"},
		{day(2025, time.December, 26), "Tweede kerstdag"},
		{day(2026, time.December, 25), "Eerste kerstdag"},
		{day(2026, time.December, 26), "Tweede kerstdag"},
		{day(2026, time.December, 24), ""},
		{day(2026, time.December, 31), ""},
		// Easter Sunday and Whit Sunday are not in art. 3; they are Sundays
		{day(2026, time.April, 5), ""},
		{day(2026, time.May, 24), ""},
		// Designated by decree (art. 3 lid 3)
		{day(2026, time.January, 2), "Vrijdag na Nieuwjaarsdag"},
		{day(2026, time.May, 15), "Vrijdag na Hemelvaartsdag"},
		{day(2027, time.May, 7), "Vrijdag na Hemelvaartsdag"},
		{day(2028, time.April, 28), "Vrijdag na Koningsdag"},
		{day(2028, time.May, 26), "Vrijdag na Hemelvaartsdag"},
		// ... and only in the years designated
		{day(2025, time.January, 2), ""},
		{day(2025, time.May, 30), ""}, // Friday after Ascension 2025
		{day(2029, time.May, 11), ""}, // Friday after Ascension 2029
		// Ordinary days
		{day(2026, time.March, 2), ""},
		{day(2027, time.May, 10), ""},
	}
	for _, tt := range tests {
		name, ok := cal.Holiday(tt.date)
		if ok != (tt.want != "") || name != tt.want {
			t.Errorf("Holiday(%s) = %q, %v; want %q", fmtDay(tt.date), name, ok, tt.want)
		}
	}
}

func TestHolidayWithoutDesignatedDays(t *testing.T) {
	cal := NewCalendar(nil)
	if name, ok := cal.Holiday(day(2026, time.January, 2)); ok {
		t.Errorf("Holiday(2026-01-02) without designated days = %q, want none", name)
	}
	if _, ok := cal.Holiday(day(2026, time.January, 1)); !ok {
		t.Error("Holiday(2026-01-01) without designated days: statutory holiday missing")
	}
}

func TestIsNonWorkingDay(t *testing.T) {
	cal := testCalendar(t)
	tests := []struct {
		date time.Time
		want bool
	}{
		{day(2026, time.March, 6), false}, // Fri
		{day(2026, time.March, 7), true},  // Sat
		{day(2026, time.March, 8), true},  // Sun
		{day(2026, time.March, 9), false}, // Mon
		{day(2026, time.April, 5), true},  // Easter Sunday
		{day(2026, time.May, 24), true},   // Whit Sunday
		{day(2026, time.April, 3), true},  // Good Friday
		{day(2026, time.May, 15), true},   // designated
		{day(2026, time.April, 28), false},
	}
	for _, tt := range tests {
		if got := cal.IsNonWorkingDay(tt.date); got != tt.want {
			t.Errorf("IsNonWorkingDay(%s) = %v, want %v", fmtDay(tt.date), got, tt.want)
		}
	}
}

// dayCase is one input day and the day a date function should give for it.
type dayCase struct{ in, want time.Time }

// checkDays runs a function from day to day over its cases.
func checkDays(t *testing.T, name string, f func(time.Time) time.Time, cases []dayCase) {
	t.Helper()
	for _, c := range cases {
		if got := f(c.in); !got.Equal(c.want) {
			t.Errorf("%s(%s) = %s, want %s", name, fmtDay(c.in), fmtDay(got), fmtDay(c.want))
		}
	}
}

func TestShift(t *testing.T) {
	checkDays(t, "Shift", testCalendar(t).Shift, []dayCase{
		{day(2026, time.March, 4), day(2026, time.March, 4)},         // Wed stays
		{day(2026, time.March, 7), day(2026, time.March, 9)},         // Sat -> Mon
		{day(2026, time.March, 8), day(2026, time.March, 9)},         // Sun -> Mon
		{day(2026, time.April, 3), day(2026, time.April, 7)},         // Good Friday, weekend, Easter Monday
		{day(2025, time.April, 26), day(2025, time.April, 28)},       // King's Day on Sat 2025
		{day(2025, time.December, 25), day(2025, time.December, 29)}, // Christmas Thu+Fri, weekend
		{day(2026, time.January, 1), day(2026, time.January, 5)},     // New Year, decree day, weekend
		{day(2027, time.May, 5), day(2027, time.May, 10)},            // 5 May, Ascension, decree day, weekend
	})
}

func TestDecisionDue(t *testing.T) {
	cal := testCalendar(t)
	tests := []struct {
		name     string
		receipt  time.Time
		extended bool
		want     time.Time
	}{
		// The case docs/design.md is built around: ten weeks after Wed 24 Feb
		// 2027 is Wed 5 May 2027, then Ascension Thu 6 May, the decree day
		// Fri 7 May and the weekend.
		{"5 May, Ascension, decree day, weekend", day(2027, time.February, 24), false, day(2027, time.May, 10)},
		{"plain working day", day(2026, time.March, 2), false, day(2026, time.May, 11)},                       // Mon -> Mon 11 May 2026
		{"Saturday", day(2026, time.January, 10), false, day(2026, time.March, 23)},                           // -> Sat 21 Mar 2026
		{"Good Friday, weekend, Easter Monday", day(2026, time.January, 23), false, day(2026, time.April, 7)}, // -> Fri 3 Apr 2026
		{"King's Day", day(2026, time.February, 16), false, day(2026, time.April, 28)},                        // -> Mon 27 Apr 2026
		{"5 May", day(2026, time.February, 24), false, day(2026, time.May, 6)},                                // -> Tue 5 May 2026
		{"Whit Monday", day(2026, time.March, 16), false, day(2026, time.May, 26)},                            // -> Mon 25 May 2026
		{"decree day after New Year", day(2025, time.October, 24), false, day(2026, time.January, 5)},         // -> Fri 2 Jan 2026
		{"decree day after Ascension", day(2026, time.March, 6), false, day(2026, time.May, 18)},              // -> Fri 15 May 2026
		{"King's Day and decree day 2028", day(2028, time.February, 17), false, day(2028, time.May, 1)},       // leap year -> Thu 27 Apr 2028
		{"Ascension and decree day 2028", day(2028, time.March, 16), false, day(2028, time.May, 29)},          // -> Thu 25 May 2028
		{"Christmas", day(2026, time.October, 16), false, day(2026, time.December, 28)},                       // -> Fri 25 Dec 2026
		{"New Year", day(2026, time.October, 23), false, day(2027, time.January, 4)},                          // -> Fri 1 Jan 2027
		{"extended, working day", day(2026, time.March, 2), true, day(2026, time.June, 8)},                    // +98 -> Mon 8 Jun 2026
		{"extended, Whit Monday", day(2027, time.February, 8), true, day(2027, time.May, 18)},                 // +98 -> Mon 17 May 2027
		{"same receipt not extended", day(2027, time.February, 8), false, day(2027, time.April, 19)},          // +70 -> Mon 19 Apr 2027
		// 23:30 UTC on 23 Feb is 00:30 on 24 Feb in Amsterdam.
		{"instant late in the UTC day", time.Date(2027, time.February, 23, 23, 30, 0, 0, time.UTC), false, day(2027, time.May, 10)},
		// 22:30 UTC on Mon 1 Jun is 00:30 CEST on Tue 2 Jun; from the UTC
		// date the answer would be Mon 10 Aug.
		{"instant in Amsterdam summer time", time.Date(2026, time.June, 1, 22, 30, 0, 0, time.UTC), false, day(2026, time.August, 11)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.DecisionDue(tt.receipt, tt.extended)
			if !got.Equal(tt.want) {
				t.Errorf("DecisionDue(%s, %v) = %s, want %s", tt.receipt, tt.extended, fmtDay(got), fmtDay(tt.want))
			}
		})
	}
}

func TestNotHandledDue(t *testing.T) {
	checkDays(t, "NotHandledDue", testCalendar(t).NotHandledDue, []dayCase{
		{day(2026, time.March, 2), day(2026, time.March, 30)},        // Mon -> Mon
		{day(2026, time.March, 30), day(2026, time.April, 28)},       // -> King's Day Mon 27 Apr
		{day(2025, time.March, 21), day(2025, time.April, 22)},       // -> Good Friday 18 Apr, weekend, Easter Monday
		{day(2025, time.November, 27), day(2025, time.December, 29)}, // -> Christmas Thu+Fri, weekend
	})
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := testCalendar(t)
	tests := []struct {
		name     string
		cal      *Calendar
		from, to time.Time
		want     int
	}{
		{"same day", cal, day(2026, time.March, 4), day(2026, time.March, 4), 0},
		{"one week", cal, day(2026, time.March, 2), day(2026, time.March, 9), 5},
		{"Friday to Monday", cal, day(2026, time.March, 6), day(2026, time.March, 9), 1},
		{"Friday to Sunday", cal, day(2026, time.March, 6), day(2026, time.March, 8), 0},
		{"backwards", cal, day(2026, time.March, 9), day(2026, time.March, 2), -5},
		// Thu 2 Apr -> Thu 9 Apr 2026: Good Friday, weekend, Easter Monday; Tue-Thu count
		{"Easter", cal, day(2026, time.April, 2), day(2026, time.April, 9), 3},
		// Wed 13 -> Tue 19 May 2026: Ascension, decree day, weekend; Mon, Tue count
		{"Ascension and decree day", cal, day(2026, time.May, 13), day(2026, time.May, 19), 2},
		{"same span without decree", NewCalendar(nil), day(2026, time.May, 13), day(2026, time.May, 19), 3},
		// Wed 24 Dec 2025 -> Mon 5 Jan 2026: 29, 30, 31 Dec and 5 Jan
		{"Christmas to New Year", cal, day(2025, time.December, 24), day(2026, time.January, 5), 4},
		// Wed 4 -> Wed 11 May 2016: 5 May was also Ascension Day, one day lost, not two
		{"two holidays on one day", cal, day(2016, time.May, 4), day(2016, time.May, 11), 4},
		// 2026: 261 weekdays less 8 statutory and 2 designated on weekdays
		// (26 December is a Saturday)
		{"whole year 2026", cal, day(2025, time.December, 31), day(2026, time.December, 31), 251},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.WorkingDaysBetween(tt.from, tt.to); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", fmtDay(tt.from), fmtDay(tt.to), got, tt.want)
			}
		})
	}
}

// TestWorkingDaysBetweenMatchesDayByDay guards the arithmetic shortcut in
// WorkingDaysBetween against the obvious definition: walk the days and count
// those that are not non-working days. The hand-computed cases above pin the
// definition itself.
func TestWorkingDaysBetweenMatchesDayByDay(t *testing.T) {
	cal := testCalendar(t)
	start := day(2025, time.December, 20)
	for _, span := range []int{0, 1, 2, 3, 6, 7, 8, 13, 14, 40, 70, 98, 400, 1200} {
		for offset := range 7 {
			from := start.AddDate(0, 0, offset)
			to := from.AddDate(0, 0, span)
			want := 0
			for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
				if !cal.IsNonWorkingDay(d) {
					want++
				}
			}
			if got := cal.WorkingDaysBetween(from, to); got != want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, day by day %d", fmtDay(from), fmtDay(to), got, want)
			}
		}
	}
}

func TestStatus(t *testing.T) {
	cal := testCalendar(t)
	tests := []struct {
		name                      string
		due, today                time.Time
		daysLeft, workingDaysLeft int
		dueSoon, overdue          bool
	}{
		// Mon 23 Mar 2026, no holidays in March: 10-13, 16-20, 23 = 10
		{"exactly ten working days", day(2026, time.March, 23), day(2026, time.March, 9), 14, 10, true, false},
		{"eleven working days", day(2026, time.March, 23), day(2026, time.March, 6), 17, 11, false, false},
		{"due today", day(2026, time.March, 23), day(2026, time.March, 23), 0, 0, true, false},
		// 22:30 UTC is 23:30 CET
		{"late on the due day in Amsterdam", day(2026, time.March, 23), time.Date(2026, time.March, 23, 22, 30, 0, 0, time.UTC), 0, 0, true, false},
		// 23:30 UTC is 24 Mar 00:30 CET
		{"just past midnight in Amsterdam", day(2026, time.March, 23), time.Date(2026, time.March, 23, 23, 30, 0, 0, time.UTC), -1, -1, false, true},
		{"two days overdue", day(2026, time.March, 23), day(2026, time.March, 25), -2, -2, false, true},
		// due Fri, today Mon
		{"overdue across a weekend", day(2026, time.March, 27), day(2026, time.March, 30), -3, -1, false, true},
		// Mon 26 Apr -> Mon 10 May 2027: 28, 29, 30 Apr, 3, 4, 10 May;
		// King's Day, 5 May, Ascension and the decree day do not count
		{"holidays shrink the working days", day(2027, time.May, 10), day(2027, time.April, 26), 14, 6, true, false},
		// Mon 29 Mar -> Mon 10 May 2027: 4+5+5+5+4+2+1 working days
		{"six weeks out", day(2027, time.May, 10), day(2027, time.March, 29), 42, 26, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := DeadlineStatus{Due: tt.due, DaysLeft: tt.daysLeft, WorkingDaysLeft: tt.workingDaysLeft, DueSoon: tt.dueSoon, Overdue: tt.overdue}
			got := cal.Status(tt.due, tt.today)
			if got != want {
				t.Errorf("Status(%s, %s) = %+v, want %+v", fmtDay(tt.due), tt.today, got, want)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Date(2026, time.January, 1, 22, 59, 0, 0, time.UTC), day(2026, time.January, 1)}, // 23:59 CET
		{time.Date(2026, time.January, 1, 23, 0, 0, 0, time.UTC), day(2026, time.January, 2)},  // 00:00 CET
		{time.Date(2026, time.May, 4, 21, 59, 0, 0, time.UTC), day(2026, time.May, 4)},         // 23:59 CEST
		{time.Date(2026, time.May, 4, 22, 0, 0, 0, time.UTC), day(2026, time.May, 5)},          // 00:00 CEST
		{time.Date(2026, time.May, 5, 0, 0, 0, 0, ams), day(2026, time.May, 5)},
		{time.Date(2026, time.May, 5, 23, 59, 0, 0, ams), day(2026, time.May, 5)},
		{day(2026, time.May, 5), day(2026, time.May, 5)}, // idempotent
	}
	for _, tt := range tests {
		got := DateOf(tt.in)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("DateOf(%s) = %v, want %s", tt.in, got, fmtDay(tt.want))
		}
	}
}

func TestDefaultDesignatedDays(t *testing.T) {
	want := []time.Time{
		day(2026, time.January, 2),
		day(2026, time.May, 15),
		day(2027, time.May, 7),
		day(2028, time.April, 28),
		day(2028, time.May, 26),
	}
	got := DefaultDesignatedDays()
	if len(got) != len(want) {
		t.Fatalf("DefaultDesignatedDays() has %d days, want %d", len(got), len(want))
	}
	for i, d := range got {
		if !d.Date.Equal(want[i]) {
			t.Errorf("day %d = %s, want %s", i, fmtDay(d.Date), fmtDay(want[i]))
		}
		if d.Name == "" || d.Source == "" {
			t.Errorf("day %s lacks a name or source: %+v", fmtDay(d.Date), d)
		}
	}
}

func TestDesignatedDayJSON(t *testing.T) {
	in := DesignatedDay{Date: day(2027, time.May, 7), Name: "Vrijdag na Hemelvaartsdag", Source: "Besluit X"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"date":"2027-05-07","name":"Vrijdag na Hemelvaartsdag","source":"Besluit X"}`
	if string(b) != wantJSON {
		t.Errorf("Marshal = %s, want %s", b, wantJSON)
	}
	var out DesignatedDay
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Date.Equal(in.Date) || out.Name != in.Name || out.Source != in.Source {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
}

func TestParseDesignatedDaysRejects(t *testing.T) {
	tests := []struct {
		name, json string
	}{
		{"not a date", `[{"date":"7 mei 2027","name":"x","source":"y"}]`},
		{"timestamp", `[{"date":"2027-05-07T00:00:00Z","name":"x","source":"y"}]`},
		{"no source", `[{"date":"2027-05-07","name":"x"}]`},
		{"no name", `[{"date":"2027-05-07","source":"y"}]`},
		{"unknown field", `[{"date":"2027-05-07","name":"x","source":"y","extra":1}]`},
		{"duplicate", `[{"date":"2027-05-07","name":"x","source":"y"},{"date":"2027-05-07","name":"x","source":"y"}]`},
		{"not an array", `{"date":"2027-05-07","name":"x","source":"y"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseDesignatedDays(strings.NewReader(tt.json)); err == nil {
				t.Errorf("ParseDesignatedDays(%s) succeeded, want an error", tt.json)
			}
		})
	}
}

func BenchmarkDecisionDue(b *testing.B) {
	cal := testCalendar(b)
	receipt := day(2027, time.February, 24)
	for b.Loop() {
		cal.DecisionDue(receipt, false)
	}
}
