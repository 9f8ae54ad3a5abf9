package web

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/drafts"
)

// The complaint form is a sequence of small steps, each a page of its own
// that works without JavaScript; every step saves the draft, and the last
// page shows everything for review before it is sent.

type stepInfo struct {
	Name, Label string
	Number      int
	Current     bool
}

// steps are the form's steps for the caller: an adviser first says for whom.
func (w *Web) steps(c echo.Context) []stepInfo {
	names := []string{"what", "when", "who", "more", "evidence"}
	if callerOf(c).HasRole(authz.Adviser) {
		names = append([]string{"behalf"}, names...)
	}
	out := make([]stepInfo, len(names))
	for i, n := range names {
		out[i] = stepInfo{Name: n, Label: "complaint.step." + n, Number: i + 1}
	}
	return out
}

type stepData struct {
	Steps        []stepInfo
	Step         stepInfo
	Total        int
	Draft        *drafts.Draft
	First, Last  bool
	CanSelf      bool // the caller may file for themselves (complainant role)
	MaxFiles     int
	AcceptTypes  string
	MaxFileBytes int64
}

func (w *Web) loadDraft(c echo.Context) (*drafts.Draft, error) {
	d, err := w.drafts.Get(c.Request().Context(), callerOf(c).ID)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	if d == nil {
		d = &drafts.Draft{}
		if !callerOf(c).HasRole(authz.Complainant) {
			d.OnBehalf = true
		}
	}
	return d, nil
}

type introData struct{ HasDraft bool }

// ComplaintIntro explains the procedure and its terms in plain words.
func (w *Web) ComplaintIntro(c echo.Context) error {
	d, err := w.drafts.Get(c.Request().Context(), callerOf(c).ID)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "complaint_intro", w.newPage(c, "complaint.intro.title", introData{HasDraft: d != nil}))
}

func (w *Web) stepPage(c echo.Context, name string, d *drafts.Draft) (*page, error) {
	steps := w.steps(c)
	idx := -1
	for i := range steps {
		if steps[i].Name == name {
			idx = i
			steps[i].Current = true
		}
	}
	if idx < 0 {
		return nil, apperr.NotFoundError("Step")
	}
	data := stepData{Steps: steps, Step: steps[idx], Total: len(steps), Draft: d, First: idx == 0, Last: idx == len(steps)-1,
		CanSelf: callerOf(c).HasRole(authz.Complainant), MaxFiles: drafts.MaxFiles, AcceptTypes: acceptTypes, MaxFileBytes: w.maxUpload()}
	p := w.newPage(c, "complaint.step.title", data)
	p.TitleArgs = []any{"step", idx + 1, "total", len(steps), "name", p.T(steps[idx].Label)}
	return p, nil
}

// ComplaintStep serves GET /complaint/step/:step.
func (w *Web) ComplaintStep(c echo.Context) error {
	d, err := w.loadDraft(c)
	if err != nil {
		return w.fail(c, err)
	}
	p, err := w.stepPage(c, c.Param("step"), d)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "complaint_step", p)
}

// SaveComplaintStep stores the step's answers in the draft and moves on
// ("next", checked), back ("back", not checked) or out ("save").
func (w *Web) SaveComplaintStep(c echo.Context) error {
	d, err := w.loadDraft(c)
	if err != nil {
		return w.fail(c, err)
	}
	name := c.Param("step")
	p, err := w.stepPage(c, name, d)
	if err != nil {
		return w.fail(c, err)
	}
	nav := c.FormValue("nav")
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	cp := &d.Complaint
	switch name {
	case "behalf":
		if p.Data.(stepData).CanSelf {
			d.OnBehalf = v("on_behalf") == "other"
		}
		cp.ComplainantEmail, cp.Consent, d.ConsentGiven = v("complainant_email"), v("consent"), v("consent_given") == "yes"
		if nav == "next" && d.OnBehalf {
			if cp.ComplainantEmail == "" {
				p.Errors["complainant_email"] = p.T("err.complainant_email")
			}
			if cp.Consent == "" {
				p.Errors["consent"] = p.T("err.consent")
			}
			if !d.ConsentGiven {
				p.Errors["consent_given"] = p.T("err.consent_given")
			}
		}
	case "what":
		cp.Category, cp.Ground, cp.Description = v("category"), v("ground"), v("description")
		if cp.Category != "discrimination" {
			cp.Ground = ""
		}
		if nav == "next" {
			if !slices.Contains(categories, cp.Category) {
				p.Errors["category"] = p.T("err.category")
			}
			if cp.Category == "discrimination" && !slices.Contains(grounds, cp.Ground) {
				p.Errors["ground"] = p.T("err.ground")
			}
			if cp.Description == "" {
				p.Errors["description"] = p.T("err.description")
			}
		}
	case "when":
		cp.IncidentWhen, cp.IncidentWhere = v("incident_when"), v("incident_where")
	case "who":
		cp.Respondent.Name, cp.Respondent.Ministry, cp.Respondent.Function = v("respondent_name"), v("respondent_ministry"), v("respondent_function")
	case "more":
		cp.Witnesses, cp.WishedOutcome, cp.Contact = v("witnesses"), v("wished_outcome"), v("contact")
	case "evidence":
		if r := c.FormValue("remove"); r != "" {
			if i, err := strconv.Atoi(r); err == nil && i >= 0 && i < len(d.Files) {
				d.Files = append(d.Files[:i], d.Files[i+1:]...)
			}
			nav = "stay"
		}
		if msg := w.takeFiles(c, d, p); msg != "" {
			p.Errors["files"] = msg
		}
		if nav == "upload" {
			nav = "stay"
		}
	}
	if !d.OnBehalf {
		cp.ComplainantEmail, cp.Consent, d.ConsentGiven = "", "", false
	}
	if err := w.drafts.Put(c.Request().Context(), callerOf(c).ID, d); err != nil {
		return w.fail(c, err)
	}
	if len(p.Errors) > 0 {
		p.Form, p.Values = "step", formValues(c)
		return w.refused(c, "complaint_step", p)
	}
	data := p.Data.(stepData)
	switch {
	case nav == "save":
		return c.Redirect(http.StatusSeeOther, "/dashboard?done=draft_saved")
	case nav == "stay":
		return c.Redirect(http.StatusSeeOther, "/complaint/step/"+name+"?done=files")
	case nav == "back" && !data.First:
		return c.Redirect(http.StatusSeeOther, "/complaint/step/"+data.Steps[data.Step.Number-2].Name)
	case nav == "back":
		return c.Redirect(http.StatusSeeOther, "/complaint")
	case data.Last:
		return c.Redirect(http.StatusSeeOther, "/complaint/review")
	}
	return c.Redirect(http.StatusSeeOther, "/complaint/step/"+data.Steps[data.Step.Number].Name)
}

