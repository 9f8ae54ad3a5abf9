package cases

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Who proposed a witness.
var witnessSides = []string{"complainant", "respondent", "committee"}

type witnessRow struct {
	ID                  uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID              uuid.UUID `gorm:"type:uuid"`
	ProposedBy          string
	PersonID            *uuid.UUID `gorm:"type:uuid"`
	NameEnc             []byte
	ContactEnc          []byte
	StatementEnc        []byte
	StatementRecordedAt *time.Time
	Version             int
	AddedBy             uuid.UUID `gorm:"type:uuid"`
	CreatedAt           time.Time
}

func (witnessRow) TableName() string { return "witnesses" }

// WitnessInput adds a witness to a case.
type WitnessInput struct {
	Name       string `json:"name"`
	Contact    string `json:"contact,omitempty"`
	ProposedBy string `json:"proposed_by"` // complainant, respondent or committee
	// Email links the witness's account, so they can sign in and see their
	// own thread, hearings and statement; without it the secretary reaches
	// them through Contact.
	Email string `json:"email,omitempty"`
}

// WitnessView is a witness as the committee, or the witness themself, sees them.
type WitnessView struct {
	ID                  uuid.UUID  `json:"id"`
	Name                string     `json:"name"`
	Contact             string     `json:"contact,omitempty"`
	ProposedBy          string     `json:"proposed_by"`
	HasAccount          bool       `json:"has_account"`
	Statement           string     `json:"statement,omitempty"`
	StatementRecordedAt *time.Time `json:"statement_recorded_at,omitempty"`
	Version             int        `json:"version"`
	CreatedAt           time.Time  `json:"created_at"`
}

func openWitness(o *opener, w *witnessRow) WitnessView {
	return WitnessView{ID: w.ID, Name: o.open(rowField("witness.name", w.ID), w.NameEnc),
		Contact: o.open(rowField("witness.contact", w.ID), w.ContactEnc), ProposedBy: w.ProposedBy, HasAccount: w.PersonID != nil,
		Statement: o.open(rowField("witness.statement", w.ID), w.StatementEnc), StatementRecordedAt: w.StatementRecordedAt,
		Version: w.Version, CreatedAt: w.CreatedAt}
}

// witnessesWhileHandled is the refusal of witness work outside the investigation's span.
var errWitnessState = apperr.New(apperr.Conflict, "case-not-open", "Witnesses are added and heard while the case is being handled, before the advice.")

func handledBeforeAdvice(st State) bool { return st.open() && st != Advised }

// AddWitness adds a witness to a case being handled, with their name and
// contact details (both sealed) and who proposed them. With an e-mail
// address the witness's account is linked: they get the witness role in
// the case's ministry and see only their own thread, hearings and
// statement. Someone who is a party, sits on the panel or is already a
// witness of the case is refused. Callable by a secretary.
func (s *Service) AddWitness(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in WitnessInput) (*WitnessView, error) {
	bad := map[string]string{}
	CheckText(bad, "name", in.Name, true, maxShort)
	CheckText(bad, "contact", in.Contact, false, MaxLine)
	if !oneOf(in.ProposedBy, witnessSides) {
		bad["proposed_by"] = "must be complainant, respondent or committee"
	}
	CheckText(bad, "email", in.Email, false, maxShort)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	wit := witnessRow{ID: uuid.New(), CaseID: id, ProposedBy: in.ProposedBy, Version: 1, AddedBy: caller.ID, CreatedAt: s.now()}
	var out WitnessView
	// Witness work is beside the case file's own fields: it leaves the
	// case's version alone, so no party's open form goes stale.
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:witness", Write: true}, func(w *Work) error {
		if !handledBeforeAdvice(w.c.State) {
			return errWitnessState
		}
		if strings.TrimSpace(in.Email) != "" {
			p, err := accountByEmail(w.Tx, "email", in.Email)
			if err != nil {
				return err
			}
			why, err := witnessConflict(w, p.ID)
			if err != nil {
				return err
			}
			if why != "" {
				return invalid("email", why)
			}
			wit.PersonID = &p.ID
			if err := grantRole(w.Tx, p.ID, authz.Witness, w.c.Ministry, caller.ID); err != nil {
				return err
			}
		}
		wit.NameEnc = w.SealString(rowField("witness.name", wit.ID), in.Name)
		if in.Contact != "" {
			wit.ContactEnc = w.SealString(rowField("witness.contact", wit.ID), in.Contact)
		}
		if err := w.Tx.Create(&wit).Error; err != nil {
			return err
		}
		out = WitnessView{ID: wit.ID, Name: in.Name, Contact: in.Contact, ProposedBy: wit.ProposedBy, HasAccount: wit.PersonID != nil,
			Version: 1, CreatedAt: wit.CreatedAt}
		// The committee and the witness see that they were added; the
		// parties do not learn who the witnesses are (docs/decisions.md).
		return tellWitness(w, &wit, "witness_added", "witness_added")
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// witnessConflict says why person cannot be a witness of the case, or "".
func witnessConflict(w *Work, person uuid.UUID) (string, error) {
	r := w.c
	switch {
	case person == r.ComplainantID || (r.AdviserID != nil && person == *r.AdviserID) || (r.RespondentID != nil && person == *r.RespondentID):
		return "is a party to the case", nil
	}
	var f struct{ Panel, Witness bool }
	if err := w.Tx.Raw(witnessConflictSQL, r.ID, person).Scan(&f).Error; err != nil {
		return "", err
	}
	switch {
	case f.Panel:
		return "sits on the panel of the case", nil
	case f.Witness:
		return "is already a witness in the case", nil
	}
	return "", nil
}

// Witnesses lists the witnesses of a case: all of them for the committee,
// their own record for a witness. The read is logged. Callable by the
// panel, committee staff and the case's witnesses.
func (s *Service) Witnesses(ctx context.Context, caller *accounts.Caller, id uuid.UUID) ([]WitnessView, error) {
	out := []WitnessView{}
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:witness:read"}, func(w *Work) error {
		var own *uuid.UUID
		if !w.Committee() {
			own = &caller.ID
		}
		rows, err := witnessesOf(w.Tx, w.c.ID, own)
		if err != nil {
			return err
		}
		o := &opener{dk: w.Key, id: w.c.ID.String()}
		for i := range rows {
			out = append(out, openWitness(o, &rows[i]))
		}
		return o.err
	})
	return out, err
}

