package reporting_test

// The report through the HTTP service: who may read and write, and that no
// combination of the report's parameters shows a count below 5. These tests
// drive the whole app (internal/testing/apptest), which imports this package, so
// they live in the external test package.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/reporting"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

func TestOnlyReportReadersMayReadAndOnlyTheChairWrite(t *testing.T) {
	e := apptest.New(t)
	year := time.Now().Year() - 1
	annual := fmt.Sprintf("/api/v1/reports/annual/%d", year)
	recs := fmt.Sprintf("/api/v1/reports/recommendations/%d", year)
	save := map[string]any{"text": "Meer aandacht voor voorlichting.", "version": 0}
	cases := []struct {
		role       string // "" for no session
		read, save int
	}{
		{"reporter", 200, 403},
		{"chair", 200, 200},
		{"secretary", 200, 403},
		{"member", 403, 403},
		{"complainant", 403, 403},
		{"respondent", 403, 403},
		{"adviser", 403, 403},
		{"authority", 403, 403},
		{"admin", 403, 403},
		{"privacy_officer", 403, 403},
		{"", 401, 401},
	}
	for _, c := range cases {
		var p *apptest.Person
		if c.role != "" {
			p = e.Person(c.role+"@example.org", "BZK", apptest.Grant(c.role, "*"))
		}
		for _, path := range []string{annual, annual + "?format=csv", annual + "?format=pdf", annual + "?ministry=BZK", recs} {
			if r := e.Do(p, http.MethodGet, path, nil); r.Status != c.read {
				t.Errorf("%q GET %s: %d, want %d", c.role, path, r.Status, c.read)
			}
		}
		if r := e.Do(p, http.MethodPut, recs, save); r.Status != c.save {
			t.Errorf("%q PUT %s: %d, want %d: %s", c.role, recs, r.Status, c.save, r.Body)
		}
		if c.save != 200 {
			if r := e.Do(p, http.MethodPost, recs+"/adopt", nil); r.Status != c.save {
				t.Errorf("%q POST adopt: %d, want %d", c.role, r.Status, c.save)
			}
		}
	}
	// A reporter whose grant names one ministry reads the same report.
	r := e.Person("bzk-reporter@example.org", "BZK", apptest.Grant("reporter", "BZK"))
	e.Must(200, r, http.MethodGet, annual, nil)

	reporter := e.Person("reporter2@example.org", "BZK", apptest.Grant("reporter", "*"))
	for _, path := range []string{
		"/api/v1/reports/annual/1999", "/api/v1/reports/annual/abc",
		fmt.Sprintf("/api/v1/reports/annual/%d", time.Now().Year()+1),
		annual + "?format=xml", annual + "?ministry=XYZ", recs + "?version=0",
	} {
		resp := e.Do(reporter, http.MethodGet, path, nil)
		if resp.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400: %s", path, resp.Status, resp.Body)
		}
	}
}

