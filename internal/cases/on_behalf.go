package cases

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
)

// ownFilingRoles are the roles whose holders never have a complaint filed
// for them by a confidential adviser: the committee, who would then judge
// it; the competent authority, who would decide it; the administrator and
// the privacy officer, whose accounts an adviser must not be able to tie to
// a case. Such a person who has a complaint files it themselves, in their
// own name and with their own consent.
var ownFilingRoles = []string{authz.Secretary, authz.Member, authz.Chair, authz.Authority, authz.Admin, authz.PrivacyOfficer}

// onBehalfRefusal says why an adviser may not file for p ("" when they
// may): p holds one of ownFilingRoles, or p is the person the complaint is
// about (named as its respondent).
func onBehalfRefusal(tx *gorm.DB, p *accounts.Person, c *Complaint) (string, error) {
	var holds bool
	if err := tx.Raw(filingRolesHeldSQL, p.ID, ownFilingRoles).Scan(&holds).Error; err != nil {
		return "", err
	}
	if holds {
		return "belongs to an account with a committee, authority, administrator or privacy-officer role; that person files a complaint themselves", nil
	}
	if name := normalName(c.Respondent.Name); name != "" && name == normalName(p.Name) {
		return "is the account of the person the complaint is about (the respondent)", nil
	}
	return "", nil
}

// normalName compares names without regard to case or spacing.
func normalName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// tellFiledOnBehalf lets the complainant know, in their own account and by
// an e-mail without content, that an adviser filed a complaint for them.
func (s *Service) tellFiledOnBehalf(ctx context.Context, tx *gorm.DB, complainant uuid.UUID, f *Filed) error {
	if err := tx.Exec(noticeFiledOnBehalfSQL, complainant, f.ID, s.now()).Error; err != nil {
		return err
	}
	if s.Notify == nil {
		return nil
	}
	return s.Notify(ctx, tx, Notice{Kind: "filed_on_behalf", CaseID: f.ID, Number: f.Number, To: []uuid.UUID{complainant}})
}
