package web

import (
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/calendar"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/conversations"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// The forms of the conversation pages (conversations.go): each is the form
// adapter (router.go) with the case from the path, the page to show again
// on a refusal, and the form's own parse and service call.

// onCase is a form's input with the case it is posted on.
type onCase[In any] struct {
	id uuid.UUID
	in In
}

// convForm is a form on one of a case's conversation pages: tmpl with its
// data from load, the form named by name (fields with a suffix after ':'
// in their ids); parse reads the input, call runs the service and says
// where to go next.
func convForm[In any](w *Web, tmpl string, load func(echo.Context, *page) (*page, error), name func(echo.Context) string,
	parse func(c echo.Context, bad map[string]string) (In, error), call func(c echo.Context, id uuid.UUID, in In) (string, error)) Form {
	return form[onCase[In]]{
		parse: func(c echo.Context, bad map[string]string) (onCase[In], error) {
			id, err := caseID(c)
			if err != nil {
				return onCase[In]{}, err
			}
			in, err := parse(c, bad)
			return onCase[In]{id: id, in: in}, err
		},
		call: func(c echo.Context, in onCase[In]) (string, error) { return call(c, in.id, in.in) },
		refuse: func(c echo.Context, bad map[string]string, err error) error {
			return w.convFormError(c, tmpl, name(c), bad, err, load)
		},
	}
}

// part is a form's input about one object of the case named in the path.
type part[In any] struct {
	id uuid.UUID
	in In
}

// convPartForm is convForm for a form about one object of the case named
// in the path by param (a note, a witness, a report: what): the form is
// named prefix:<id>, and an id that names nothing is an unknown object.
func convPartForm[In any](w *Web, tmpl string, load func(echo.Context, *page) (*page, error), prefix, param, what string,
	parse func(c echo.Context, bad map[string]string) In, call func(c echo.Context, id, object uuid.UUID, in In) (string, error)) Form {
	return convForm(w, tmpl, load, namedBy(prefix, param),
		func(c echo.Context, bad map[string]string) (part[In], error) {
			object, err := pathID(c, param, what)
			return part[In]{id: object, in: parse(c, bad)}, err
		},
		func(c echo.Context, id uuid.UUID, p part[In]) (string, error) { return call(c, id, p.id, p.in) })
}

// named is a form's fixed name; namedBy names it after an object in the path.
func named(n string) func(echo.Context) string { return func(echo.Context) string { return n } }

func namedBy(prefix, param string) func(echo.Context) string {
	return func(c echo.Context) string {
		id, _ := uuid.Parse(c.Param(param))
		return prefix + ":" + id.String()
	}
}

// pathID is the object of a form named in the path (a note, a witness…);
// a malformed id is an unknown one.
func pathID(c echo.Context, param, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(param))
	if err != nil {
		return id, apperr.NotFoundError(what)
	}
	return id, nil
}

// need marks field as missing when value is empty.
func need(c echo.Context, bad map[string]string, field, value string) {
	if value == "" {
		bad[field] = fieldMessage(langOf(c), field)
	}
}

func formText(c echo.Context, k string) string { return strings.TrimSpace(c.FormValue(k)) }

func formVersion(c echo.Context) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

// plannedAt reads a hearing's date and time fields, in Dutch time, as the
// service takes them (RFC 3339); a missing or malformed one goes into bad.
func (w *Web) plannedAt(c echo.Context, bad map[string]string) string {
	at, err := time.ParseInLocation("2006-01-02 15:04", formText(c, "date")+" "+formText(c, "time"), calendar.Zone())
	if err != nil {
		bad["planned_at"] = fieldMessage(langOf(c), "planned_at")
	}
	return at.Format(time.RFC3339)
}

// message is a message's text and its files, not yet opened.
type message struct {
	body  string
	files []*multipart.FileHeader
	types []string
}

// PostMessage is the form that writes in a thread, with files, and shows
// the thread again.
func (w *Web) PostMessage() Form {
	return convForm(w, "thread", w.threadPageData, named("message"),
		func(c echo.Context, bad map[string]string) (message, error) {
			m := message{body: formText(c, "body")}
			need(c, bad, "body", m.body)
			if form, err := c.MultipartForm(); err == nil && form != nil {
				for _, fh := range form.File["files"] {
					if fh.Size == 0 && fh.Filename == "" {
						continue
					}
					typ, ok := fileType(fh.Filename)
					if !ok {
						bad["files"] = i18n.T(langOf(c), "err.files.type", "name", fh.Filename)
						continue
					}
					m.files, m.types = append(m.files, fh), append(m.types, typ)
				}
			}
			return m, nil
		},
		func(c echo.Context, id uuid.UUID, m message) (string, error) {
			var files []cases.Upload
			for i, fh := range m.files {
				f, err := fh.Open()
				if err != nil {
					return "", apperr.InvalidFields(map[string]string{"files": "cannot be read"})
				}
				defer f.Close()
				files = append(files, cases.Upload{Filename: fh.Filename, ContentType: m.types[i], Content: f})
			}
			key := c.Param("thread")
			return "/cases/" + id.String() + "/threads/" + url.PathEscape(key) + "?done=message#messages", errOnly(w.d.Conversations.PostMessage(c.Request().Context(), callerOf(c), id, key, conversations.MessageInput{Body: m.body}, files))
		})
}

