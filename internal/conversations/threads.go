package conversations

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// A case has one message thread per party with the committee (secretary,
// panel, chair): the complainant's, which their adviser shares; the
// respondent's, once informed; and one per witness. A thread is named in
// paths by "complainant", "respondent" or the witness's id. A party sees
// only their own thread; the committee sees every thread; the authority
// none.

type messageRow struct {
	ID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID        uuid.UUID `gorm:"type:uuid"`
	Thread        string
	WitnessID     *uuid.UUID `gorm:"type:uuid"`
	AuthorID      uuid.UUID  `gorm:"type:uuid"`
	AuthorRole    string
	FromCommittee bool
	BodyEnc       []byte
	CreatedAt     time.Time
}

func (messageRow) TableName() string { return "messages" }

type messageAttachmentRow struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	MessageID   uuid.UUID `gorm:"type:uuid"`
	CaseID      uuid.UUID `gorm:"type:uuid"`
	FilenameEnc []byte
	ContentType string
	SizeBytes   int64
	ContentEnc  []byte
	CreatedAt   time.Time
}

func (messageAttachmentRow) TableName() string { return "message_attachments" }

// ThreadView is one thread: whose it is and its messages.
type ThreadView struct {
	Key       string        `json:"key"`   // complainant, respondent or the witness's id
	Party     string        `json:"party"` // complainant, respondent or witness
	WitnessID *uuid.UUID    `json:"witness_id,omitempty"`
	Messages  []MessageView `json:"messages"`
}

// ThreadSummary is a thread in the list of a case's threads.
type ThreadSummary struct {
	Key           string     `json:"key"`
	Party         string     `json:"party"`
	WitnessID     *uuid.UUID `json:"witness_id,omitempty"`
	Witness       string     `json:"witness,omitempty"` // the witness's name, for the committee
	Messages      int        `json:"messages"`
	LastMessageAt *time.Time `json:"last_message_at,omitempty"`
}

// MessageView is one message with the description of its attachments.
type MessageView struct {
	ID            uuid.UUID              `json:"id"`
	Author        string                 `json:"author"`
	AuthorRole    string                 `json:"author_role"`
	FromCommittee bool                   `json:"from_committee"`
	Body          string                 `json:"body"`
	CreatedAt     time.Time              `json:"created_at"`
	Attachments   []cases.AttachmentMeta `json:"attachments,omitempty"`
}

// MessageInput is a message in a thread.
type MessageInput struct {
	Body string `json:"body"`
}

// thread names one thread of a case.
type thread struct {
	party   string // complainant, respondent, witness
	witness *cases.WitnessRef
}

func (t thread) key() string {
	if t.witness != nil {
		return t.witness.ID.String()
	}
	return t.party
}

func (t thread) witnessID() *uuid.UUID {
	if t.witness == nil {
		return nil
	}
	id := t.witness.ID
	return &id
}

var errThreadNotFound = apperr.NotFoundError("Thread")

// seesParty reports whether the work's relation reaches the thread of a
// party: a party their own, the committee the complainant's and, once the
// respondent is informed, the respondent's.
func seesParty(w *cases.Work, party string) bool {
	switch party {
	case "complainant":
		return w.Committee() || w.Party() == party
	case "respondent":
		return (w.Committee() && w.RespondentInformed()) || w.Party() == party
	}
	return false
}

// witnesses lists the witnesses whose threads the work's relation reaches:
// every one for the committee, a witness their own, nobody else's.
func witnesses(w *cases.Work) ([]cases.WitnessRef, error) {
	switch {
	case w.Committee():
		return w.Witnesses(nil)
	case w.Party() == "witness":
		return w.Witnesses(&w.Caller.ID)
	}
	return nil, nil
}

