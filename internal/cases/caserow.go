package cases

import (
	"context"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/platform/db"
)

// Every request on a case loads it first, so that load is written out by
// hand: the SQL is built once with positional parameters (gorm would parse
// a few kilobytes of SQL for its named parameters on every call) and the
// row is scanned into the fields named beside their columns (gorm would map
// them by reflection). TestCaseColumnsCoverTable keeps the list complete.

// fields pairs each column of the cases table with the field it is read into.
func (c *CaseRecord) fields() []struct {
	column string
	dest   any
} {
	return []struct {
		column string
		dest   any
	}{
		{"id", &c.ID}, {"number", &c.Number}, {"state", &c.State}, {"version", &c.Version},
		{"ministry", &c.Ministry}, {"respondent_ministry", &c.RespondentMinistry}, {"category", &c.Category},
		{"complainant_id", &c.ComplainantID}, {"adviser_id", &c.AdviserID}, {"respondent_id", &c.RespondentID},
		{"filed_by", &c.FiledBy}, {"filed_at", &c.FiledAt}, {"received_on", &c.ReceivedOn},
		{"registered_at", &c.RegisteredAt}, {"due_on", &c.DueOn}, {"not_handled_due_on", &c.NotHandledDueOn},
		{"extended", &c.Extended}, {"admissible", &c.Admissible}, {"inadmissible_ground", &c.InadmissibleGround},
		{"respondent_informed_at", &c.RespondentInformedAt}, {"advised_at", &c.AdvisedAt},
		{"decided_at", &c.DecidedAt}, {"closed_at", &c.ClosedAt}, {"finished_at", &c.FinishedAt},
		{"legal_hold", &c.LegalHold}, {"data_key", &c.DataKey}, {"data_key_id", &c.DataKeyID},
		{"consent_enc", &c.ConsentEnc}, {"complainant_contact_enc", &c.ComplainantContactEnc},
		{"respondent_name_enc", &c.RespondentNameEnc}, {"respondent_function_enc", &c.RespondentFunctionEnc},
		{"description_enc", &c.DescriptionEnc}, {"incident_when_enc", &c.IncidentWhenEnc},
		{"incident_where_enc", &c.IncidentWhereEnc}, {"ground_enc", &c.GroundEnc}, {"witnesses_enc", &c.WitnessesEnc},
		{"wished_outcome_enc", &c.WishedOutcomeEnc}, {"extension_reason_enc", &c.ExtensionReasonEnc},
		{"admissibility_reason_enc", &c.AdmissibilityReasonEnc}, {"late_admission_reason_enc", &c.LateAdmissionReasonEnc},
		{"stats_id_enc", &c.StatsIDEnc}, {"legal_hold_reason_enc", &c.LegalHoldReasonEnc},
		{"created_at", &c.CreatedAt}, {"updated_at", &c.UpdatedAt},
	}
}

// rowInsert inserts one row of table with the values of cols, its
// parameters numbered from $first+1: a plain statement for the rows every
// filing and step writes, without gorm's reflection and statement building.
func rowInsert(first int, table string, cols []string) string {
	return `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + db.Params(first, len(cols)) + `)`
}

// insertRow writes one row of table with the values of cols now.
func insertRow(tx *gorm.DB, table string, cols []string, values ...any) error {
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, rowInsert(0, table, cols), values...)
	return err
}

// inserts collects rows to write in one statement, each insert a WITH query
// of it (audit.AppendWith sends them with the access-log entry): a filing
// writes its case, element, timeline, statistics and log rows in one round
// trip instead of five.
type inserts struct {
	with []string // "insertN AS (INSERT …)"
	args []any
}

// add adds a row of table with the values of cols.
func (b *inserts) add(table string, cols []string, values ...any) {
	b.with = append(b.with, "insert"+strconv.Itoa(len(b.with))+" AS ("+rowInsert(len(b.args), table, cols)+")")
	b.args = append(b.args, values...)
}

// addCase adds a whole case row, every column of fields.
func (b *inserts) addCase(c *CaseRecord) {
	var cols []string
	var values []any
	for _, f := range c.fields() {
		cols = append(cols, f.column)
		// The field's value, not its address: a nil *uuid.UUID behind a
		// pointer would reach pgx as a Valuer it calls on nil.
		values = append(values, reflect.ValueOf(f.dest).Elem().Interface())
	}
	b.add("cases", cols, values...)
}

// load reads one case with the caller's relations, scoped in SQL, the kinds
// of parts it has and its access-log key, in one statement; spec.Write
// locks the row for the rest of the transaction.
func (s *Service) load(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, id uuid.UUID, spec AccessSpec) (*relRow, error) {
	lock := 0
	if spec.Write {
		lock = 1
	}
	staff, doms := callerScope(caller)
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, loadSQL[lock], id, caller.ID, staff, doms)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, errCaseNotFound
	}
	r := &relRow{}
	if err := rows.Scan(r.loadDest()...); err != nil {
		return nil, err
	}
	return r, rows.Close()
}

// loadDest are where the columns of the load (_load_case.sql) go.
func (r *relRow) loadDest() []any {
	r.PartsPresent = new(int32)
	var dest []any
	for _, f := range r.CaseRecord.fields() {
		dest = append(dest, f.dest)
	}
	return append(dest, r.PartsPresent, &r.IsComplainant, &r.IsAdviser, &r.IsRespondent, &r.IsPanel, &r.IsStaff, &r.IsAuthority, &r.IsWitness,
		&r.LogKey.Handle, &r.LogKey.Key)
}
