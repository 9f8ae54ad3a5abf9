package privacy

import (
	"context"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/conversations"
)

// CaseExport is one case in a person's data export, seen through their part
// in it, with other people's contributions left out.
type CaseExport struct {
	Role string      `json:"role"` // complainant, adviser, respondent, witness, panel
	Case *cases.View `json:"case"`
	// Messages of the person's own thread with the committee (an adviser's:
	// those they wrote), with their files described.
	Messages []conversations.MessageView `json:"messages,omitempty"`
	// RetaliationReports the person filed.
	RetaliationReports []conversations.RetaliationView `json:"retaliation_reports,omitempty"`
}

// exportCases returns what the system holds about subject in cases: as
// complainant the complaint with their own statements and evidence, as
// respondent what was shared with them and their answer, as adviser what
// they filed and wrote, as witness their own record, hearings and
// statement, as panel member only which cases they sat on. A party's and a
// witness's own thread with the committee and the retaliation reports they
// filed come with it; the panel's notes never do (working papers). Every
// case read is logged with the requester as actor. Callable for oneself, or
// by the privacy officer for a data-subject request (Build and
// BuildUnderRequest check).
func (s *Service) exportCases(ctx context.Context, requester *accounts.Caller, subject uuid.UUID) ([]CaseExport, error) {
	out := []CaseExport{}
	err := s.Cases.EachSubjectCase(ctx, requester, subject, func(w *cases.Work) error {
		if w.Rel == authz.RelPanel {
			// A panel member's personal data in a case is that they sat
			// on it; the case content is the parties' data.
			out = append(out, CaseExport{Role: "panel", Case: &cases.View{Summary: w.Summary()}})
			return nil
		}
		v, err := w.View(subject)
		if err != nil {
			return err
		}
		ex := CaseExport{Role: string(w.Rel), Case: v}
		if ex.Messages, ex.RetaliationReports, err = conversations.Own(w, subject); err != nil {
			return err
		}
		if w.Rel != authz.RelWitness {
			if err := ownOnly(w, v, subject); err != nil {
				return err
			}
		}
		if w.Rel == authz.RelAdviser {
			// The complaint is the complainant's data, not the adviser's.
			ex.Case = &cases.View{Summary: v.Summary, Consent: v.Consent, FiledOnBehalf: true, Statements: v.Statements, Attachments: v.Attachments}
		}
		out = append(out, ex)
		id, actor := w.CaseID(), requester.ID
		return audit.Append(ctx, w.Tx, audit.Entry{At: w.Now(), PersonID: &actor, Role: exportRole(requester, subject),
			CaseID: &id, Action: "case:export", Client: requester.Client})
	})
	return out, err
}

// ownOnly leaves out what is another person's data: the other side's
// statements and evidence, the panel, and for an adviser also what the
// complainant wrote or sent in themselves (the adviser's own part is what
// they filed and wrote).
func ownOnly(w *cases.Work, v *cases.View, subject uuid.UUID) error {
	side := "complainant"
	if w.Rel == authz.RelRespondent {
		side = "respondent"
	}
	var authored map[uuid.UUID]bool
	if w.Rel == authz.RelAdviser {
		var err error
		if authored, err = w.Authored(subject); err != nil {
			return err
		}
	}
	keep := func(s string, id uuid.UUID) bool { return s == side && (authored == nil || authored[id]) }
	var sts []cases.StatementView
	for _, s := range v.Statements {
		if keep(s.Side, s.ID) {
			sts = append(sts, s)
		}
	}
	v.Statements = sts
	var atts []cases.AttachmentMeta
	for _, a := range v.Attachments {
		if keep(a.Side, a.ID) {
			atts = append(atts, a)
		}
	}
	v.Attachments = atts
	v.Panel = nil
	return nil
}