// resolveThread finds the thread key names in the case, as far as the
// caller may see it: a party only their own, the committee every thread
// that exists (the respondent's once the respondent is informed). Anything
// else is not found, exactly like a thread that does not exist.
func resolveThread(w *cases.Work, key string) (thread, error) {
	if key == "complainant" || key == "respondent" {
		if seesParty(w, key) {
			return thread{party: key}, nil
		}
		return thread{}, errThreadNotFound
	}
	wid, err := uuid.Parse(key)
	if err != nil {
		return thread{}, errThreadNotFound
	}
	ws, err := witnesses(w)
	if err != nil {
		return thread{}, err
	}
	for i := range ws {
		if ws[i].ID == wid {
			return thread{party: "witness", witness: &ws[i]}, nil
		}
	}
	return thread{}, errThreadNotFound
}

// inThread keeps the messages of one thread, with the arguments of
// thread.in. A party's thread has no witness (a check of the messages
// table), so the witness matches as NULL there.
const inThread = "case_id = ? AND thread = ? AND witness_id IS NOT DISTINCT FROM ?"

// in are the arguments of inThread for the thread in case caseID.
func (t thread) in(caseID uuid.UUID) []any { return []any{caseID, t.party, t.witnessID()} }

// Threads lists the threads of a case the caller may see, with the number
// of messages in each. The committee sees the complainant's thread, the
// respondent's once informed, and each witness's; a party or witness only
// their own. Callable by the parties, witnesses with an account, the panel
// and committee staff; the read is logged.
func (s *Service) Threads(ctx context.Context, caller *accounts.Caller, id uuid.UUID) ([]ThreadSummary, error) {
	spec := cases.AccessSpec{Action: "case:thread", LogAction: "case:thread:list", Read: true}
	return access(ctx, s, caller, id, spec, func(w *cases.Work) ([]ThreadSummary, error) {
		var ts []thread
		parties := []string{}
		for _, party := range []string{"complainant", "respondent"} {
			if seesParty(w, party) {
				ts = append(ts, thread{party: party})
				parties = append(parties, party)
			}
		}
		ws, err := witnesses(w)
		if err != nil {
			return nil, err
		}
		wids := make([]uuid.UUID, len(ws))
		for i := range ws {
			ts = append(ts, thread{party: "witness", witness: &ws[i]})
			wids[i] = ws[i].ID
		}
		// The counts of every thread the caller sees, in one statement, by
		// thread key (a party's thread, or a witness's by the witness's id).
		var counts []struct {
			Key  string
			N    int
			Last *time.Time
		}
		if err := w.Tx.Table("messages").Select("coalesce(witness_id::text, thread) AS key, count(*) AS n, max(created_at) AS last").
			Where("case_id = ? AND (thread IN ? OR witness_id IN ?)", w.CaseID(), parties, wids).
			Group("thread, witness_id").Scan(&counts).Error; err != nil {
			return nil, err
		}
		out := []ThreadSummary{}
		for _, t := range ts {
			sum := ThreadSummary{Key: t.key(), Party: t.party, WitnessID: t.witnessID()}
			for _, n := range counts {
				if n.Key == sum.Key {
					sum.Messages, sum.LastMessageAt = n.N, n.Last
				}
			}
			if t.witness != nil {
				sum.Witness = t.witness.Name
			}
			out = append(out, sum)
		}
		return out, nil
	})
}

// Thread returns the messages of one thread, oldest first, with their
// attachments described. A thread the caller may not see is not found.
// Callable as Threads; the read is logged.
func (s *Service) Thread(ctx context.Context, caller *accounts.Caller, id uuid.UUID, key string) (*ThreadView, error) {
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:thread", LogAction: "case:thread:read"}, func(w *cases.Work) (*ThreadView, error) {
		t, err := resolveThread(w, key)
		if err != nil {
			return nil, err
		}
		ms, err := threadMessages(w, t, nil)
		if err != nil {
			return nil, err
		}
		return &ThreadView{Key: t.key(), Party: t.party, WitnessID: t.witnessID(), Messages: ms}, nil
	})
}