func TestRecommendationsAreVersionedAndCloseWhenAdopted(t *testing.T) {
	e := apptest.New(t)
	chair := e.Person("chair@example.org", "BZK", apptest.Grant("chair", "*"))
	secretary := e.Person("secretary@example.org", "BZK", apptest.Grant("secretary", "*"))
	year := time.Now().Year() - 1
	path := fmt.Sprintf("/api/v1/reports/recommendations/%d", year)
	var view struct {
		Status   string `json:"status"`
		Version  int    `json:"version"`
		Latest   int    `json:"latest_version"`
		Text     string `json:"text"`
		Versions []struct {
			Version int  `json:"version"`
			Adopted bool `json:"adopted"`
		} `json:"versions"`
	}
	e.Must(200, secretary, http.MethodGet, path, nil).Decode(t, &view)
	if view.Status != "none" || view.Latest != 0 {
		t.Fatalf("before any save: %+v", view)
	}
	e.Must(400, chair, http.MethodPut, path, map[string]any{"text": "", "version": 0})
	e.Must(200, chair, http.MethodPut, path, map[string]any{"text": "Eerste versie.", "version": 0}).Decode(t, &view)
	if view.Status != "draft" || view.Version != 1 {
		t.Fatalf("after the first save: %+v", view)
	}
	// A save based on an older version is refused, not merged.
	e.Must(409, chair, http.MethodPut, path, map[string]any{"text": "Ook een eerste versie.", "version": 0})
	e.Must(200, chair, http.MethodPut, path, map[string]any{"text": "Tweede versie.\nMet een tweede alinea.", "version": 1})

	// The report shows the latest draft, marked as such.
	reporter := e.Person("reporter@example.org", "BZK", apptest.Grant("reporter", "*"))
	var rep struct {
		Recommendations reporting.Recommendations `json:"recommendations"`
	}
	e.Must(200, reporter, http.MethodGet, fmt.Sprintf("/api/v1/reports/annual/%d", year), nil).Decode(t, &rep)
	if rep.Recommendations.Status != "draft" || rep.Recommendations.Version != 2 || !strings.HasPrefix(rep.Recommendations.Text, "Tweede") {
		t.Errorf("report shows %+v, want draft version 2", rep.Recommendations)
	}

	e.Must(409, chair, http.MethodPost, path+"/adopt", map[string]any{"version": 1})
	e.Must(200, chair, http.MethodPost, path+"/adopt", nil).Decode(t, &view)
	if view.Status != "adopted" || view.Version != 2 || len(view.Versions) != 2 || !view.Versions[1].Adopted {
		t.Fatalf("after adopting: %+v", view)
	}
	e.Must(409, chair, http.MethodPut, path, map[string]any{"text": "Nog een wijziging.", "version": 2})
	e.Must(409, chair, http.MethodPost, path+"/adopt", nil)
	e.Must(200, reporter, http.MethodGet, path+"?version=1", nil).Decode(t, &view)
	if view.Text != "Eerste versie." || view.Status != "superseded" {
		t.Errorf("version 1: %+v", view)
	}
	e.Must(404, reporter, http.MethodGet, path+"?version=7", nil)
	e.Must(200, reporter, http.MethodGet, fmt.Sprintf("/api/v1/reports/annual/%d", year), nil).Decode(t, &rep)
	if rep.Recommendations.Status != "adopted" || rep.Recommendations.AdoptedAt == nil {
		t.Errorf("report shows %+v, want the adopted version", rep.Recommendations)
	}
	// Adopting another year needs something saved first.
	e.Must(404, chair, http.MethodPost, fmt.Sprintf("/api/v1/reports/recommendations/%d/adopt", year-1), nil)

	// The database itself keeps an adopted text, whoever connects.
	db := e.App.DB
	for _, q := range []string{
		fmt.Sprintf(`UPDATE report_recommendations SET text = 'anders' WHERE year = %d`, year),
		fmt.Sprintf(`DELETE FROM report_recommendations WHERE year = %d`, year),
		fmt.Sprintf(`INSERT INTO report_recommendations (year, version, text, author_id) VALUES (%d, 3, 'x', '%s')`, year, chair.ID),
	} {
		if err := db.Exec(q).Error; err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
}

// TestNoCountBelowFiveThroughAnyParameter asks for every year, every
// ministry (and none) and every format, over a small synthetic population
// full of small cells, and checks every count it is shown.
func TestNoCountBelowFiveThroughAnyParameter(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	if _, err := reporting.SeedSynthetic(ctx, e.App.DB, 600, 3, false); err != nil {
		t.Fatal(err)
	}
	var ministries []string
	if err := e.App.DB.Raw(`SELECT code FROM ministries ORDER BY code`).Scan(&ministries).Error; err != nil {
		t.Fatal(err)
	}
	reporter := e.Person("reporter@example.org", "BZK", apptest.Grant("reporter", "*"))
	now := time.Now().Year()
	marks := 0
	for year := now - 3; year <= now; year++ {
		var full apptest.AnnualReport
		e.Must(200, reporter, http.MethodGet, fmt.Sprintf("/api/v1/reports/annual/%d", year), nil).Decode(t, &full)
		for _, m := range append([]string{""}, ministries...) {
			q := fmt.Sprintf("/api/v1/reports/annual/%d?ministry=%s", year, m)
			where := fmt.Sprintf("%d ministry=%q", year, m)

			var rep apptest.AnnualReport
			e.Must(200, reporter, http.MethodGet, q, nil).Decode(t, &rep)
			marks += checkJSON(t, where, rep)
			if m != "" {
				sameRows(t, where, full, rep, m)
			}

			res := e.Must(200, reporter, http.MethodGet, q+"&format=csv", nil)
			marks += checkCSV(t, where, res.Body)

			res = e.Must(200, reporter, http.MethodGet, q+"&format=pdf", nil)
			if !bytes.HasPrefix(res.Body, []byte("%PDF-")) || res.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("%s pdf: %q", where, res.Header.Get("Content-Type"))
			}
		}
	}
	if marks == 0 {
		t.Error("no figure was hidden: the population is too large to test the rule")
	}
}

