package conversations

import (
	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Own returns what subject said in the case, for their data-subject export:
// their own thread with the committee (for an adviser the messages they
// wrote in the complainant's thread) and the retaliation reports they filed
// — never the panel's notes, which are working papers. w is subject's part
// in the case (cases.Service.EachSubjectCase).
func Own(w *cases.Work, subject uuid.UUID) ([]MessageView, []RetaliationView, error) {
	var t thread
	var author *uuid.UUID
	switch w.Rel {
	case authz.RelComplainant:
		t = thread{party: "complainant"}
	case authz.RelAdviser:
		t, author = thread{party: "complainant"}, &subject
	case authz.RelRespondent:
		t = thread{party: "respondent"}
	case authz.RelWitness:
		ws, err := w.Witnesses(&subject)
		if err != nil || len(ws) == 0 {
			return nil, nil, err
		}
		t = thread{party: "witness", witness: &ws[0]}
	default:
		return nil, nil, nil
	}
	ms, err := threadMessages(w, t, author)
	if err != nil {
		return nil, nil, err
	}
	if len(ms) == 0 {
		ms = nil // left out of the export
	}
	var rows []retaliationRow
	if err := w.Tx.Where("case_id = ? AND reporter_id = ?", w.CaseID(), subject).Order("seq").Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return ms, nil, nil
	}
	reps, err := openRetaliation(w, rows)
	if err != nil {
		return nil, nil, err
	}
	return ms, reps, nil
}
