package privacy

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// A data-subject request is the record under which the privacy officer
// exports another person's data (GDPR art. 15 access, art. 20
// portability). The officer records it when it comes in: who asked and
// when, how their identity was checked, the legal basis. It must be
// answered within one month of receipt (art. 12(3)); the open requests and
// their deadlines are on the officer's page and dashboard. An export is
// possible only while a request for that person is open; each is logged
// with the request, and the person sees it in their own account.

// Legal bases of a request.
const (
	BasisAccess      = "art15" // right of access
	BasisPortability = "art20" // right to data portability
)

// Outcomes are what a request is closed with.
var Outcomes = []string{"completed", "refused", "withdrawn"}

// RequestInput records a data-subject request.
type RequestInput struct {
	SubjectID     uuid.UUID `json:"subject_id"`
	RequestedBy   string    `json:"requested_by"`   // who asked: the person, or who for them
	ReceivedOn    string    `json:"received_on"`    // YYYY-MM-DD
	IdentityCheck string    `json:"identity_check"` // how the requester's identity was verified
	LegalBasis    string    `json:"legal_basis"`    // art15 or art20
}

// Request is a recorded data-subject request.
type Request struct {
	ID            uuid.UUID  `json:"id"`
	SubjectID     uuid.UUID  `json:"subject_id"`
	SubjectName   string     `json:"subject_name"`
	SubjectEmail  string     `json:"subject_email"`
	RequestedBy   string     `json:"requested_by"`
	ReceivedOn    string     `json:"received_on"`
	IdentityCheck string     `json:"identity_check"`
	LegalBasis    string     `json:"legal_basis"`
	DueOn         string     `json:"due_on"`
	Overdue       bool       `json:"overdue"`
	DueSoon       bool       `json:"due_soon"` // open and due within a week
	RecordedBy    uuid.UUID  `json:"recorded_by"`
	RecordedAt    time.Time  `json:"recorded_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	Exports       []ExportAt `json:"exports"`
}

// ExportAt is one export made under a request.
type ExportAt struct {
	MadeAt time.Time `json:"made_at"`
	MadeBy uuid.UUID `json:"made_by"`
}

// CloseInput closes a request.
type CloseInput struct {
	Outcome string `json:"outcome"`
}

// dueSoon is how long before its deadline a request is shown as due soon.
const dueSoon = 7 * 24 * time.Hour

// ErrNoOpenRequest refuses an export of another person's data without an
// open data-subject request for them.
var ErrNoOpenRequest = apperr.New(apperr.Forbidden, "no-data-subject-request",
	"There is no open data-subject request for this person: record the request (POST /api/v1/data-subject-requests) before exporting their data.")

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateRequest records a data-subject request about another person.
// Callable by the privacy officer (the route checks the role).
func (s *Service) CreateRequest(ctx context.Context, caller *accounts.Caller, in RequestInput) (*Request, error) {
	bad := map[string]string{}
	text := func(field, v string, max int) {
		switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
		case n == 0:
			bad[field] = "is required"
		case n > max:
			bad[field] = "is too long"
		}
	}
	text("requested_by", in.RequestedBy, 500)
	text("identity_check", in.IdentityCheck, 2000)
	if in.LegalBasis != BasisAccess && in.LegalBasis != BasisPortability {
		bad["legal_basis"] = "must be art15 (access) or art20 (portability)"
	}
	today := dateOf(s.now())
	received, err := time.Parse(time.DateOnly, in.ReceivedOn)
	switch {
	case err != nil:
		bad["received_on"] = "must be a date (YYYY-MM-DD)"
	case received.After(today):
		bad["received_on"] = "must not be in the future"
	}
	if in.SubjectID == uuid.Nil {
		bad["subject_id"] = "is required"
	} else if in.SubjectID == caller.ID {
		bad["subject_id"] = "is your own account; export your own data under My data"
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	if _, err := s.Accounts.ByID(ctx, in.SubjectID); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.InvalidFields(map[string]string{"subject_id": "is not a known account"})
		}
		return nil, err
	}
	id := uuid.New()
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO data_subject_requests (id, subject_id, requested_by, received_on, identity_check, legal_basis,
			due_on, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, in.SubjectID, strings.TrimSpace(in.RequestedBy), received, strings.TrimSpace(in.IdentityCheck), in.LegalBasis,
			received.AddDate(0, 1, 0), caller.ID, s.now()).Error; err != nil {
			return err
		}
		return s.log(ctx, tx, caller, "dsr.create:"+id.String())
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return s.Request(ctx, id)
}

// requestRow is a request as stored, with its subject's name and address.
type requestRow struct {
	ID            uuid.UUID
	SubjectID     uuid.UUID
	SubjectName   string
	SubjectEmail  string
	RequestedBy   string
	ReceivedOn    time.Time
	IdentityCheck string
	LegalBasis    string
	DueOn         time.Time
	RecordedBy    uuid.UUID
	RecordedAt    time.Time
	ClosedAt      *time.Time
	Outcome       *string
}

const requestSelect = `SELECT r.id, r.subject_id, p.name AS subject_name, p.email AS subject_email, r.requested_by, r.received_on,
	r.identity_check, r.legal_basis, r.due_on, r.recorded_by, r.recorded_at, r.closed_at, r.outcome
	FROM data_subject_requests r JOIN persons p ON p.id = r.subject_id`

func (s *Service) view(r requestRow) Request {
	today := dateOf(s.now())
	out := Request{ID: r.ID, SubjectID: r.SubjectID, SubjectName: r.SubjectName, SubjectEmail: r.SubjectEmail,
		RequestedBy: r.RequestedBy, ReceivedOn: r.ReceivedOn.Format(time.DateOnly), IdentityCheck: r.IdentityCheck,
		LegalBasis: r.LegalBasis, DueOn: r.DueOn.Format(time.DateOnly), RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt,
		ClosedAt: r.ClosedAt, Exports: []ExportAt{}}
	if r.Outcome != nil {
		out.Outcome = *r.Outcome
	}
	if r.ClosedAt == nil {
		out.Overdue = today.After(r.DueOn)
		out.DueSoon = !out.Overdue && r.DueOn.Sub(today) <= dueSoon
	}
	return out
}

// Requests lists the requests: the open ones by deadline, then the 100
// most recently closed. Callable by the privacy officer.
func (s *Service) Requests(ctx context.Context) ([]Request, error) {
	var rows []requestRow
	err := s.DB.WithContext(ctx).Raw(`(` + requestSelect + ` WHERE r.closed_at IS NULL ORDER BY r.due_on, r.recorded_at LIMIT 1000)
		UNION ALL (` + requestSelect + ` WHERE r.closed_at IS NOT NULL ORDER BY r.closed_at DESC LIMIT 100)`).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.view(r))
	}
	return out, nil
}

// Request returns one request with the exports made under it; not_found
// when there is none with this id.
func (s *Service) Request(ctx context.Context, id uuid.UUID) (*Request, error) {
	var rows []requestRow
	if err := s.DB.WithContext(ctx).Raw(requestSelect+` WHERE r.id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	if len(rows) == 0 {
		return nil, apperr.NotFoundError("Data-subject request")
	}
	v := s.view(rows[0])
	if err := s.DB.WithContext(ctx).Raw(`SELECT made_at, made_by FROM data_subject_exports WHERE request_id = ? ORDER BY made_at`, id).
		Scan(&v.Exports).Error; err != nil {
		return nil, apperr.Wrap(err)
	}
	return &v, nil
}