// checkCount fails unless v is a count 0 or >= 5 or a mark (or null where
// allowed); it returns 1 for a mark.
func checkCount(t *testing.T, where string, v any, nullOK bool) int {
	t.Helper()
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) || (x > 0 && x < reporting.MinCount) || x < 0 {
			t.Errorf("%s: count %v shown", where, x)
		}
	case string:
		if x != reporting.SmallMark && x != reporting.HiddenMark {
			t.Errorf("%s: %q is neither a count nor a mark", where, x)
		}
		return 1
	case nil:
		if !nullOK {
			t.Errorf("%s: null count", where)
		}
	default:
		t.Errorf("%s: unexpected %T %v", where, v, v)
	}
	return 0
}

func checkJSON(t *testing.T, where string, r apptest.AnnualReport) int {
	t.Helper()
	marks := 0
	if len(r.Figures) == 0 {
		t.Fatalf("%s: no figures", where)
	}
	for _, f := range r.Figures {
		for _, fy := range f.Years {
			tb := fy.Table
			if tb == nil {
				continue
			}
			w := fmt.Sprintf("%s %s %d", where, f.Key, fy.Year)
			for i, row := range tb.Cells {
				for _, c := range row {
					marks += checkCount(t, w, c, false)
				}
				marks += checkCount(t, w+" row total", tb.RowTotals[i], false)
			}
			for _, c := range tb.ColTotals {
				marks += checkCount(t, w+" column total", c, false)
			}
			marks += checkCount(t, w+" total", tb.Total, false)
		}
	}
	for _, h := range r.Summary {
		if h.Kind == "count" {
			for _, v := range h.Values {
				marks += checkCount(t, where+" summary "+h.Key, v, true)
			}
		}
	}
	return marks
}

func checkCSV(t *testing.T, where string, body []byte) int {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s csv: %v", where, err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "year,ministry,measure,category,value" {
		t.Fatalf("%s csv header: %v", where, recs[0])
	}
	marks := 0
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[4], "%rkc-proof") {
			continue // the file's signature and access log proof (internal/audit)
		}
		if r[2] == "throughput_days" || r[2] == "within_term_share" {
			continue // medians and percentages, not counts
		}
		v := any(r[4])
		if n, err := strconv.Atoi(r[4]); err == nil {
			v = float64(n)
		}
		marks += checkCount(t, where+" csv "+strings.Join(r[:4], "/"), v, false)
	}
	return marks
}

// sameRows checks that the narrowed report shows the ministry's row of the
// full report, cell for cell, and the same all-ministry totals.
func sameRows(t *testing.T, where string, full, narrow apptest.AnnualReport, m string) {
	t.Helper()
	for fi, f := range narrow.Figures {
		for yi, fy := range f.Years {
			ft := full.Figures[fi].Years[yi].Table
			if fy.Table == nil || ft == nil {
				continue
			}
			i := -1
			for k, r := range ft.Rows {
				if r == m {
					i = k
				}
			}
			if i < 0 || !reflect.DeepEqual(fy.Table.Cells[0], ft.Cells[i]) || !reflect.DeepEqual(fy.Table.RowTotals[0], ft.RowTotals[i]) ||
				!reflect.DeepEqual(fy.Table.ColTotals, ft.ColTotals) {
				t.Errorf("%s %s %d: the narrowed row differs from the full report's", where, f.Key, fy.Year)
			}
		}
	}
}
