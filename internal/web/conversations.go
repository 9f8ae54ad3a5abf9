package web

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/conversations"
)

// The pages of the conversations inside a case (issue 10): a thread per
// party with the committee, the panel's notes, the witnesses and the
// retaliation reports. Each page calls the case service, which checks the
// caller's relation to the case and to the thread, note, witness or report;
// the route table checks the role.

// convLinks is what the case page shows of the conversations: the threads
// the caller may read and links to the notes, witnesses and reports, as
// far as the caller's role and relation reach.
type convLinks struct {
	Threads     []conversations.ThreadSummary
	Notes       bool
	Witnesses   bool
	Retaliation bool
}

// Any reports whether there is anything to show.
func (l convLinks) Any() bool { return len(l.Threads) > 0 || l.Notes || l.Witnesses || l.Retaliation }

// conversationLinks gathers the case page's links. The relation decides;
// nothing is read beyond the list of threads.
func (w *Web) conversationLinks(ctx context.Context, cl *accounts.Caller, v *cases.View) (convLinks, error) {
	ok := func(action string) bool { return w.d.Cases.May(cl, v, action) }
	var l convLinks
	if ok("case:thread") {
		ts, err := w.d.Conversations.Threads(ctx, cl, v.ID)
		if err != nil {
			return l, err
		}
		l.Threads = ts
	}
	l.Notes = ok("case:note:read")
	l.Witnesses = ok("case:witness:read") && !asWitness(v)
	l.Retaliation = ok("case:retaliation:read") || ok("case:retaliation:report")
	return l, nil
}

func caseID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, apperr.NotFoundError("Case")
	}
	return id, nil
}

// pathCase reads the case in the path as the caller may see it.
func (w *Web) pathCase(c echo.Context) (*cases.View, error) {
	id, err := caseID(c)
	if err != nil {
		return nil, err
	}
	return w.d.Cases.Get(c.Request().Context(), callerOf(c), id)
}

// partThenCase reads a part of the case in the path (its notes, its
// witnesses, a thread) and then the case itself, as the caller may see
// them. The part comes first, so that a caller it is closed to is refused
// before the case is read (and the read logged).
func partThenCase[T any](w *Web, c echo.Context, part func(context.Context, *accounts.Caller, uuid.UUID) (T, error)) (*cases.View, T, error) {
	var got T
	id, err := caseID(c)
	if err != nil {
		return nil, got, err
	}
	ctx, cl := c.Request().Context(), callerOf(c)
	if got, err = part(ctx, cl, id); err != nil {
		return nil, got, err
	}
	v, err := w.d.Cases.Get(ctx, cl, id)
	return v, got, err
}

// onCase fills the page of a case's part with its data, titled by the
// catalogue key title with args (the case number first): p is nil for the
// page itself, or a form's refusal shown on it.
func (w *Web) onCase(c echo.Context, p *page, v *cases.View, title string, data any, args ...any) *page {
	if p == nil {
		p = w.newPage(c, title, nil)
	}
	p.Title, p.TitleArgs, p.Data = title, append([]any{"number", v.Number}, args...), data
	return p
}

// threadData is the thread page.
type threadData struct {
	Case      *cases.View
	Thread    *conversations.ThreadView
	Title     string // catalogue key
	Witness   string // the witness's name, for the committee
	Committee bool
	CanWrite  bool
	MaxFile   int64
	Accept    string
}

// ThreadPage shows one thread with the form to write in it.
func (w *Web) ThreadPage(c echo.Context) error { return w.show(c, "thread", w.threadPageData) }

func (w *Web) threadPageData(c echo.Context, p *page) (*page, error) {
	key := c.Param("thread")
	v, th, err := partThenCase(w, c, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID) (*conversations.ThreadView, error) {
		return w.d.Conversations.Thread(ctx, cl, id, key)
	})
	if err != nil {
		return nil, err
	}
	ctx, cl := c.Request().Context(), callerOf(c)
	d := threadData{Case: v, Thread: th, Committee: committee(v),
		CanWrite: slices.Contains(w.d.Cases.Steps(cl, v), "message"),
		MaxFile:  w.maxUpload(), Accept: acceptTypes}
	switch {
	case !d.Committee:
		d.Title = "case.thread.title.own"
	case th.Party == "witness":
		d.Title = "case.thread.title.witness"
		ts, err := w.d.Conversations.Threads(ctx, cl, v.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Key == th.Key {
				d.Witness = t.Witness
			}
		}
	default:
		d.Title = "case.thread.title." + th.Party
	}
	return w.onCase(c, p, v, d.Title, d, "name", d.Witness), nil
}