// CloseRequest closes an open request with its outcome; after that no
// export is made under it. Callable by the privacy officer; conflict when
// it is closed already.
func (s *Service) CloseRequest(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in CloseInput) (*Request, error) {
	if !slices.Contains(Outcomes, in.Outcome) {
		return nil, apperr.InvalidFields(map[string]string{"outcome": "must be completed, refused or withdrawn"})
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var state []struct{ Closed bool }
		if err := tx.Raw(`SELECT closed_at IS NOT NULL AS closed FROM data_subject_requests WHERE id = ? FOR UPDATE`, id).Scan(&state).Error; err != nil {
			return err
		}
		switch {
		case len(state) == 0:
			return apperr.NotFoundError("Data-subject request")
		case state[0].Closed:
			return apperr.New(apperr.Conflict, "request-closed", "This data-subject request is closed already.")
		}
		if err := tx.Exec(`UPDATE data_subject_requests SET closed_at = ?, closed_by = ?, outcome = ? WHERE id = ?`,
			s.now(), caller.ID, in.Outcome, id).Error; err != nil {
			return err
		}
		return s.log(ctx, tx, caller, "dsr.close:"+id.String())
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return s.Request(ctx, id)
}

// openRequest finds the open request under which subject's data may be
// exported: the one named (it must be open and about subject), or else the
// oldest open one about subject. ErrNoOpenRequest when there is none.
func (s *Service) openRequest(ctx context.Context, tx *gorm.DB, subject uuid.UUID, named *uuid.UUID) (uuid.UUID, error) {
	q := tx.WithContext(ctx).Table("data_subject_requests").Select("id").
		Where("subject_id = ? AND closed_at IS NULL", subject).Order("received_on, recorded_at").Limit(1)
	if named != nil {
		q = q.Where("id = ?", *named)
	}
	var ids []uuid.UUID
	if err := q.Scan(&ids).Error; err != nil {
		return uuid.Nil, err
	}
	if len(ids) == 0 {
		return uuid.Nil, ErrNoOpenRequest
	}
	return ids[0], nil
}

// recordExport logs an export made under request rid and tells the subject
// in their account, in the caller's transaction.
func (s *Service) recordExport(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, subject, rid uuid.UUID) error {
	now := s.now()
	if err := tx.Exec(`INSERT INTO data_subject_exports (request_id, made_by, made_at) VALUES (?, ?, ?)`, rid, caller.ID, now).Error; err != nil {
		return err
	}
	if err := tx.Exec(`INSERT INTO account_notices (person_id, kind, request_id, at) VALUES (?, 'data_export', ?, ?)`, subject, rid, now).Error; err != nil {
		return err
	}
	return s.log(ctx, tx, caller, "export:person:"+subject.String()+":request:"+rid.String())
}

// RequestCounts are what the privacy officer's dashboard shows.
type RequestCounts struct{ Open, DueSoon, Overdue int }

// OpenCounts counts the open requests, those due within a week and those
// past their deadline.
func (s *Service) OpenCounts(ctx context.Context) (RequestCounts, error) {
	today := dateOf(s.now())
	var c RequestCounts
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) AS open,
		count(*) FILTER (WHERE due_on >= ? AND due_on <= ?) AS due_soon,
		count(*) FILTER (WHERE due_on < ?) AS overdue
		FROM data_subject_requests WHERE closed_at IS NULL`, today, today.Add(dueSoon), today).Scan(&c).Error
	return c, apperr.Wrap(err)
}

// dateOf is the calendar day of t in the Netherlands, as the case
// deadlines count days.
func dateOf(t time.Time) time.Time { return cases.DateOf(t) }

// SubjectByEmail finds the account a request is about by its e-mail
// address, as the privacy officer knows it; invalid when there is none.
func (s *Service) SubjectByEmail(ctx context.Context, email string) (uuid.UUID, error) {
	var ids []uuid.UUID
	if err := s.DB.WithContext(ctx).Table("persons").Select("id").Where("email = ?", accounts.NormalEmail(email)).
		Scan(&ids).Error; err != nil {
		return uuid.Nil, apperr.Wrap(err)
	}
	if len(ids) == 0 {
		return uuid.Nil, apperr.InvalidFields(map[string]string{"subject_email": "is not the address of an account"})
	}
	return ids[0], nil
}
