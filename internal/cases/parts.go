package cases

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// caseParts are the rows of a case's parts that its view shows, read in one
// statement (sql/case_parts.sql) instead of one query per table: a case read
// is then a handful of round trips, however many parts a case has.
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

// partsOf returns the parts of case r, as read with it (AccessSpec.WithParts)
// or else now. They hold the committee's own documents: the view leaves them
// out for everyone else.
func partsOf(tx *gorm.DB, r *relRow) (*caseParts, error) {
	doc := r.PartsDoc
	if doc == nil {
		if err := tx.Raw(casePartsSQL, r.ID).Row().Scan(&doc); err != nil {
			return nil, err
		}
	}
	var p caseParts
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("case parts: %w", err)
	}
	return &p, nil
}
