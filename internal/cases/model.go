// Package cases is the complaint's life under Awb chapter 9: the case model,
// its state machine, deadlines, storage and HTTP handlers. Every query that
// touches a case carries the caller's relation to it in SQL, so a case the
// caller may not see and a case that does not exist look the same.
package cases

import (
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/audit"
)

// State is where a case is in its life (docs/design.md §2).
type State string

// The states.
const (
	Submitted           State = "submitted"
	Registered          State = "registered"
	AwaitingInformation State = "awaiting_information"
	Admissible          State = "admissible"
	Inadmissible        State = "inadmissible"
	Investigating       State = "investigating"
	Advised             State = "advised"
	Decided             State = "decided"
	Withdrawn           State = "withdrawn"
	ResolvedInformally  State = "resolved_informally"
	Closed              State = "closed"
)

// edges are the only moves a case can make. Besides docs/design.md §2 the chair may
// rule a case inadmissible while it awaits information (the ground "still
// incomplete after the term to complete it" arises exactly there).
var edges = map[State][]State{
	Submitted:           {Registered, Withdrawn},
	Registered:          {AwaitingInformation, Admissible, Inadmissible, Withdrawn},
	AwaitingInformation: {Registered, Inadmissible, Withdrawn},
	Admissible:          {Investigating, Withdrawn},
	Inadmissible:        {Closed},
	Investigating:       {Advised, ResolvedInformally, Withdrawn},
	Advised:             {Decided},
	Decided:             {Closed},
	Withdrawn:           {Closed},
	ResolvedInformally:  {Closed},
}

// CanMove reports whether from → to is an edge of the state machine.
func CanMove(from, to State) bool {
	for _, s := range edges[from] {
		if s == to {
			return true
		}
	}
	return false
}

// open reports whether the case still runs against its deadline.
func (s State) open() bool {
	switch s {
	case Registered, AwaitingInformation, Admissible, Investigating, Advised:
		return true
	}
	return false
}

// Categories of undesirable behaviour.
var Categories = []string{"sexual_harassment", "aggression_violence", "bullying", "discrimination", "other"}

// Grounds of discrimination: article 1 of the Constitution and the equal
// treatment acts.
var Grounds = []string{"race", "religion", "belief", "political_opinion", "sex", "nationality",
	"sexual_orientation", "disability", "chronic_illness", "age", "civil_status", "other"}

// InadmissibleGrounds is the fixed list of grounds not to handle a complaint
// (Awb 9:8, plus the committee's own two).
var InadmissibleGrounds = []string{
	"already_handled",        // 9:8 lid 1 sub a
	"too_late",               // 9:8 lid 1 sub b: behaviour more than a year before filing
	"objection_or_appeal",    // 9:8 lid 1 sub c
	"before_court",           // 9:8 lid 1 sub d/e
	"criminal_investigation", // 9:8 lid 1 sub f
	"insufficient_interest",  // 9:8 lid 2
	"not_undesirable_behaviour",
	"incomplete",
}

