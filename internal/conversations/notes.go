package conversations

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// The panel's notes and draft findings are the committee's working papers:
// seen by the panel assigned to the case, the chair and the secretary (the
// committee staff relation), never by a party, a witness or the authority,
// never in anyone's data export, and logged in the access log under their
// own actions (case:note:read, case:note:write). Every edit is a new
// version; an edit names the version it started from and is refused when
// someone saved a newer one meanwhile.

// NoteKinds are the kinds of working paper.
var NoteKinds = []string{"note", "draft_findings"}

type noteRow struct {
	ID        uuid.UUID `gorm:"type:uuid;primaryKey"`
	CaseID    uuid.UUID `gorm:"type:uuid"`
	Kind      string
	Version   int
	CreatedBy uuid.UUID `gorm:"type:uuid"`
	CreatedAt time.Time
	UpdatedBy uuid.UUID `gorm:"type:uuid"`
	UpdatedAt time.Time
}

func (noteRow) TableName() string { return "notes" }

type noteVersionRow struct {
	NoteID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	Version   int       `gorm:"primaryKey"`
	TitleEnc  []byte
	BodyEnc   []byte
	AuthorID  uuid.UUID `gorm:"type:uuid"`
	CreatedAt time.Time
}

func (noteVersionRow) TableName() string { return "note_versions" }

// NoteInput is a new note, or a new version of one.
type NoteInput struct {
	Version int    `json:"version,omitempty"` // editing: the version edited
	Kind    string `json:"kind,omitempty"`    // note (default) or draft_findings; new notes only
	Title   string `json:"title,omitempty"`
	Body    string `json:"body"`
}

// NoteView is a note in its latest version, with its earlier versions when
// one note is read.
type NoteView struct {
	ID        uuid.UUID         `json:"id"`
	Kind      string            `json:"kind"`
	Version   int               `json:"version"`
	Title     string            `json:"title,omitempty"`
	Body      string            `json:"body"`
	CreatedBy string            `json:"created_by"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedBy string            `json:"updated_by"`
	UpdatedAt time.Time         `json:"updated_at"`
	Versions  []NoteVersionView `json:"versions,omitempty"`
}

// NoteVersionView is one saved version of a note.
type NoteVersionView struct {
	Version   int       `json:"version"`
	Title     string    `json:"title,omitempty"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

var errNoteNotFound = apperr.NotFoundError("Note")

func noteField(field string, id uuid.UUID, version int) string {
	return cases.Field(field, fmt.Sprintf("%s.%d", id, version))
}

func checkNote(in NoteInput, editing bool) error {
	bad := map[string]string{}
	cases.CheckText(bad, "title", in.Title, false, cases.MaxLine)
	cases.CheckText(bad, "body", in.Body, true, cases.MaxText*5)
	if editing {
		if in.Version < 1 {
			bad["version"] = "is required: the version of the note you edited"
		}
		if in.Kind != "" {
			bad["kind"] = "is fixed when the note is written"
		}
	} else if in.Kind != "" && !slices.Contains(NoteKinds, in.Kind) {
		bad["kind"] = "must be note or draft_findings"
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	return nil
}

// saveVersion seals and stores one version of a note.
func saveVersion(w *cases.Work, id uuid.UUID, version int, at time.Time, in NoteInput) error {
	v := noteVersionRow{NoteID: id, Version: version, AuthorID: w.Caller.ID, CreatedAt: at,
		BodyEnc: w.SealString(noteField("note.body", id, version), in.Body)}
	if in.Title != "" {
		v.TitleEnc = w.SealString(noteField("note.title", id, version), in.Title)
	}
	return w.Tx.Create(&v).Error
}

// AddNote writes a new note or draft findings in the case, as version 1.
// Refused once the case is closed. Callable by the panel and committee staff.
func (s *Service) AddNote(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in NoteInput) (*NoteView, error) {
	if err := checkNote(in, false); err != nil {
		return nil, err
	}
	if in.Kind == "" {
		in.Kind = "note"
	}
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:note:write", Write: true}, func(w *cases.Work) (*NoteView, error) {
		if w.State() == cases.Closed {
			return nil, errNotesClosed
		}
		now := w.Now()
		n := noteRow{ID: uuid.New(), CaseID: w.CaseID(), Kind: in.Kind, Version: 1, CreatedBy: caller.ID, CreatedAt: now, UpdatedBy: caller.ID, UpdatedAt: now}
		if err := w.Tx.Create(&n).Error; err != nil {
			return nil, err
		}
		if err := saveVersion(w, n.ID, 1, now, in); err != nil {
			return nil, err
		}
		out := &NoteView{ID: n.ID, Kind: n.Kind, Version: 1, Title: in.Title, Body: in.Body, CreatedBy: caller.Name, CreatedAt: now,
			UpdatedBy: caller.Name, UpdatedAt: now}
		return out, w.CommitteeEvent("note_written")
	})
}

var errNotesClosed = apperr.New(apperr.Conflict, "case-closed", "The case is closed; its working papers are kept as they are.")