// threadMessages reads and opens the messages of a thread, those of author
// only when author is set.
func threadMessages(w *cases.Work, t thread, author *uuid.UUID) ([]MessageView, error) {
	tx := w.Tx
	q := tx.Where(inThread, t.in(w.CaseID())...)
	if author != nil {
		q = q.Where("author_id = ?", *author)
	}
	var ms []messageRow
	if err := q.Order("seq").Find(&ms).Error; err != nil {
		return nil, err
	}
	out := []MessageView{}
	if len(ms) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(ms))
	authors := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		ids[i], authors[i] = m.ID, m.AuthorID
	}
	var names []cases.PersonRef
	if err := tx.Raw(`SELECT id, name FROM persons WHERE id IN ?`, authors).Scan(&names).Error; err != nil {
		return nil, err
	}
	name := map[uuid.UUID]string{}
	for _, n := range names {
		name[n.ID] = n.Name
	}
	var atts []messageAttachmentRow
	if err := tx.Select("id, message_id, filename_enc, content_type, size_bytes, created_at").
		Where("message_id IN ?", ids).Order("seq").Find(&atts).Error; err != nil {
		return nil, err
	}
	o := w.Opener()
	byMsg := map[uuid.UUID][]cases.AttachmentMeta{}
	for _, a := range atts {
		byMsg[a.MessageID] = append(byMsg[a.MessageID], cases.AttachmentMeta{ID: a.ID, Side: t.party,
			Filename: o.Open(cases.Field("message_attachment.filename", a.ID), a.FilenameEnc), ContentType: a.ContentType,
			Size: a.SizeBytes, CreatedAt: a.CreatedAt})
	}
	for _, m := range ms {
		out = append(out, MessageView{ID: m.ID, Author: name[m.AuthorID], AuthorRole: m.AuthorRole, FromCommittee: m.FromCommittee,
			Body: o.Open(cases.Field("message.body", m.ID), m.BodyEnc), CreatedAt: m.CreatedAt, Attachments: byMsg[m.ID]})
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// maxMessageFiles is the number of files one message may carry.
const maxMessageFiles = 5

var errTooManyFiles = apperr.InvalidFields(map[string]string{"file": "at most 5 files per message"})

// PostMessage adds a message, with up to five files, to a thread of the
// case, and tells the other side (content-free): the committee's message
// goes to the thread's party (complainant and adviser; respondent; the
// witness with an account), a party's message to the committee members who
// wrote in the thread before, or else to the secretaries, and to the other
// of complainant and adviser. The message appears in the timeline of the
// committee and of that side only. Messages are refused once the case is
// closed. Callable by the parties, witnesses with an account, the panel and
// committee staff, each in the threads they may see.
func (s *Service) PostMessage(ctx context.Context, caller *accounts.Caller, id uuid.UUID, key string, in MessageInput, files []cases.Upload) (*MessageView, error) {
	if err := cases.RequireText("body", in.Body, cases.MaxText); err != nil {
		return nil, err
	}
	if len(files) > maxMessageFiles {
		return nil, errTooManyFiles
	}
	var checked []*cases.CheckedFile
	var total int64
	for _, f := range files {
		c, err := s.cases.ReadUpload(f)
		if err != nil {
			return nil, err
		}
		total += int64(len(c.Content))
		checked = append(checked, c)
	}
	if total > s.cases.MaxUpload() {
		return nil, apperr.New(apperr.TooLarge, "file-too-large", "The files of one message may together be at most the upload limit.")
	}
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:message", Write: true}, func(w *cases.Work) (*MessageView, error) {
		t, err := resolveThread(w, key)
		if err != nil {
			return nil, err
		}
		if w.State() == cases.Closed {
			return nil, apperr.New(apperr.Conflict, "case-closed", "The case is closed; its threads take no more messages.")
		}
		tx, caseID := w.Tx, w.CaseID()
		fromCommittee := w.Committee()
		// Whom to tell, read before the message is stored.
		var to []uuid.UUID
		if fromCommittee {
			to = threadParty(w, t)
		} else {
			if err := tx.Raw(`SELECT DISTINCT author_id FROM messages WHERE `+inThread+` AND from_committee`, t.in(caseID)...).Scan(&to).Error; err != nil {
				return nil, err
			}
			if len(to) == 0 {
				if to, err = w.Secretaries(); err != nil {
					return nil, err
				}
			}
			to = append(to, threadParty(w, t)...)
		}
		m := messageRow{ID: uuid.New(), CaseID: caseID, Thread: t.party, WitnessID: t.witnessID(), AuthorID: caller.ID,
			AuthorRole: string(w.Rel), FromCommittee: fromCommittee, CreatedAt: w.Now()}
		m.BodyEnc = w.SealString(cases.Field("message.body", m.ID), in.Body)
		if err := tx.Create(&m).Error; err != nil {
			return nil, err
		}
		out := &MessageView{ID: m.ID, Author: caller.Name, AuthorRole: m.AuthorRole, FromCommittee: fromCommittee, Body: in.Body, CreatedAt: m.CreatedAt}
		for _, f := range checked {
			a := messageAttachmentRow{ID: uuid.New(), MessageID: m.ID, CaseID: caseID, ContentType: f.ContentType,
				SizeBytes: int64(len(f.Content)), CreatedAt: m.CreatedAt}
			a.FilenameEnc = w.SealString(cases.Field("message_attachment.filename", a.ID), f.Name)
			a.ContentEnc = w.Seal(cases.Field("message_attachment", a.ID), f.Content)
			if err := tx.Create(&a).Error; err != nil {
				return nil, err
			}
			out.Attachments = append(out.Attachments, cases.AttachmentMeta{ID: a.ID, Side: t.party, Filename: f.Name,
				ContentType: a.ContentType, Size: a.SizeBytes, CreatedAt: a.CreatedAt})
		}
		if err := w.SideEvent("message_posted", t.party, t.witnessID()); err != nil {
			return nil, err
		}
		var others []uuid.UUID
		for _, p := range to {
			if p != caller.ID {
				others = append(others, p)
			}
		}
		return out, w.Notify("message_received", others...)
	})
}