// AddNote is the form that adds a note of the panel.
func (w *Web) AddNote() Form {
	return convForm(w, "notes", w.notesPageData, named("note"),
		func(c echo.Context, bad map[string]string) (conversations.NoteInput, error) {
			in := conversations.NoteInput{Kind: c.FormValue("kind"), Title: formText(c, "title"), Body: formText(c, "body")}
			need(c, bad, "body", in.Body)
			return in, nil
		},
		func(c echo.Context, id uuid.UUID, in conversations.NoteInput) (string, error) {
			return "/cases/" + id.String() + "/notes?done=note", errOnly(w.d.Conversations.AddNote(c.Request().Context(), callerOf(c), id, in))
		})
}

// EditNote is the form that saves a note as a new version; a stale edit is
// refused beside the form.
func (w *Web) EditNote() Form {
	return convPartForm(w, "notes", w.notesPageData, "note", "nid", "Note",
		func(c echo.Context, bad map[string]string) conversations.NoteInput {
			in := conversations.NoteInput{Version: formVersion(c), Title: formText(c, "title"), Body: formText(c, "body")}
			need(c, bad, "body", in.Body)
			return in
		},
		func(c echo.Context, id, nid uuid.UUID, in conversations.NoteInput) (string, error) {
			return "/cases/" + id.String() + "/notes?done=note_edited#note-" + nid.String(), errOnly(w.d.Conversations.EditNote(c.Request().Context(), callerOf(c), id, nid, in))
		})
}

// AddWitness is the secretary's form that adds a witness.
func (w *Web) AddWitness() Form {
	return convForm(w, "witnesses", w.witnessesPageData, named("witness"),
		func(c echo.Context, bad map[string]string) (cases.WitnessInput, error) {
			in := cases.WitnessInput{Name: formText(c, "name"), Contact: formText(c, "contact"), ProposedBy: formText(c, "proposed_by"), Email: formText(c, "email")}
			need(c, bad, "name", in.Name)
			need(c, bad, "proposed_by", in.ProposedBy)
			return in, nil
		},
		func(c echo.Context, id uuid.UUID, in cases.WitnessInput) (string, error) {
			return "/cases/" + id.String() + "/witnesses?done=witness", errOnly(w.d.Cases.AddWitness(c.Request().Context(), callerOf(c), id, in))
		})
}

// WitnessStatement is the form that records a witness's statement.
func (w *Web) WitnessStatement() Form {
	return convPartForm(w, "witnesses", w.witnessesPageData, "statement", "wid", "Witness",
		func(c echo.Context, bad map[string]string) cases.WitnessStatement {
			in := cases.WitnessStatement{Version: formVersion(c), Statement: formText(c, "statement")}
			need(c, bad, "statement", in.Statement)
			return in
		},
		func(c echo.Context, id, wid uuid.UUID, in cases.WitnessStatement) (string, error) {
			return "/cases/" + id.String() + "/witnesses?done=witness_statement#witness-" + wid.String(), errOnly(w.d.Cases.RecordWitnessStatement(c.Request().Context(), callerOf(c), id, wid, in))
		})
}

// WitnessHearing is the form that invites a witness to a hearing.
func (w *Web) WitnessHearing() Form {
	return convPartForm(w, "witnesses", w.witnessesPageData, "hearing", "wid", "Witness",
		func(c echo.Context, bad map[string]string) cases.HearingPlan {
			return cases.HearingPlan{PlannedAt: w.plannedAt(c, bad), Parties: "witness", Location: formText(c, "location")}
		},
		func(c echo.Context, id, wid uuid.UUID, in cases.HearingPlan) (string, error) {
			in.WitnessID = &wid
			_, err := w.d.Cases.PlanHearing(c.Request().Context(), callerOf(c), id, in)
			if e := apperr.As(err); err != nil && e.Code == apperr.Invalid && e.Fields["witness_id"] != "" {
				err = apperr.NotFoundError("Witness") // not a witness of this case
			}
			return "/cases/" + id.String() + "/witnesses?done=witness_hearing#witness-" + wid.String(), err
		})
}

// ReportRetaliation is a party's form that reports retaliation.
func (w *Web) ReportRetaliation() Form {
	return convForm(w, "retaliation", w.retaliationPageData, named("retaliation"),
		func(c echo.Context, bad map[string]string) (conversations.RetaliationInput, error) {
			in := conversations.RetaliationInput{Description: formText(c, "description")}
			if in.Description == "" {
				bad["description"] = fieldMessage(langOf(c), "retaliation_description")
			}
			return in, nil
		},
		func(c echo.Context, id uuid.UUID, in conversations.RetaliationInput) (string, error) {
			return "/cases/" + id.String() + "/retaliation?done=retaliation", errOnly(w.d.Conversations.ReportRetaliation(c.Request().Context(), callerOf(c), id, in))
		})
}

// MoveRetaliation is the chair's form that moves a retaliation report on.
func (w *Web) MoveRetaliation() Form {
	return convPartForm(w, "retaliation", w.retaliationPageData, "move", "rid", "Retaliation report",
		func(c echo.Context, bad map[string]string) conversations.RetaliationStep {
			in := conversations.RetaliationStep{Version: formVersion(c), To: c.FormValue("to"), Reason: formText(c, "reason"),
				Recommendation: formText(c, "recommendation")}
			need(c, bad, "to", in.To)
			if in.To == conversations.RetaliationReferred {
				need(c, bad, "recommendation", in.Recommendation)
			}
			return in
		},
		func(c echo.Context, id, rid uuid.UUID, in conversations.RetaliationStep) (string, error) {
			return "/cases/" + id.String() + "/retaliation?done=retaliation_state#report-" + rid.String(), errOnly(w.d.Conversations.MoveRetaliation(c.Request().Context(), callerOf(c), id, rid, in))
		})
}
