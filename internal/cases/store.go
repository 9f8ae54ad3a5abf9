package cases

import (
	"context"
	"embed"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/platform/sqlfiles"
)

// The case store's statements live in sql/<name>.sql (docs/architecture.md
// "Where the SQL is"): the rules in this package say when to run one, the
// files say what it does. The statements built from the one relation
// definition (relation.go) are assembled there, from these files and
// caseRelations, and checked at start with the rest.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

var statements = sqlfiles.Load("cases", sqlFiles, "sql")

// stmt returns the named statement; it is called when the package's
// variables are initialised, so a missing file stops the binary at once.
func stmt(name string) string { return statements.Get(name) }

// Check has PostgreSQL prepare every statement of the case store against
// the current schema: call it at start, so that a broken statement stops
// the service instead of failing the first request that needs it.
func Check(ctx context.Context, db *gorm.DB) error {
	return statements.Check(ctx, db, assembled())
}

// one runs query q, which returns at most one row, into dst; found is false
// when it returns none.
func one(tx *gorm.DB, dst any, q string, args ...any) (found bool, err error) {
	res := tx.Raw(q, args...).Scan(dst)
	return res.RowsAffected > 0, res.Error
}

// The statements, by the name of their file in sql/.
var (
	activePersonByEmailSQL       = stmt("active_person_by_email")
	addPanelMemberSQL            = stmt("add_panel_member")
	answerInformationRequestsSQL = stmt("answer_information_requests")
	attachmentOfCaseSQL          = stmt("attachment_of_case")
	authoredSQL                  = stmt("authored")
	authorityOfSQL               = stmt("authority_of")
	bumpVersionSQL               = stmt("bump_version")
	caseByIDSQL                  = stmt("case_by_id")
	caseByIDLockedSQL            = stmt("case_by_id_locked")
	clearPanelSQL                = stmt("clear_panel")
	closeCaseSQL                 = stmt("close_case")
	declareConflictSQL           = stmt("declare_conflict")
	deleteCaseSQL                = stmt("delete_case")
	elementPositionsSQL          = stmt("element_positions")
	filingRolesHeldSQL           = stmt("filing_roles_held")
	finishedCasesSQL             = stmt("finished_cases")
	grantCaseRoleSQL             = stmt("grant_case_role")
	hearingOfCaseSQL             = stmt("hearing_of_case")
	hearingsOfWitnessSQL         = stmt("hearings_of_witness")
	judgeElementSQL              = stmt("judge_element")
	leavePanelSQL                = stmt("leave_panel")
	markStatsPurgedSQL           = stmt("mark_stats_purged")
	ministryExistsSQL            = stmt("ministry_exists")
	nextCaseNumberSQL            = stmt("next_case_number")
	nextEventIDSQL               = stmt("next_event_id")
	noticeFiledOnBehalfSQL       = stmt("notice_filed_on_behalf")
	panelCandidateSQL            = stmt("panel_candidate")
	panelOfCaseSQL               = stmt("panel_of_case")
	recordHearingSQL             = stmt("record_hearing")
	recordWitnessStatementSQL    = stmt("record_witness_statement")
	sidesHeardSQL                = stmt("sides_heard")
	statsFactsSQL                = stmt("stats_facts")
	timelineSQL                  = stmt("timeline")
	waiversOfCaseSQL             = stmt("waivers_of_case")
	witnessConflictSQL           = stmt("witness_conflict")
	witnessOfCaseSQL             = stmt("witness_of_case")
	witnessesOfCaseSQL           = stmt("witnesses_of_case")
)

// ministryExists says whether code is a known ministry.
func ministryExists(tx *gorm.DB, code string) (bool, error) {
	var known bool
	err := tx.Raw(ministryExistsSQL, code).Scan(&known).Error
	return known, err
}

// activePersonByEmail finds the active account of an e-mail address, as
// typed (case and surrounding spaces do not matter).
func activePersonByEmail(tx *gorm.DB, p *accounts.Person, email string) (bool, error) {
	return one(tx, p, activePersonByEmailSQL, accounts.NormalEmail(email))
}

// accountByEmail is the active account with the e-mail address (case and
// surrounding spaces do not count); none is the refusal of field as naming
// no account.
func accountByEmail(tx *gorm.DB, field, email string) (*accounts.Person, error) {
	var p accounts.Person
	found, err := activePersonByEmail(tx, &p, email)
	if err == nil && !found {
		err = invalid(field, "has no account")
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// grantRole gives person role in domain, the grant that comes with their
// part in a case (complainant filed for, respondent informed, witness
// linked); a grant they hold already stays as it is.
func grantRole(tx *gorm.DB, person uuid.UUID, role, domain string, by uuid.UUID) error {
	return tx.Exec(grantCaseRoleSQL, person, role, domain, by).Error
}

// panelOf lists the panel members of case id.
func panelOf(tx *gorm.DB, id uuid.UUID) ([]uuid.UUID, error) {
	var panel []uuid.UUID
	err := tx.Raw(panelOfCaseSQL, id).Scan(&panel).Error
	return panel, err
}

// witnessesOf lists the witnesses of case id in the order they were added:
// all of them, or those whose account is person when it is set.
func witnessesOf(tx *gorm.DB, id uuid.UUID, person *uuid.UUID) ([]witnessRow, error) {
	var rows []witnessRow
	err := tx.Raw(witnessesOfCaseSQL, id, person).Scan(&rows).Error
	return rows, err
}

// updateCase writes fields of case id's row (column → value).
func updateCase(tx *gorm.DB, id uuid.UUID, fields map[string]any) error {
	return tx.Model(&CaseRecord{ID: id}).Updates(fields).Error
}