// EditNote saves a new version of a note. in.Version must be the note's
// latest version; when a colleague saved a newer one meanwhile the edit is
// refused (stale-version) and nothing changes. Callable by the panel and
// committee staff.
func (s *Service) EditNote(ctx context.Context, caller *accounts.Caller, id, nid uuid.UUID, in NoteInput) (*NoteView, error) {
	if err := checkNote(in, true); err != nil {
		return nil, err
	}
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:note:write", Write: true}, func(w *cases.Work) (*NoteView, error) {
		tx := w.Tx
		var n noteRow
		if err := caseRow(w, &n, nid, errNoteNotFound); err != nil {
			return nil, err
		}
		if w.State() == cases.Closed {
			return nil, errNotesClosed
		}
		if n.Version != in.Version {
			return nil, cases.ErrStale
		}
		now := w.Now()
		res := tx.Model(&noteRow{}).Where("id = ? AND version = ?", nid, in.Version).
			Updates(map[string]any{"version": in.Version + 1, "updated_by": caller.ID, "updated_at": now})
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected != 1 {
			return nil, cases.ErrStale
		}
		if err := saveVersion(w, nid, in.Version+1, now, in); err != nil {
			return nil, err
		}
		var createdBy string
		tx.Raw(`SELECT name FROM persons WHERE id = ?`, n.CreatedBy).Scan(&createdBy)
		out := &NoteView{ID: n.ID, Kind: n.Kind, Version: in.Version + 1, Title: in.Title, Body: in.Body, CreatedBy: createdBy,
			CreatedAt: n.CreatedAt, UpdatedBy: caller.Name, UpdatedAt: now}
		return out, w.CommitteeEvent("note_edited")
	})
}

// Notes lists the notes of a case in their latest versions, oldest first.
// Callable by the panel and committee staff; logged as case:note:read.
func (s *Service) Notes(ctx context.Context, caller *accounts.Caller, id uuid.UUID) ([]NoteView, error) {
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:note:read"}, func(w *cases.Work) ([]NoteView, error) {
		return notes(w, nil)
	})
}

// Note returns one note with every saved version, newest first. Callable
// by the panel and committee staff; logged as case:note:read.
func (s *Service) Note(ctx context.Context, caller *accounts.Caller, id, nid uuid.UUID) (*NoteView, error) {
	return access(ctx, s, caller, id, cases.AccessSpec{Action: "case:note:read"}, func(w *cases.Work) (*NoteView, error) {
		ns, err := notes(w, &nid)
		if err != nil {
			return nil, err
		}
		if len(ns) == 0 {
			return nil, errNoteNotFound
		}
		return &ns[0], nil
	})
}

// notes reads the case's notes (one when only is set, then with all its
// versions).
func notes(w *cases.Work, only *uuid.UUID) ([]NoteView, error) {
	tx := w.Tx
	// (gorm fills exported fields only, so no embedded noteRow here.)
	type row struct {
		ID            uuid.UUID
		Kind          string
		Version       int
		CreatedAt     time.Time
		UpdatedAt     time.Time
		CreatedByName string
		UpdatedByName string
	}
	q := `SELECT n.*, c.name AS created_by_name, u.name AS updated_by_name FROM notes n
		JOIN persons c ON c.id = n.created_by JOIN persons u ON u.id = n.updated_by WHERE n.case_id = @case`
	args := map[string]any{"case": w.CaseID()}
	if only != nil {
		q += ` AND n.id = @only`
		args["only"] = *only
	}
	var rows []row
	if err := tx.Raw(q+` ORDER BY n.seq`, args).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := []NoteView{}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	type version struct {
		NoteID     uuid.UUID
		Version    int
		TitleEnc   []byte
		BodyEnc    []byte
		CreatedAt  time.Time
		AuthorName string
	}
	vq := `SELECT v.*, p.name AS author_name FROM note_versions v JOIN persons p ON p.id = v.author_id WHERE v.note_id IN @ids`
	if only == nil {
		vq += ` AND v.version = (SELECT n.version FROM notes n WHERE n.id = v.note_id)`
	}
	var vs []version
	if err := tx.Raw(vq+` ORDER BY v.version DESC`, map[string]any{"ids": ids}).Scan(&vs).Error; err != nil {
		return nil, err
	}
	o := w.Opener()
	byNote := map[uuid.UUID][]NoteVersionView{}
	for _, v := range vs {
		byNote[v.NoteID] = append(byNote[v.NoteID], NoteVersionView{Version: v.Version, Author: v.AuthorName, CreatedAt: v.CreatedAt,
			Title: o.Open(noteField("note.title", v.NoteID, v.Version), v.TitleEnc),
			Body:  o.Open(noteField("note.body", v.NoteID, v.Version), v.BodyEnc)})
	}
	for _, n := range rows {
		versions := byNote[n.ID]
		if len(versions) == 0 || versions[0].Version != n.Version {
			return nil, fmt.Errorf("note %s: version %d missing", n.ID, n.Version)
		}
		nv := NoteView{ID: n.ID, Kind: n.Kind, Version: n.Version, Title: versions[0].Title, Body: versions[0].Body,
			CreatedBy: n.CreatedByName, CreatedAt: n.CreatedAt, UpdatedBy: n.UpdatedByName, UpdatedAt: n.UpdatedAt}
		if only != nil {
			nv.Versions = versions
		}
		out = append(out, nv)
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
