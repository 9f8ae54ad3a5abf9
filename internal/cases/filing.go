package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// Respondent is the person complained about, as the complainant names them;
// every part may be unknown.
type Respondent struct {
	Name     string `json:"name,omitempty"`
	Ministry string `json:"ministry,omitempty"`
	Function string `json:"function,omitempty"`
}

// Complaint is what a complainant (or their adviser) files.
type Complaint struct {
	Category      string     `json:"category"`
	Ground        string     `json:"ground,omitempty"`
	Description   string     `json:"description"`
	Elements      []string   `json:"elements,omitempty"`
	IncidentWhen  string     `json:"incident_when,omitempty"`
	IncidentWhere string     `json:"incident_where,omitempty"`
	Respondent    Respondent `json:"respondent"`
	Witnesses     string     `json:"witnesses,omitempty"`
	WishedOutcome string     `json:"wished_outcome,omitempty"`
	Contact       string     `json:"contact,omitempty"`
	// Filing on behalf (adviser only): the complainant's account and their
	// recorded consent.
	ComplainantEmail string `json:"complainant_email,omitempty"`
	Consent          string `json:"consent,omitempty"`
}

// Filed is the answer to a filing.
type Filed struct {
	ID     uuid.UUID `json:"id"`
	Number string    `json:"number"`
	State  State     `json:"state"`
}

// limits of free text, in characters
const (
	maxShort = 200
	// MaxLine bounds a free text of one line: a title, a short reason.
	MaxLine = 500
	// MaxText bounds a free text of several paragraphs: a description, a
	// statement, a message.
	MaxText = 20000
)

// CheckOneOf adds to bad why v of field is refused, if it is not one of
// list.
func CheckOneOf(bad map[string]string, field, v string, list []string) {
	if !oneOf(v, list) {
		bad[field] = "must be one of " + strings.Join(list, ", ")
	}
}

// CheckText adds to bad why the text v of field is refused, if it is: not
// valid UTF-8, missing while required, or longer than max characters.
func CheckText(bad map[string]string, field, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		bad[field] = "must be valid UTF-8 text"
	case required && strings.TrimSpace(v) == "":
		bad[field] = "is required"
	case n > max:
		bad[field] = fmt.Sprintf("must be at most %d characters", max)
	}
}

func (c *Complaint) validate() map[string]string {
	bad := map[string]string{}
	CheckOneOf(bad, "category", c.Category, Categories)
	if c.Category == "discrimination" && !oneOf(c.Ground, Grounds) {
		bad["ground"] = "is required for discrimination and must be one of " + strings.Join(Grounds, ", ")
	}
	if c.Category != "discrimination" && c.Ground != "" {
		bad["ground"] = "is only given when the category is discrimination"
	}
	CheckText(bad, "description", c.Description, true, MaxText)
	if len(c.Elements) > 50 {
		bad["elements"] = "at most 50 elements"
	}
	for i, e := range c.Elements {
		CheckText(bad, fmt.Sprintf("elements[%d]", i), e, true, MaxText)
	}
	CheckText(bad, "incident_when", c.IncidentWhen, false, maxShort)
	CheckText(bad, "incident_where", c.IncidentWhere, false, MaxLine)
	CheckText(bad, "respondent.name", c.Respondent.Name, false, maxShort)
	CheckText(bad, "respondent.function", c.Respondent.Function, false, maxShort)
	CheckText(bad, "witnesses", c.Witnesses, false, MaxText)
	CheckText(bad, "wished_outcome", c.WishedOutcome, false, MaxText)
	CheckText(bad, "contact", c.Contact, false, MaxLine)
	CheckText(bad, "consent", c.Consent, false, 2000)
	return bad
}

