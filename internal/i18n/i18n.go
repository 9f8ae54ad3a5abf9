// Package i18n holds RKC's message catalogues, Dutch (the default) and
// English, shared by the e-mail messages and the web pages. Catalogues are
// flat JSON files of key → text embedded in the binary; texts name their
// parameters as {name}, so a translation may put them in any order.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default is the language of anyone who has not chosen another, and the
// catalogue a missing translation falls back to.
const Default = "nl"

// langs are the supported languages, the default first.
var langs = []string{"nl", "en"}

// Langs returns the supported languages, the default first.
func Langs() []string { return slices.Clone(langs) }

// Every catalogue file is NAME.LANG.json (messages.nl.json for e-mail,
// web.nl.json for the web pages, …); a language's files are merged, and a
// key in two files is a defect.
//
//go:embed *.json
var files embed.FS

// catalogues are parsed on first use, not in init, so importing the package
// has no side effects. A malformed catalogue is a build defect (the tests
// parse every file), hence the panic.
var catalogues = sync.OnceValue(func() map[string]map[string]string {
	out := make(map[string]map[string]string, len(langs))
	for _, l := range langs {
		names, err := fs.Glob(files, "*."+l+".json")
		if err != nil || len(names) == 0 {
			panic("i18n: no catalogue for " + l)
		}
		out[l] = map[string]string{}
		for _, name := range names {
			raw, err := files.ReadFile(name)
			if err != nil {
				panic("i18n: " + err.Error())
			}
			m, err := parse(raw)
			if err != nil {
				panic(fmt.Sprintf("i18n: %s: %v", name, err))
			}
			for k, v := range m {
				if _, dup := out[l][k]; dup {
					panic(fmt.Sprintf("i18n: %s: key %s is also in another %s catalogue", name, k, l))
				}
				out[l][k] = v
			}
		}
	}
	return out
})

// parse reads one catalogue, refusing anything but a flat object of strings
// and keys given twice (the second would silently win).
func parse(raw []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("want one JSON object of key → text")
	}
	m := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := t.(string)
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("%s: given twice", key)
		}
		m[key] = text
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return m, nil
}

// Lang returns the supported language that tag names ("en", "en-GB",
// "EN" → "en"), or Default.
func Lang(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	base, _, _ = strings.Cut(base, "_")
	if slices.Contains(langs, base) {
		return base
	}
	return Default
}

// Has reports whether lang's own catalogue holds key (without falling back).
func Has(lang, key string) bool {
	_, ok := catalogues()[Lang(lang)][key]
	return ok
}

// Keys lists the keys of lang's catalogue, sorted.
func Keys(lang string) []string {
	m := catalogues()[Lang(lang)]
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// T returns the text of key in lang, falling back to Dutch and then to the
// key itself, so a missing translation shows up but never breaks a page.
// args are name/value pairs filling the {name} placeholders; a time.Time
// value is written as a date in lang (see Date), anything else with
// fmt.Sprint. Placeholders without a value are left as they are.
func T(lang, key string, args ...any) string {
	cat := catalogues()
	text, ok := cat[Lang(lang)][key]
	if !ok {
		if text, ok = cat[Default][key]; !ok {
			return key
		}
	}
	if len(args) < 2 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			continue
		}
		var v string
		switch a := args[i+1].(type) {
		case time.Time:
			v = Date(lang, a)
		case *time.Time:
			if a != nil {
				v = Date(lang, *a)
			}
		default:
			v = fmt.Sprint(a)
		}
		pairs = append(pairs, "{"+name+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Date writes a calendar date the way lang writes it in running text:
// "10 mei 2027", "10 May 2027". It reads the date as held (day, month and
// year of t in its own location): RKC holds calendar dates as midnight UTC.
func Date(lang string, t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + T(lang, "date.month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}
