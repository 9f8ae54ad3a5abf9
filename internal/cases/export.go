package cases

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// CaseExport is one case in a person's data export, seen through their part
// in it, with other people's contributions left out.
type CaseExport struct {
	Role string `json:"role"` // complainant, adviser, respondent, witness, panel
	Case *View  `json:"case"`
	// Messages of the person's own thread with the committee (an adviser's:
	// those they wrote), with their files described.
	Messages []MessageView `json:"messages,omitempty"`
	// RetaliationReports the person filed.
	RetaliationReports []RetaliationView `json:"retaliation_reports,omitempty"`
}

// ExportCases returns what the system holds about subject in cases: as
// complainant the complaint with their own statements and evidence, as
// respondent what was shared with them and their answer, as adviser what
// they filed and wrote, as witness their own record, hearings and
// statement, as panel member only which cases they sat on. A party's and a
// witness's own thread with the committee and the retaliation reports they
// filed come with it; the panel's notes never do (working papers). Every
// case read is logged with the requester as actor. Callable for oneself, or
// by the privacy officer for a data-subject request (the handler checks).
func (s *Service) ExportCases(ctx context.Context, requester *accounts.Caller, subject uuid.UUID) ([]CaseExport, error) {
	out := []CaseExport{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []relRow
		// The subject's own parts only: as staff or authority a person has
		// no personal data in a case.
		args := map[string]any{"me": subject, "staff": false, "authdoms": pgArray(nil)}
		if err := tx.Raw(`SELECT c.*, `+relationSQL+` FROM cases c WHERE `+relationWhere+` ORDER BY c.filed_at`, args).Scan(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			var rel authz.Relation
			switch {
			case r.IsComplainant:
				rel = authz.RelComplainant
			case r.IsAdviser:
				rel = authz.RelAdviser
			case r.IsRespondent:
				rel = authz.RelRespondent
			case r.IsWitness:
				rel = authz.RelWitness
			default:
				// A panel member's personal data in a case is that they sat
				// on it; the case content is the parties' data.
				out = append(out, CaseExport{Role: "panel", Case: &View{Summary: s.summary(r, authz.RelPanel)}})
				continue
			}
			dk, err := s.keys.Unwrap(r.DataKey, r.DataKeyID, r.ID.String())
			if err != nil {
				return fmt.Errorf("case key: %w", err)
			}
			var v *View
			var ex CaseExport
			if rel == authz.RelWitness {
				v, err = s.witnessCaseView(tx, r, subject, dk)
			} else {
				v, err = s.view(tx, r, rel, dk)
			}
			if err == nil {
				ex, err = s.exportConversations(tx, r, rel, subject, dk)
			}
			dk.Zero()
			if err != nil {
				return err
			}
			if rel != authz.RelWitness {
				if err := ownOnly(tx, v, r.ID, rel, subject); err != nil {
					return err
				}
			}
			if rel == authz.RelAdviser {
				// The complaint is the complainant's data, not the adviser's.
				v = &View{Summary: v.Summary, Consent: v.Consent, FiledOnBehalf: true, Statements: v.Statements, Attachments: v.Attachments}
			}
			out = append(out, CaseExport{Role: string(rel), Case: v, Messages: ex.Messages, RetaliationReports: ex.RetaliationReports})
			id, actor := r.ID, requester.ID
			if err := audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: &actor, Role: exportRole(requester, subject),
				CaseID: &id, Action: "case:export", Client: requester.Client}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, apperr.Wrap(err)
}

func exportRole(requester *accounts.Caller, subject uuid.UUID) string {
	if requester.ID == subject {
		return "data_subject"
	}
	return authz.PrivacyOfficer
}

// ownOnly leaves out what is another person's data: the other side's
// statements and evidence, the panel, and for an adviser also what the
// complainant wrote or sent in themselves (the adviser's own part is what
// they filed and wrote).
func ownOnly(tx *gorm.DB, v *View, caseID uuid.UUID, rel authz.Relation, subject uuid.UUID) error {
	side := "complainant"
	if rel == authz.RelRespondent {
		side = "respondent"
	}
	var authored map[uuid.UUID]bool
	if rel == authz.RelAdviser {
		var ids []uuid.UUID
		if err := tx.Raw(`SELECT id FROM statements WHERE case_id = @c AND author_id = @p
			UNION ALL SELECT id FROM attachments WHERE case_id = @c AND uploaded_by = @p`,
			map[string]any{"c": caseID, "p": subject}).Scan(&ids).Error; err != nil {
			return err
		}
		authored = make(map[uuid.UUID]bool, len(ids))
		for _, id := range ids {
			authored[id] = true
		}
	}
	keep := func(s string, id uuid.UUID) bool { return s == side && (authored == nil || authored[id]) }
	var sts []StatementView
	for _, s := range v.Statements {
		if keep(s.Side, s.ID) {
			sts = append(sts, s)
		}
	}
	v.Statements = sts
	var atts []AttachmentMeta
	for _, a := range v.Attachments {
		if keep(a.Side, a.ID) {
			atts = append(atts, a)
		}
	}
	v.Attachments = atts
	v.Panel = nil
	return nil
}

// exportConversations returns the subject's own thread (for an adviser the
// messages they wrote in it) and the retaliation reports they filed.
func (s *Service) exportConversations(tx *gorm.DB, r *relRow, rel authz.Relation, subject uuid.UUID, dk *crypto.DataKey) (CaseExport, error) {
	var out CaseExport
	var t thread
	var author *uuid.UUID
	switch rel {
	case authz.RelComplainant:
		t = thread{party: "complainant"}
	case authz.RelAdviser:
		t, author = thread{party: "complainant"}, &subject
	case authz.RelRespondent:
		t = thread{party: "respondent"}
	case authz.RelWitness:
		var w witnessRow
		if err := tx.Where("case_id = ? AND person_id = ?", r.ID, subject).Limit(1).Find(&w).Error; err != nil {
			return out, err
		}
		if w.ID == uuid.Nil {
			return out, nil
		}
		t = thread{party: "witness", witness: &w}
	default:
		return out, nil
	}
	ms, err := s.threadMessages(tx, r, t, dk, author)
	if err != nil {
		return out, err
	}
	if len(ms) > 0 {
		out.Messages = ms
	}
	var reps []retaliationRow
	if err := tx.Where("case_id = ? AND reporter_id = ?", r.ID, subject).Order("seq").Find(&reps).Error; err != nil {
		return out, err
	}
	if len(reps) > 0 {
		if out.RetaliationReports, err = s.openRetaliation(tx, r, rel, dk, reps, true); err != nil {
			return out, err
		}
	}
	return out, nil
}
