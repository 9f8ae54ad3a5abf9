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
)

// CaseExport is one case in a person's data export, seen through their part
// in it, with other people's contributions left out.
type CaseExport struct {
	Role string `json:"role"` // complainant, adviser, respondent, panel
	Case *View  `json:"case"`
}

// ExportCases returns what the system holds about subject in cases: as
// complainant the complaint with their own statements and evidence, as
// respondent what was shared with them and their answer, as adviser what
// they filed and wrote, as panel member only which cases they sat on. Every
// case read is logged with the requester as actor. Callable for oneself, or
// by the privacy officer for a data-subject request (the handler checks).
func (s *Service) ExportCases(ctx context.Context, requester *accounts.Caller, subject uuid.UUID) ([]CaseExport, error) {
	out := []CaseExport{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []relRow
		if err := tx.Raw(`SELECT c.*, c.complainant_id = @me AS is_complainant, coalesce(c.adviser_id = @me, false) AS is_adviser,
			coalesce(c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL, false) AS is_respondent,
			EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me) AS is_panel
			FROM cases c WHERE c.complainant_id = @me OR c.adviser_id = @me
			   OR (c.respondent_id = @me AND c.respondent_informed_at IS NOT NULL)
			   OR EXISTS (SELECT 1 FROM panel_members p WHERE p.case_id = c.id AND p.person_id = @me)
			ORDER BY c.filed_at`, map[string]any{"me": subject}).Scan(&rows).Error; err != nil {
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
			v, err := s.view(tx, r, rel, dk)
			dk.Zero()
			if err != nil {
				return err
			}
			if err := ownOnly(tx, v, r.ID, rel, subject); err != nil {
				return err
			}
			if rel == authz.RelAdviser {
				// The complaint is the complainant's data, not the adviser's.
				v = &View{Summary: v.Summary, Consent: v.Consent, FiledOnBehalf: true, Statements: v.Statements, Attachments: v.Attachments}
			}
			out = append(out, CaseExport{Role: string(rel), Case: v})
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