// convFormError shows a conversations page again with the refusal beside
// the form; errors that are no form errors get their own page.
func (w *Web) convFormError(c echo.Context, tmpl, form string, bad map[string]string, err error,
	data func(echo.Context, *page) (*page, error)) error {
	p, ferr := w.refusalPage(c, form, bad, err)
	if ferr != nil {
		return w.fail(c, ferr)
	}
	if i := strings.IndexByte(form, ':'); i >= 0 {
		p.IDSuffix = "-" + form[i+1:]
	}
	if _, err := data(c, p); err != nil {
		return w.fail(c, err)
	}
	return w.render(c, tmpl, p)
}

// notesData is the notes page.
type notesData struct {
	Case     *cases.View
	Notes    []conversations.NoteView
	CanWrite bool // write and edit notes (cases.Service.Steps: "note")
}

// NotesPage serves GET /cases/:id/notes.
func (w *Web) NotesPage(c echo.Context) error { return w.show(c, "notes", w.notesPageData) }

func (w *Web) notesPageData(c echo.Context, p *page) (*page, error) {
	v, ns, err := partThenCase(w, c, w.d.Conversations.Notes)
	if err != nil {
		return nil, err
	}
	d := notesData{Case: v, Notes: ns, CanWrite: slices.Contains(w.d.Cases.Steps(callerOf(c), v), "note")}
	return w.onCase(c, p, v, "case.notes.title", d), nil
}

// witnessesData is the committee's page of the case's witnesses.
type witnessesData struct {
	Case      *cases.View
	Witnesses []cases.WitnessView
	CanEdit   bool // the secretary adds witnesses and records statements
	CanInvite bool // while the case is under investigation
}

// WitnessesPage serves GET /cases/:id/witnesses.
func (w *Web) WitnessesPage(c echo.Context) error { return w.show(c, "witnesses", w.witnessesPageData) }

func (w *Web) witnessesPageData(c echo.Context, p *page) (*page, error) {
	v, ws, err := partThenCase(w, c, w.d.Cases.Witnesses)
	if err != nil {
		return nil, err
	}
	steps := w.d.Cases.Steps(callerOf(c), v)
	d := witnessesData{Case: v, Witnesses: ws, CanEdit: slices.Contains(steps, "witness"), CanInvite: slices.Contains(steps, "witness-hearing")}
	return w.onCase(c, p, v, "case.witnesses.title", d), nil
}

// retaliationData is the page of a case's retaliation reports: the chair's
// (every report, and the moves) or a reporter's (their side's, and the form).
type retaliationData struct {
	Case      *cases.View
	Reports   []conversations.RetaliationView
	Chair     bool
	CanReport bool
}

// Next lists the states a report can move to (the service's state machine).
func (retaliationData) Next(state string) []string { return conversations.RetaliationNext(state) }

// RetaliationPage serves GET /cases/:id/retaliation.
func (w *Web) RetaliationPage(c echo.Context) error {
	return w.show(c, "retaliation", w.retaliationPageData)
}

func (w *Web) retaliationPageData(c echo.Context, p *page) (*page, error) {
	v, err := w.pathCase(c)
	if err != nil {
		return nil, err
	}
	ctx, cl := c.Request().Context(), callerOf(c)
	ok := func(action string) bool { return w.d.Cases.May(cl, v, action) }
	d := retaliationData{Case: v, Chair: ok("case:retaliation:handle"), CanReport: ok("case:retaliation:report")}
	if ok("case:retaliation:read") {
		if d.Reports, err = w.d.Conversations.RetaliationReports(ctx, cl, v.ID); err != nil {
			return nil, err
		}
	} else if !d.CanReport {
		return nil, apperr.New(apperr.Forbidden, "forbidden", "Your part in this case does not allow this step.")
	}
	return w.onCase(c, p, v, "case.retaliation.title", d), nil
}
