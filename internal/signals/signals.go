// Package signals keeps anonymous signals (meldingen): reports that are not
// complaints, filed without an account, followed by their reporter with a
// one-time receipt code, answered by the committee, and turned into a
// complaint when the reporter comes forward. Its one job is the signal's
// life; the complaint it may become is the case service's.
package signals

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// A signal (melding) is an anonymous report, not a complaint. Its reporter
// holds a receipt code of 160 bits, shown once; only its SHA-256 is stored.
// A hash without salt is enough here: the code's entropy makes a dictionary
// useless, and the lookup must find the row by the code alone.

// Service holds the rules of signals.
type Service struct {
	db    *gorm.DB
	keys  *crypto.Keyring
	cases *cases.Service
	now   func() time.Time
	gate  *signalGate
}

// Options configures the service.
type Options struct {
	DB   *gorm.DB
	Keys *crypto.Keyring
	// Cases files the complaint a signal becomes.
	Cases  *cases.Service
	Now    func() time.Time
	Limits *SignalLimits // nil: DefaultSignalLimits
}

// NewService builds the signal service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	limits := DefaultSignalLimits
	if o.Limits != nil {
		limits = *o.Limits
	}
	return &Service{db: o.DB, keys: o.Keys, cases: o.Cases, now: o.Now, gate: newSignalGate(limits)}
}

type signalRow struct {
	ID              uuid.UUID `gorm:"type:uuid;primaryKey"`
	ReceiptHash     []byte
	Ministry        *string
	Category        string
	DataKey         []byte
	DataKeyID       string
	LegalHold       bool
	CreatedAt       time.Time
	ConvertedCaseID *uuid.UUID `gorm:"type:uuid"`
	StatsID         *uuid.UUID `gorm:"type:uuid"`
	AbuseAt         *time.Time
}

func (signalRow) TableName() string { return "signals" }

type signalMessageRow struct {
	ID            int64     `gorm:"primaryKey"`
	SignalID      uuid.UUID `gorm:"type:uuid"`
	FromCommittee bool
	AuthorID      *uuid.UUID `gorm:"type:uuid"`
	BodyEnc       []byte
	CreatedAt     time.Time
}

func (signalMessageRow) TableName() string { return "signal_messages" }

// SignalInput is an anonymous report.
type SignalInput struct {
	Category string `json:"category"`
	Ministry string `json:"ministry,omitempty"`
	Message  string `json:"message"`
}

// SignalReceipt is shown once to the reporter.
type SignalReceipt struct {
	ReceiptCode string `json:"receipt_code"`
}