// threadParty lists the accounts on the party's side of a thread.
func threadParty(w *cases.Work, t thread) []uuid.UUID {
	if t.party == "witness" {
		if t.witness.PersonID != nil {
			return []uuid.UUID{*t.witness.PersonID}
		}
		return nil
	}
	return w.Side(t.party)
}

// MessageAttachment returns a file sent with a message in a thread the
// caller may see, and logs the read. Callable as Threads.
func (s *Service) MessageAttachment(ctx context.Context, caller *accounts.Caller, id uuid.UUID, key string, aid uuid.UUID) (*cases.AttachmentMeta, []byte, error) {
	var meta cases.AttachmentMeta
	var content []byte
	err := s.cases.Access(ctx, caller, id, cases.AccessSpec{Action: "case:thread", LogAction: "message_attachment:read"}, func(w *cases.Work) error {
		t, err := resolveThread(w, key)
		if err != nil {
			return err
		}
		tx, caseID := w.Tx, w.CaseID()
		var a messageAttachmentRow
		if err := tx.Where(`id = ? AND case_id = ? AND message_id IN (?)`, aid, caseID,
			tx.Model(&messageRow{}).Select("id").Where(inThread, t.in(caseID)...)).Limit(1).Find(&a).Error; err != nil {
			return err
		}
		if a.ID == uuid.Nil {
			return apperr.NotFoundError("Attachment")
		}
		name, err := w.Open(cases.Field("message_attachment.filename", a.ID), a.FilenameEnc)
		if err != nil {
			return err
		}
		if content, err = w.Open(cases.Field("message_attachment", a.ID), a.ContentEnc); err != nil {
			return err
		}
		meta = cases.AttachmentMeta{ID: a.ID, Side: t.party, Filename: string(name), ContentType: a.ContentType, Size: a.SizeBytes, CreatedAt: a.CreatedAt}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &meta, content, nil
}