// Judgements of a complaint element.
var Judgements = []string{"founded", "partly_founded", "unfounded"}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// CaseRecord is a row of the cases table; *Enc fields are sealed with the
// case key. It is exported only so that gorm can fill it when embedded.
type CaseRecord struct {
	ID                     uuid.UUID `gorm:"type:uuid;primaryKey"`
	Number                 string
	State                  State
	Version                int
	Ministry               string
	RespondentMinistry     *string
	Category               string
	ComplainantID          uuid.UUID  `gorm:"type:uuid"`
	AdviserID              *uuid.UUID `gorm:"type:uuid"`
	RespondentID           *uuid.UUID `gorm:"type:uuid"`
	FiledBy                uuid.UUID  `gorm:"type:uuid"`
	FiledAt                time.Time
	ReceivedOn             *time.Time
	RegisteredAt           *time.Time
	DueOn                  *time.Time
	NotHandledDueOn        *time.Time
	Extended               bool
	Admissible             *bool
	InadmissibleGround     *string
	RespondentInformedAt   *time.Time
	AdvisedAt              *time.Time
	DecidedAt              *time.Time
	ClosedAt               *time.Time
	FinishedAt             *time.Time // when it reached a finished state; closed CloseAfterDays later
	LegalHold              bool
	DataKey                []byte
	DataKeyID              string
	ConsentEnc             []byte
	ComplainantContactEnc  []byte
	RespondentNameEnc      []byte
	RespondentFunctionEnc  []byte
	DescriptionEnc         []byte
	IncidentWhenEnc        []byte
	IncidentWhereEnc       []byte
	GroundEnc              []byte
	WitnessesEnc           []byte
	WishedOutcomeEnc       []byte
	ExtensionReasonEnc     []byte
	AdmissibilityReasonEnc []byte
	LateAdmissionReasonEnc []byte
	StatsIDEnc             []byte
	LegalHoldReasonEnc     []byte
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (CaseRecord) TableName() string { return "cases" }

// relRow is CaseRecord plus the caller's relations to it, computed in SQL.
type relRow struct {
	CaseRecord    `gorm:"embedded"`
	IsComplainant bool
	IsAdviser     bool
	IsRespondent  bool
	IsPanel       bool
	IsStaff       bool
	IsAuthority   bool
	IsWitness     bool
	// LogKey is the case's access-log key, read with the case so that the
	// entry about this access needs no lookup of its own.
	LogKey audit.CaseKey `gorm:"embedded;embeddedPrefix:log_key_"`
	// PartsPresent are the kinds of parts the case has (parts.go); nil
	// when the row was read without them.
	PartsPresent *int32
	// PartsDoc holds the case's parts (parts.go) when they were read with
	// the access-log entry of a read (AccessSpec.WithParts).
	PartsDoc []byte
}

type elementRow struct {
	CaseID         uuid.UUID `gorm:"type:uuid;primaryKey"`
	Position       int       `gorm:"primaryKey"`
	DescriptionEnc []byte
	Judgement      *string
}

func (elementRow) TableName() string { return "case_elements" }

type eventRow struct {
	ID               int64     `gorm:"primaryKey"`
	CaseID           uuid.UUID `gorm:"type:uuid"`
	At               time.Time
	ActorID          *uuid.UUID `gorm:"type:uuid"`
	ActorRole        string
	Kind             string
	FromState        *string
	ToState          *string
	ReasonEnc        []byte
	VisibleToParties bool
	// Audience narrows an entry to one side ("complainant", "respondent",
	// "witness" with WitnessID); nil: every party visible_to_parties allows.
	Audience  *string
	WitnessID *uuid.UUID `gorm:"type:uuid"`
}

func (eventRow) TableName() string { return "case_events" }

type statementRow struct {
	ID        uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID    uuid.UUID `gorm:"type:uuid"`
	AuthorID  uuid.UUID `gorm:"type:uuid"`
	Side      string
	BodyEnc   []byte
	CreatedAt time.Time
}

func (statementRow) TableName() string { return "statements" }

type attachmentRow struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID      uuid.UUID `gorm:"type:uuid"`
	UploadedBy  uuid.UUID `gorm:"type:uuid"`
	Side        string
	FilenameEnc []byte
	ContentType string
	SizeBytes   int64
	ContentEnc  []byte
	CreatedAt   time.Time
}

func (attachmentRow) TableName() string { return "attachments" }

type hearingRow struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID      uuid.UUID `gorm:"type:uuid"`
	PlannedAt   time.Time
	Parties     string
	LocationEnc []byte
	MinutesEnc  []byte
	Held        bool
	Version     int
	WitnessID   *uuid.UUID `gorm:"type:uuid"` // the witness heard, for a witness hearing
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (hearingRow) TableName() string { return "hearings" }

type adviceRow struct {
	CaseID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	FindingsEnc []byte
	MeasuresEnc []byte
	Judgement   string
	SignedBy    uuid.UUID `gorm:"type:uuid"`
	AdoptedAt   time.Time
}

func (adviceRow) TableName() string { return "advices" }

type decisionRow struct {
	CaseID        uuid.UUID `gorm:"type:uuid;primaryKey"`
	FollowsAdvice bool
	ReasonsEnc    []byte
	DecidedBy     uuid.UUID `gorm:"type:uuid"`
	DecidedAt     time.Time
}

func (decisionRow) TableName() string { return "decisions" }

type infoRequestRow struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID      uuid.UUID `gorm:"type:uuid"`
	WhatEnc     []byte
	TermUntil   time.Time
	RequestedBy uuid.UUID `gorm:"type:uuid"`
	RequestedAt time.Time
	AnsweredAt  *time.Time
}

func (infoRequestRow) TableName() string { return "information_requests" }