// SignalView is a signal with its messages.
type SignalView struct {
	ID        uuid.UUID       `json:"id,omitzero"`
	Category  string          `json:"category"`
	Ministry  string          `json:"ministry,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Messages  []SignalMessage `json:"messages"`
	// Abuse: the committee marked it as abuse (shown to the committee only).
	Abuse bool `json:"abuse,omitempty"`
}

// SignalMessage is one message of a signal's conversation.
type SignalMessage struct {
	FromCommittee bool      `json:"from_committee"`
	Body          string    `json:"body"`
	CreatedAt     time.Time `json:"created_at"`
}

func receiptHash(code string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(code)))
	return h[:]
}

func signalKeyID(id uuid.UUID) string { return "signal:" + id.String() }

// FileSignal stores an anonymous signal and returns its receipt code, which
// is never stored and cannot be shown again. Callable by anyone; client is
// the sender's address, counted against the per-address limit in memory
// only (SignalLimits), and refused with too-many-signals past it or past
// the overall limit.
func (s *Service) FileSignal(ctx context.Context, in SignalInput, client string) (*SignalReceipt, error) {
	bad := map[string]string{}
	cases.CheckOneOf(bad, "category", in.Category, cases.Categories)
	cases.CheckText(bad, "message", in.Message, true, maxSignalText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	now := s.now()
	if err := s.gate.take(client, now); err != nil {
		return nil, err
	}
	rec, err := s.storeSignal(ctx, in, now)
	if err != nil {
		s.gate.give(client, now) // not stored: it does not count
	}
	return rec, err
}

// maxSignalText bounds a signal's message: a report of what happened, not
// a file (a complaint's description may be longer).
const maxSignalText = 10000

func (s *Service) storeSignal(ctx context.Context, in SignalInput, now time.Time) (*SignalReceipt, error) {
	code := "RKC-" + accounts.RandomSecret(20) // 160 bits
	id := uuid.New()
	dk, err := crypto.NewDataKey()
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	defer dk.Zero()
	wrapped, keyID, err := s.keys.Wrap(dk, signalKeyID(id))
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.gate.checkTotal(ctx, tx, now); err != nil {
			return err
		}
		row := signalRow{ID: id, ReceiptHash: receiptHash(code), Category: in.Category, DataKey: wrapped, DataKeyID: keyID, CreatedAt: now}
		if in.Ministry != "" {
			var n int64
			tx.Table("ministries").Where("code = ?", in.Ministry).Count(&n)
			if n == 0 {
				return apperr.InvalidFields(map[string]string{"ministry": "is not a known ministry code"})
			}
			row.Ministry = &in.Ministry
		}
		statsID := uuid.New()
		row.StatsID = &statsID
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		// The anonymous count that outlives the signal's purge.
		if err := tx.Exec(`INSERT INTO signal_stats (id, ministry, category, filed_on) VALUES (?, ?, ?, ?)`,
			statsID, row.Ministry, row.Category, cases.DateOf(row.CreatedAt)).Error; err != nil {
			return err
		}
		return tx.Create(&signalMessageRow{SignalID: id, BodyEnc: dk.SealString(signalKeyID(id), "signal.message", in.Message), CreatedAt: s.now()}).Error
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return &SignalReceipt{ReceiptCode: code}, nil
}

var errBadReceipt = apperr.New(apperr.NotFound, "unknown-receipt-code", "No signal has this receipt code.")

// signalByCode finds the signal of a receipt code. A right code always
// opens its signal: with 160 bits no guessing finds one, so a reporter is
// never locked out by someone else's wrong codes behind the same address.
// Wrong codes are counted (accounts.Throttle.WrongReceipt); an address that
// gave too many is answered too_many_requests for its wrong codes.
func (s *Service) signalByCode(ctx context.Context, tx *gorm.DB, throttle *accounts.Throttle, code, client string) (*signalRow, error) {
	wrong := func() error {
		if wait := throttle.WrongReceipt(ctx, client); wait > 0 {
			e := apperr.New(apperr.TooManyRequests, "too-many-attempts", "Too many wrong receipt codes; try again later.")
			e.RetryAfter = int(wait.Seconds()) + 1
			return e
		}
		return errBadReceipt
	}
	if code == "" || len(code) > 100 {
		return nil, wrong()
	}
	var row signalRow
	if err := tx.Where("receipt_hash = ?", receiptHash(code)).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, wrong()
		}
		return nil, err
	}
	return &row, nil
}

func (s *Service) signalView(tx *gorm.DB, row *signalRow) (*SignalView, error) {
	dk, err := s.keys.Unwrap(row.DataKey, row.DataKeyID, signalKeyID(row.ID))
	if err != nil {
		return nil, err
	}
	defer dk.Zero()
	var msgs []signalMessageRow
	if err := tx.Where("signal_id = ?", row.ID).Order("id").Find(&msgs).Error; err != nil {
		return nil, err
	}
	v := &SignalView{Category: row.Category, CreatedAt: row.CreatedAt, Messages: []SignalMessage{}}
	if row.Ministry != nil {
		v.Ministry = *row.Ministry
	}
	for _, m := range msgs {
		body, err := dk.OpenString(signalKeyID(row.ID), "signal.message", m.BodyEnc)
		if err != nil {
			return nil, err
		}
		v.Messages = append(v.Messages, SignalMessage{FromCommittee: m.FromCommittee, Body: body, CreatedAt: m.CreatedAt})
	}
	return v, nil
}

// SignalByCode returns the signal and its conversation to the holder of the
// receipt code.
func (s *Service) SignalByCode(ctx context.Context, throttle *accounts.Throttle, code, client string) (*SignalView, error) {
	var v *SignalView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.signalByCode(ctx, tx, throttle, code, client)
		if err != nil {
			return err
		}
		v, err = s.signalView(tx, row)
		return err
	})
	return v, apperr.Wrap(err)
}

// MessageInput is a message in a signal's conversation.
type MessageInput struct {
	Body string `json:"body"`
}

// AddSignalMessage adds information from the holder of the receipt code.
func (s *Service) AddSignalMessage(ctx context.Context, throttle *accounts.Throttle, code, client string, in MessageInput) error {
	if err := cases.RequireText("body", in.Body, cases.MaxText); err != nil {
		return err
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.signalByCode(ctx, tx, throttle, code, client)
		if err != nil {
			return err
		}
		return s.addSignalMessage(tx, row, nil, in.Body)
	}))
}

func (s *Service) addSignalMessage(tx *gorm.DB, row *signalRow, author *uuid.UUID, body string) error {
	dk, err := s.keys.Unwrap(row.DataKey, row.DataKeyID, signalKeyID(row.ID))
	if err != nil {
		return err
	}
	defer dk.Zero()
	return tx.Create(&signalMessageRow{SignalID: row.ID, FromCommittee: author != nil, AuthorID: author,
		BodyEnc: dk.SealString(signalKeyID(row.ID), "signal.message", body), CreatedAt: s.now()}).Error
}

// SignalSummary is a signal in the committee's list.
type SignalSummary struct {
	ID        uuid.UUID `json:"id"`
	Category  string    `json:"category"`
	Ministry  *string   `json:"ministry,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Messages  int       `json:"messages"`
	Abuse     bool      `json:"abuse"` // marked as abuse: out of the report's counts
}

