package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every catalogue must hold the same keys with the same placeholders: a
// translation that drops {link} would send a message nobody can act on.
func TestCataloguesMatch(t *testing.T) {
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	want := Keys(Default)
	if len(want) == 0 {
		t.Fatal("the Dutch catalogue is empty")
	}
	for _, l := range Langs() {
		got := Keys(l)
		if !slices.Equal(got, want) {
			t.Errorf("%s has keys %v, want the Dutch keys %v", l, got, want)
			continue
		}
		for _, k := range want {
			a := placeholder.FindAllString(T(Default, k), -1)
			b := placeholder.FindAllString(T(l, k), -1)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
				t.Errorf("%s %s has placeholders %v, Dutch %v", l, k, b, a)
			}
			if strings.TrimSpace(T(l, k)) == "" {
				t.Errorf("%s %s is empty", l, k)
			}
		}
	}
}

func TestParseRefusesDuplicatesAndNesting(t *testing.T) {
	for _, raw := range []string{`{"a":"x","a":"y"}`, `{"a":{"b":"c"}}`, `["a"]`, `{"a":1}`} {
		if _, err := parse([]byte(raw)); err == nil {
			t.Errorf("parse(%s) accepted it", raw)
		}
	}
	if m, err := parse([]byte(`{"a":"x","b":"y"}`)); err != nil || m["b"] != "y" {
		t.Errorf("parse of a good catalogue: %v %v", m, err)
	}
}

func TestT(t *testing.T) {
	due := time.Date(2027, 5, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"nl", "mail.news.subject", []any{"number", "RKC-2027-0001"}, "Nieuws in zaak RKC-2027-0001"},
		{"en", "mail.news.subject", []any{"number", "RKC-2027-0001"}, "News in case RKC-2027-0001"},
		{"en-GB", "mail.news.subject", []any{"number", "X"}, "News in case X"},
		{"fr", "mail.news.subject", []any{"number", "X"}, "Nieuws in zaak X"}, // unknown language: Dutch
		{"nl", "no.such.key", nil, "no.such.key"},
		{"nl", "mail.news.subject", nil, "Nieuws in zaak {number}"}, // no value: placeholder stays
	}
	for _, c := range cases {
		if got := T(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("T(%q, %q) = %q, want %q", c.lang, c.key, got, c.want)
		}
	}
	if got := T("nl", "mail.deadline_overdue.body", "number", "N", "due_on", due, "link", "L"); !strings.Contains(got, "10 mei 2027") {
		t.Errorf("Dutch date in %q", got)
	}
	if got := T("en", "mail.deadline_overdue.body", "number", "N", "due_on", &due, "link", "L"); !strings.Contains(got, "10 May 2027") {
		t.Errorf("English date in %q", got)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"nl": "nl", "EN": "en", "en_US": "en", "nl-BE": "nl", "": "nl", "de": "nl"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
	l := Langs()
	l[0] = "xx"
	if Langs()[0] != Default {
		t.Error("Langs hands out its own slice")
	}
}