// WitnessStatement is the record of a witness's statement.
type WitnessStatement struct {
	Version   int    `json:"version"`
	Statement string `json:"statement"`
}

// checkRecord refuses an edit of a record — a hearing's minutes, a
// witness's statement — that does not name the version it started from or
// holds no text.
func checkRecord(version int, record, field, text string) error {
	bad := map[string]string{}
	if version < 1 {
		bad["version"] = "is required: the version of the " + record + " you edited"
	}
	CheckText(bad, field, text, true, MaxText*5)
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	return nil
}

// RecordWitnessStatement stores or corrects a witness's statement. The
// witness's version must match (optimistic concurrency), so a stale edit
// gets conflict instead of overwriting a colleague's text. The witness, when
// linked, is told there is news. Callable by a secretary.
func (s *Service) RecordWitnessStatement(ctx context.Context, caller *accounts.Caller, id, wid uuid.UUID, in WitnessStatement) (*WitnessView, error) {
	if err := checkRecord(in.Version, "witness record", "statement", in.Statement); err != nil {
		return nil, err
	}
	var out WitnessView
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:witness", Write: true}, func(w *Work) error {
		var wit witnessRow
		if found, err := one(w.Tx, &wit, witnessOfCaseSQL, wid, w.c.ID); err != nil || !found {
			if err == nil {
				return errWitnessNotFound
			}
			return err
		}
		if !handledBeforeAdvice(w.c.State) {
			return errWitnessState
		}
		if wit.Version != in.Version {
			return errStale
		}
		now := s.now()
		res := w.Tx.Exec(recordWitnessStatementSQL, wid, in.Version, w.SealString(rowField("witness.statement", wid), in.Statement), now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errStale
		}
		o := &opener{dk: w.Key, id: w.c.ID.String()}
		out = openWitness(o, &wit)
		out.Statement, out.StatementRecordedAt, out.Version = in.Statement, &now, in.Version+1
		if o.err != nil {
			return o.err
		}
		return tellWitness(w, &wit, "witness_statement_recorded", "witness_statement")
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// tellWitness records event on the timeline of the committee and the
// witness, and tells the witness of notice when their account is linked.
func tellWitness(w *Work, wit *witnessRow, event, notice string) error {
	if err := w.SideEvent(event, "witness", &wit.ID); err != nil {
		return err
	}
	return w.tell(notice, wit.PersonID)
}

var errWitnessNotFound = apperr.NotFoundError("Witness")

// witnessCaseView is the case as a witness sees it: its number and state,
// the hearings they are heard in and their own record (with their
// statement), nothing of the complaint. w is work in the witness relation.
func witnessCaseView(w *Work, person uuid.UUID) (*View, error) {
	r := w.c
	o := &opener{dk: w.Key, id: r.ID.String()}
	v := &View{Summary: Summary{ID: r.ID, Number: r.Number, State: r.State, FiledAt: r.FiledAt, Relation: string(w.Rel), Version: r.Version}}
	own, err := witnessesOf(w.Tx, r.ID, &person)
	if err != nil {
		return nil, err
	}
	if len(own) > 0 {
		wit := own[0]
		wv := openWitness(o, &wit)
		v.Witness = &wv
		var hs []hearingRow
		if err := w.Tx.Raw(hearingsOfWitnessSQL, r.ID, wit.ID).Scan(&hs).Error; err != nil {
			return nil, err
		}
		for _, h := range hs {
			v.Hearings = append(v.Hearings, HearingView{ID: h.ID, PlannedAt: h.PlannedAt, Parties: h.Parties, Held: h.Held, Version: h.Version,
				WitnessID: h.WitnessID, Location: o.open(rowField("hearing.location", h.ID), h.LocationEnc),
				Minutes: o.open(rowField("hearing.minutes", h.ID), h.MinutesEnc)})
		}
	}
	if o.err != nil {
		return nil, apperr.Wrap(o.err)
	}
	return v, nil
}

// witnessSummary is a case in a witness's list: the number and state, not
// what the complaint is about.
func witnessSummary(sum Summary) Summary {
	sum.Category, sum.Ministry, sum.ReceivedOn, sum.Deadline = "", "", "", nil
	return sum
}