// takeFiles adds the uploaded files to the draft; it returns a message for
// the first file it refuses.
func (w *Web) takeFiles(c echo.Context, d *drafts.Draft, p *page) string {
	form, err := c.MultipartForm()
	if err != nil || form == nil {
		return ""
	}
	for _, fh := range form.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		if len(d.Files) >= drafts.MaxFiles {
			return p.T("err.files.count", "max", drafts.MaxFiles)
		}
		typ, ok := fileType(fh.Filename)
		if !ok {
			return p.T("err.files.type", "name", fh.Filename)
		}
		if fh.Size > w.maxUpload() {
			return p.T("err.files.size", "name", fh.Filename, "max", p.Size(w.maxUpload()))
		}
		if fh.Size == 0 {
			return p.T("err.files.empty", "name", fh.Filename)
		}
		f, err := fh.Open()
		if err != nil {
			return p.T("err.files.read", "name", fh.Filename)
		}
		b, err := io.ReadAll(io.LimitReader(f, w.maxUpload()+1))
		f.Close()
		if err != nil {
			return p.T("err.files.read", "name", fh.Filename)
		}
		d.Files = append(d.Files, drafts.File{Name: filepath.Base(fh.Filename), Type: typ, Content: b})
	}
	return ""
}

type reviewData struct {
	Steps []stepInfo
	Draft *drafts.Draft
}

// ComplaintReview serves GET /complaint/review.
func (w *Web) ComplaintReview(c echo.Context) error {
	d, err := w.loadDraft(c)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, "complaint_review", w.newPage(c, "complaint.review.title", reviewData{Steps: w.steps(c), Draft: d}))
}

// SendComplaint files the draft, then adds its evidence to the new case.
func (w *Web) SendComplaint(c echo.Context) error {
	ctx := c.Request().Context()
	cl := callerOf(c)
	d, err := w.loadDraft(c)
	if err != nil {
		return w.fail(c, err)
	}
	in := d.Complaint
	if !d.OnBehalf {
		in.ComplainantEmail, in.Consent = "", ""
	}
	p := w.newPage(c, "complaint.review.title", reviewData{Steps: w.steps(c), Draft: d})
	p.Form = "review"
	if d.OnBehalf && !d.ConsentGiven {
		p.Errors["consent_given"] = p.T("err.consent_given")
	}
	var filed *cases.Filed
	if len(p.Errors) == 0 {
		filed, err = w.d.Cases.File(ctx, cl, in)
		if err != nil {
			if !formErrors(p.Lang, err, p) {
				return w.fail(c, err)
			}
		}
	}
	if filed == nil {
		return w.refused(c, "complaint_review", p)
	}
	done := "filed"
	for _, f := range d.Files {
		if _, err := w.d.Cases.AddAttachment(ctx, cl, filed.ID, cases.Upload{Filename: f.Name, ContentType: f.Type, Content: bytes.NewReader(f.Content)}); err != nil {
			done = "filed_without_files"
		}
	}
	w.drafts.Delete(ctx, cl.ID)
	return c.Redirect(http.StatusSeeOther, "/cases/"+filed.ID.String()+"?done="+done)
}

// DiscardComplaint serves POST /complaint/discard.
func (w *Web) DiscardComplaint(c echo.Context) error {
	w.drafts.Delete(c.Request().Context(), callerOf(c).ID)
	return c.Redirect(http.StatusSeeOther, "/dashboard?done=draft_discarded")
}