// Signals lists signals for the committee, newest first. Callable by a
// secretary or the chair (the route checks the role).
func (s *Service) Signals(ctx context.Context, caller *accounts.Caller) ([]SignalSummary, error) {
	var out []SignalSummary
	err := s.db.WithContext(ctx).Raw(`SELECT s.id, s.category, s.ministry, s.created_at,
		(SELECT count(*) FROM signal_messages m WHERE m.signal_id = s.id) AS messages, s.abuse_at IS NOT NULL AS abuse
		FROM signals s ORDER BY s.created_at DESC LIMIT 500`).Scan(&out).Error
	if out == nil {
		out = []SignalSummary{}
	}
	return out, apperr.Wrap(err)
}

// signalByID finds a signal by its id, for the committee.
func signalByID(tx *gorm.DB, id uuid.UUID) (*signalRow, error) {
	var row signalRow
	if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.NotFoundError("Signal")
		}
		return nil, err
	}
	return &row, nil
}

// Signal returns one signal to the committee, and logs the read.
func (s *Service) Signal(ctx context.Context, caller *accounts.Caller, id uuid.UUID) (*SignalView, error) {
	var v *SignalView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := signalByID(tx, id)
		if err != nil {
			return err
		}
		if v, err = s.signalView(tx, row); err != nil {
			return err
		}
		v.ID, v.Abuse = row.ID, row.AbuseAt != nil
		return s.logSignal(ctx, tx, caller, "signal:read")
	})
	return v, apperr.Wrap(err)
}

// AnswerSignal adds the committee's reply; the reporter reads it with the
// code (no e-mail: the committee does not know who they are).
func (s *Service) AnswerSignal(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in MessageInput) error {
	if err := cases.RequireText("body", in.Body, cases.MaxText); err != nil {
		return err
	}
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := signalByID(tx, id)
		if err != nil {
			return err
		}
		if err := s.addSignalMessage(tx, row, &caller.ID, in.Body); err != nil {
			return err
		}
		return s.logSignal(ctx, tx, caller, "signal:answer")
	}))
}

func (s *Service) logSignal(ctx context.Context, tx *gorm.DB, caller *accounts.Caller, action string) error {
	id := caller.ID
	return audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: &id, Role: "staff", Action: action, Client: caller.Client})
}

// ConvertSignal turns the caller's own signal into a complaint when its
// reporter comes forward (docs/design.md §2): the holder of the receipt code, signed
// in as a complainant, files a complaint of the signal's category whose
// description is what they wrote in the signal. The committee's replies stay
// with the signal. A signal becomes a complaint once. Callable by a
// complainant holding the receipt code.
func (s *Service) ConvertSignal(ctx context.Context, throttle *accounts.Throttle, code, client string, caller *accounts.Caller) (*cases.Filed, error) {
	if !s.cases.MayFileOwn(caller) {
		return nil, apperr.New(apperr.Forbidden, "forbidden", "Only a complainant can turn their signal into a complaint.")
	}
	var filed *cases.Filed
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := s.signalByCode(ctx, tx, throttle, code, client)
		if err != nil {
			return err
		}
		if err := tx.Raw(`SELECT * FROM signals WHERE id = ? FOR UPDATE`, row.ID).Scan(row).Error; err != nil {
			return err
		}
		if row.ConvertedCaseID != nil {
			return apperr.New(apperr.Conflict, "already-converted", "This signal was already turned into a complaint.")
		}
		v, err := s.signalView(tx, row)
		if err != nil {
			return err
		}
		var told []string
		for _, m := range v.Messages {
			if !m.FromCommittee {
				told = append(told, m.Body)
			}
		}
		c := cases.Complaint{Category: row.Category, Description: strings.Join(told, "\n\n")}
		if row.Ministry != nil {
			c.Respondent.Ministry = *row.Ministry
		}
		if filed, err = s.cases.FileFromSignal(ctx, tx, caller, &c); err != nil {
			return err
		}
		return tx.Exec(`UPDATE signals SET converted_case_id = ? WHERE id = ?`, filed.ID, row.ID).Error
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	return filed, nil
}