// File registers a new complaint in state submitted. Callable by a
// complainant for themselves, or by an adviser for a complainant of a
// ministry they advise, with the complainant's consent recorded; never for
// an account with a committee, authority, admin or privacy-officer role,
// nor for the respondent named in the complaint (onBehalfRefusal). The
// complainant is told in their account and by e-mail.
func (s *Service) File(ctx context.Context, caller *accounts.Caller, c Complaint) (*Filed, error) {
	bad := c.validate()
	complainantID, ministry := caller.ID, caller.Ministry
	var adviserID *uuid.UUID
	var filed *Filed
	onBehalf := c.ComplainantEmail != ""
	if onBehalf {
		if strings.TrimSpace(c.Consent) == "" {
			bad["consent"] = "is required when filing on behalf of a complainant"
		}
	} else if c.Consent != "" {
		bad["consent"] = "is only given when filing on behalf of a complainant"
	}
	// A filing for oneself writes in one statement (insertCase), which is
	// all or nothing on its own: only a filing on behalf, which also grants
	// a role and leaves a notice, needs a transaction around its writes.
	run := s.db.WithContext(ctx).Transaction
	if !onBehalf {
		run = func(fn func(*gorm.DB) error, _ ...*sql.TxOptions) error { return fn(s.db.WithContext(ctx)) }
	}
	err := run(func(tx *gorm.DB) error {
		if c.Respondent.Ministry != "" {
			known, err := ministryExists(tx, c.Respondent.Ministry)
			if err != nil {
				return err
			}
			if !known {
				bad["respondent.ministry"] = "is not a known ministry code"
			}
		}
		if onBehalf {
			var p accounts.Person
			found, err := activePersonByEmail(tx, &p, c.ComplainantEmail)
			switch {
			case err == nil && !found:
				bad["complainant_email"] = "has no account; the complainant signs in once first"
			case err != nil:
				return err
			case p.ID == caller.ID:
				bad["complainant_email"] = "is your own; file for yourself without it"
			default:
				why, err := onBehalfRefusal(tx, &p, &c)
				if err != nil {
					return err
				}
				if why != "" {
					bad["complainant_email"] = why
					break
				}
				complainantID, ministry = p.ID, p.Ministry
				id := caller.ID
				adviserID = &id
			}
		}
		if len(bad) > 0 {
			return apperr.InvalidFields(bad)
		}
		role := authz.Complainant
		if onBehalf {
			role = authz.Adviser
		}
		if !s.mayFile(caller, role, ministry) {
			return apperr.New(apperr.Forbidden, "forbidden", "You may not file a complaint for this ministry.")
		}
		if onBehalf {
			// The complainant holds the complainant role from now on, in their own ministry.
			if err := grantRole(tx, complainantID, authz.Complainant, ministry, caller.ID); err != nil {
				return err
			}
		}
		var err error
		if filed, err = s.insertCase(ctx, tx, caller, role, complainantID, adviserID, ministry, &c); err != nil {
			return err
		}
		if onBehalf {
			return s.tellFiledOnBehalf(ctx, tx, complainantID, filed)
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return filed, nil
}

// mayFile reports whether caller may file a complaint in ministry as role:
// as complainant for themselves or as adviser on someone's behalf.
func (s *Service) mayFile(caller *accounts.Caller, role, ministry string) bool {
	return caller.Has(role, ministry) && s.enf.Allowed(caller.ID.String(), ministry, "case:file")
}

// MayFileOwn reports whether caller may file a complaint of their own, as
// complainant in their own ministry (FileFromSignal).
func (s *Service) MayFileOwn(caller *accounts.Caller) bool {
	return s.mayFile(caller, authz.Complainant, caller.Ministry)
}

// insertCase stores a new case in state submitted with its own data key.
func (s *Service) insertCase(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, role string,
	complainantID uuid.UUID, adviserID *uuid.UUID, ministry string, c *Complaint) (*Filed, error) {
	dk, err := crypto.NewDataKey()
	if err != nil {
		return nil, err
	}
	defer dk.Zero()
	id := uuid.New()
	wrapped, keyID, err := s.keys.Wrap(dk, id.String())
	if err != nil {
		return nil, err
	}
	var seq int64
	now := s.now()
	if err := tx.Raw(nextCaseNumberSQL).Scan(&seq).Error; err != nil {
		return nil, err
	}
	number := fmt.Sprintf("RKC-%d-%05d", now.Year(), seq)
	sid := id.String()
	seal := func(field, v string) []byte {
		if v == "" {
			return nil
		}
		return dk.SealString(sid, field, v)
	}
	row := CaseRecord{
		ID: id, Number: number, State: Submitted, Version: 1, Ministry: ministry, Category: c.Category,
		ComplainantID: complainantID, AdviserID: adviserID, FiledBy: caller.ID, FiledAt: now,
		DataKey: wrapped, DataKeyID: keyID,
		ConsentEnc:            seal("consent", c.Consent),
		ComplainantContactEnc: seal("complainant_contact", c.Contact),
		RespondentNameEnc:     seal("respondent_name", c.Respondent.Name),
		RespondentFunctionEnc: seal("respondent_function", c.Respondent.Function),
		DescriptionEnc:        dk.SealString(sid, "description", c.Description),
		IncidentWhenEnc:       seal("incident_when", c.IncidentWhen),
		IncidentWhereEnc:      seal("incident_where", c.IncidentWhere),
		GroundEnc:             seal("ground", c.Ground),
		WitnessesEnc:          seal("witnesses", c.Witnesses),
		WishedOutcomeEnc:      seal("wished_outcome", c.WishedOutcome),
		CreatedAt:             now, UpdatedAt: now,
	}
	if c.Respondent.Ministry != "" {
		m := c.Respondent.Ministry
		row.RespondentMinistry = &m
	}
	// The statistical record exists from filing; only the sealed link to it
	// is on the case (syncStats keeps it current at every later step).
	statsID := uuid.New()
	row.StatsIDEnc = dk.Seal(sid, "stats_id", statsID[:])
	var rows inserts
	rows.addCase(&row)
	elements := c.Elements
	if len(elements) == 0 {
		// One element: the complaint as a whole. The advice judges per element.
		elements = []string{c.Description}
	}
	for i, e := range elements {
		rows.add("case_elements", []string{"case_id", "position", "description_enc"},
			id, i+1, dk.SealString(sid, fmt.Sprintf("element.%d", i+1), e))
	}
	// The filing is the first work on the new case.
	w := &Work{Tx: tx, Caller: caller, Rel: authz.Relation(role), Key: dk, c: &relRow{CaseRecord: row}, s: s, ctx: ctx}
	cols, values, err := w.eventRow("filed", nil, "", true)
	if err != nil {
		return nil, err
	}
	rows.add("case_events", cols, values...)
	// A new case has no facts beyond its row: one plain insert, without the
	// read-back and upsert of syncStats; the facts of later steps (received,
	// due, admissible, …) keep their empty defaults.
	stats := newStatsRow(&row, statsID)
	if c.Ground != "" {
		stats.Ground = &c.Ground
	}
	rows.add("case_stats", []string{"id", "ministry", "respondent_ministry", "category", "ground", "filed_on", "state"},
		stats.ID, stats.Ministry, stats.RespondentMinistry, stats.Category, stats.Ground, stats.FiledOn, stats.State)
	// The case's first entry: its log key is made here; the key, the entry
	// and the rows above go in one statement.
	key, err := audit.NewCaseKey()
	if err != nil {
		return nil, err
	}
	var entryID int64
	if err := audit.AppendWith(ctx, tx, audit.Entry{At: now, PersonID: &caller.ID, Role: role, CaseID: &id, Action: "case:file",
		Client: caller.Client, Key: key}, rows.with, `SELECT id FROM logged`, rows.args, &entryID); err != nil {
		return nil, err
	}
	return &Filed{ID: id, Number: number, State: Submitted}, nil
}

// FileFromSignal files, inside tx, the complaint the reporter of an
// anonymous signal makes of it, as the signed-in complainant caller. A
// discrimination signal has no ground yet; the complainant adds it later.
func (s *Service) FileFromSignal(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, c *Complaint) (*Filed, error) {
	if bad := c.validate(); len(bad) > 0 {
		if _, onlyGround := bad["ground"]; !(onlyGround && len(bad) == 1) {
			return nil, apperr.InvalidFields(bad)
		}
	}
	return s.insertCase(ctx, tx, caller, authz.Complainant, caller.ID, nil, caller.Ministry, c)
}
