package cases

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// caseParts are the rows of a case's parts that its view shows, read in one
// statement instead of one query per table: a case read is then a handful
// of round trips, however many parts a case has.
type caseParts struct {
	Elements     []elementRow
	Panel        []PersonRef
	InfoRequests []infoRequestRow
	Statements   []statementRow
	Attachments  []attachmentRow // metadata only, never the content
	Hearings     []hearingRow
	Advice       *adviceRow
	Decision     *decisionRow
	Delays       []delayRow  // further delays (Awb 9:11 lid 3)
	Waivers      []waiverRow // sides not heard (Awb 9:10)
}

// partKinds are the part tables, each with the field of caseParts it fills,
// its bit in cases.parts_present (set by migration 17's trigger when the
// case gets its first row of the kind; none for elements, which every case
// has from its filing and which are always read) and the subquery that reads it as
// JSON (sql/_part_<file>.sql): keys are the Go field names of the row types
// in model.go, bytea values base64 (as encoding/json reads []byte),
// timestamps ISO 8601. An attachment's content is never read here, only its
// metadata, of every side: which of them the caller sees depends on the
// relation the service picks after reading (view.go leaves the committee's
// own documents out for others).
var partKinds = []struct {
	field string
	bit   int32
	file  string
	table string
}{
	{"Elements", 0, "elements", "case_elements"}, {"Panel", 2, "panel", "panel_members"},
	{"InfoRequests", 4, "info_requests", "information_requests"}, {"Statements", 8, "statements", "statements"},
	{"Attachments", 16, "attachments", "attachments"}, {"Hearings", 32, "hearings", "hearings"},
	{"Advice", 64, "advice", "advices"}, {"Decision", 128, "decision", "decisions"},
	{"Delays", 256, "delays", "term_delays"}, {"Waivers", 512, "waivers", "hearing_waivers"},
}

// allParts is every part kind's bit: what a case row read without its
// parts_present must assume.
const allParts int32 = 1<<10 - 2

var (
	partSubqueries = func() map[string]string {
		out := map[string]string{}
		for _, k := range partKinds {
			out[k.field] = stmt("_part_" + k.file)
		}
		return out
	}()
	partsStatements sync.Map // int32 → string
)

// partsSQL is the statement that reads, as one JSON object, the parts of
// case $1 whose bits are set in present: PostgreSQL prepares every
// subquery of a statement before running it, rows or none, so the parts a
// case does not have are not asked for at all. A case has few kinds of
// parts at a time, so the statements made are few, each prepared once per
// connection.
func partsSQL(present int32) string {
	if q, ok := partsStatements.Load(present); ok {
		return q.(string)
	}
	var fields []string
	for _, k := range partKinds {
		if k.bit == 0 || present&k.bit != 0 {
			fields = append(fields, "'"+k.field+"', "+partSubqueries[k.field])
		}
	}
	q := "SELECT json_build_object(" + strings.Join(fields, ",\n") + ")"
	partsStatements.Store(present, q)
	return q
}

// partsOf returns the parts of case r, as read with its access-log entry
// (Access, for a Read WithParts) or else now. They hold the committee's own documents: the
// view leaves them out for everyone else.
func partsOf(tx *gorm.DB, r *relRow) (*caseParts, error) {
	doc := r.PartsDoc
	if doc == nil {
		if err := tx.Raw(partsSQL(r.presentParts()), r.ID).Row().Scan(&doc); err != nil {
			return nil, err
		}
	}
	var p caseParts
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("case parts: %w", err)
	}
	return &p, nil
}

// presentParts are the kinds of parts the case may have: all of them when
// its row was read without parts_present.
func (r *relRow) presentParts() int32 {
	if r.PartsPresent == nil {
		return allParts
	}
	return *r.PartsPresent
}
