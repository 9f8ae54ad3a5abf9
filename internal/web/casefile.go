package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// forms says which step forms the case page shows: the steps the case
// service offers the caller now (cases.Service.Steps).
type forms struct {
	Register, RequestInfo, SupplyInfo, Admissibility, Panel, Investigate, Extend, Conflict         bool
	Statement, Attachment, PlanHearing, RecordHearing, Advice, Decision, Withdraw, Close, Informal bool
	FurtherDelay, NotHeard                                                                         bool
}

type candidate struct {
	ID       uuid.UUID
	Name     string
	Ministry string
	OnPanel  bool
}

type caseData struct {
	V          *cases.View
	Events     []cases.EventView
	F          forms
	Candidates []candidate
	Committee  bool
	Respondent bool
	Authority  bool
	MaxFile    int64
	Accept     string
	Conv       convLinks // threads, notes, witnesses, retaliation (conversations.go)
}

// formsFor turns the steps the case service offers the caller into the
// case page's forms.
func (w *Web) formsFor(cl *accounts.Caller, v *cases.View) forms {
	st := map[string]bool{}
	for _, name := range w.d.Cases.Steps(cl, v) {
		st[name] = true
	}
	return forms{
		Register: st["register"], RequestInfo: st["information-request"], SupplyInfo: st["information"],
		Admissibility: st["admissibility"], Panel: st["panel"], Investigate: st["investigation"], Extend: st["extension"],
		Conflict: st["conflict"], Statement: st["statement"], Attachment: st["attachment"], PlanHearing: st["hearing"],
		RecordHearing: st["hearing-record"], Advice: st["advice"], Decision: st["decision"], Withdraw: st["withdraw"],
		Close: st["close"], Informal: st["informal-resolution"], FurtherDelay: st["further-delay"], NotHeard: st["not-heard"],
	}
}

// CasePage shows one case as the caller may see it, with the steps they may take.
func (w *Web) CasePage(c echo.Context) error {
	p, err := w.casePageData(c, nil)
	if err != nil {
		return w.fail(c, err)
	}
	if asWitness(p.Data.(caseData).V) {
		// A witness sees their own part only.
		return w.render(c, "case_witness", p)
	}
	return w.render(c, "case", p)
}

func (w *Web) casePageData(c echo.Context, p *page) (*page, error) {
	id, err := caseID(c)
	if err != nil {
		return nil, err
	}
	ctx, cl := c.Request().Context(), callerOf(c)
	v, evs, err := w.d.Cases.GetWithTimeline(ctx, cl, id)
	if err != nil {
		return nil, err
	}
	rel := authz.Relation(v.Relation)
	d := caseData{V: v, Events: evs, F: w.formsFor(cl, v),
		Committee: committee(v), Respondent: rel == authz.RelRespondent, Authority: rel == authz.RelAuthority,
		MaxFile: w.maxUpload(), Accept: acceptTypes}
	if d.F.Panel {
		if d.Candidates, err = w.candidates(ctx, v); err != nil {
			return nil, err
		}
	}
	if d.Conv, err = w.conversationLinks(ctx, cl, v); err != nil {
		return nil, err
	}
	return w.onCase(c, p, v, "case.title", d), nil
}

// committee reports whether the caller handles or judges the case (its
// staff, its panel).
func committee(v *cases.View) bool {
	rel := authz.Relation(v.Relation)
	return rel == authz.RelPanel || rel == authz.RelStaff
}

// asWitness reports whether the caller sees the case as a witness: their
// own part only.
func asWitness(v *cases.View) bool { return authz.Relation(v.Relation) == authz.RelWitness }

// candidates lists the committee's members and chairs for the panel form.
func (w *Web) candidates(ctx context.Context, v *cases.View) ([]candidate, error) {
	list, err := w.d.Accounts.PanelCandidates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]candidate, 0, len(list))
	for _, p := range list {
		cand := candidate{ID: p.ID, Name: p.Name, Ministry: p.Ministry}
		for _, m := range v.Panel {
			if m.ID == p.ID {
				cand.OnPanel = true
			}
		}
		out = append(out, cand)
	}
	return out, nil
}

// Step is the form of one step on a case (its route: POST
// /cases/{id}/<action>): the case again with a confirmation, or with the
// refusal beside the form. The route table puts the session and, for the
// advice and the decision, the re-authentication in front of it.
func (w *Web) Step(action string) Form {
	return form[stepRun]{
		parse: func(c echo.Context, bad map[string]string) (stepRun, error) { return w.parseStep(c, action, bad) },
		call: func(c echo.Context, run stepRun) (string, error) {
			if err := run.call(); err != nil {
				return "", err
			}
			return "/cases/" + run.id.String() + "?done=" + run.done, nil
		},
		refuse: func(c echo.Context, bad map[string]string, err error) error {
			return w.caseFormError(c, action, bad, err)
		},
	}
}

// NoSuchStep answers a post to a case step that does not exist.
func (w *Web) NoSuchStep(c echo.Context) error { return w.fail(c, apperr.NotFoundError("Page")) }

// stepRun is a parsed step: the case, the service call, and the
// confirmation it leads to.
type stepRun struct {
	id   uuid.UUID
	call func() error
	done string
}

// parseStep reads the form of the step action into its service call; the
// problems it finds go into bad.
func (w *Web) parseStep(c echo.Context, action string, bad map[string]string) (stepRun, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return stepRun{}, apperr.NotFoundError("Case")
	}
	ctx := c.Request().Context()
	cl := callerOf(c)
	lang := langOf(c)
	v := func(k string) string { return formText(c, k) }
	version := formVersion(c)
	// required marks a field the step cannot do without when it is empty.
	required := func(field string) { need(c, bad, field, v(field)) }
	var run func() error
	switch action {
	case "register":
		run = func() error {
			return errOnly(w.d.Cases.Register(ctx, cl, id, cases.Registration{Version: version, ReceivedOn: v("received_on"), RespondentMinistry: v("respondent_ministry")}))
		}
	case "information-request":
		required("what")
		days, _ := strconv.Atoi(v("term_days"))
		run = func() error {
			return errOnly(w.d.Cases.RequestInformation(ctx, cl, id, cases.InformationRequest{Version: version, What: v("what"), TermDays: days}))
		}
	case "information":
		required("text")
		run = func() error {
			return errOnly(w.d.Cases.SupplyInformation(ctx, cl, id, cases.Supply{Version: version, Text: v("text")}))
		}
	case "admissibility":
		adm := yesNo(c, bad, "admissible")
		if adm != nil && !*adm {
			required("ground")
			required("reason")
		}
		run = func() error {
			in := cases.Ruling{Version: version, Admissible: adm, Reason: v("reason"), LateAdmissionReason: v("late_admission_reason")}
			if adm != nil && !*adm {
				in.Ground, in.LateAdmissionReason = v("ground"), ""
			}
			return errOnly(w.d.Cases.Admissibility(ctx, cl, id, in))
		}
	case "panel":
		var ids []uuid.UUID
		for _, s := range c.Request().PostForm["member"] {
			if m, err := uuid.Parse(s); err == nil {
				ids = append(ids, m)
			}
		}
		if len(ids) == 0 {
			bad["member"] = fieldMessage(lang, "member_ids")
		}
		run = func() error {
			return errOnly(w.d.Cases.ComposePanel(ctx, cl, id, cases.PanelRequest{Version: version, MemberIDs: ids}))
		}
	case "investigation":
		required("respondent_email")
		run = func() error {
			return errOnly(w.d.Cases.StartInvestigation(ctx, cl, id, cases.Investigation{Version: version, RespondentEmail: v("respondent_email")}))
		}
	case "conflict":
		required("reason")
		run = func() error {
			return w.d.Cases.DeclareConflict(ctx, cl, id, cases.ConflictDeclaration{Reason: v("reason")})
		}
	case "extension":
		required("reason")
		run = func() error {
			return errOnly(w.d.Cases.Extend(ctx, cl, id, cases.Extension{Version: version, Reason: v("reason")}))
		}
	case "statement":
		required("body")
		run = func() error {
			return errOnly(w.d.Cases.AddStatement(ctx, cl, id, cases.StatementInput{Body: v("body")}))
		}
	case "attachment":
		fh, ferr := c.FormFile("file")
		if ferr != nil || fh.Size == 0 {
			bad["file"] = fieldMessage(lang, "file")
		}
		run = func() error {
			typ, ok := fileType(fh.Filename)
			if !ok {
				return apperr.New(apperr.Unsupported, "unsupported-file-type", "")
			}
			f, err := fh.Open()
			if err != nil {
				return apperr.New(apperr.Invalid, "bad-request", "")
			}
			defer f.Close()
			return errOnly(w.d.Cases.AddAttachment(ctx, cl, id, cases.Upload{Filename: fh.Filename, ContentType: typ, Content: f}))
		}
	case "hearing":
		at := w.plannedAt(c, bad)
		run = func() error {
			return errOnly(w.d.Cases.PlanHearing(ctx, cl, id, cases.HearingPlan{PlannedAt: at, Parties: v("parties"), Location: v("location"),
				Minutes: v("minutes")}))
		}
	case "further-delay":
		required("new_due_on")
		required("consent_received_on")
		required("consent_form")
		required("reason")
		run = func() error {
			return errOnly(w.d.Cases.FurtherDelay(ctx, cl, id, cases.FurtherDelayInput{Version: version, NewDueOn: v("new_due_on"),
				ConsentReceivedOn: v("consent_received_on"), ConsentForm: v("consent_form"), Reason: v("reason")}))
		}
	case "not-heard":
		required("side")
		if g := v("ground"); g == "" || (v("side") == "respondent" && g == "manifestly_unfounded") {
			// "err.ground" speaks of discrimination grounds; this is another list.
			bad["ground"] = i18n.T(lang, "err.not_heard_ground")
		}
		required("reason")
		run = func() error {
			return errOnly(w.d.Cases.NotHeard(ctx, cl, id, cases.NotHeardInput{Version: version, Side: v("side"), Ground: v("ground"), Reason: v("reason")}))
		}
	case "advice":
		required("findings")
		var js []cases.ElementJudgement
		for k, vals := range c.Request().PostForm {
			if pos, ok := strings.CutPrefix(k, "judgement-"); ok {
				n, err := strconv.Atoi(pos)
				if err != nil || len(vals) == 0 || vals[0] == "" {
					bad[k] = fieldMessage(lang, "judgements")
					continue
				}
				js = append(js, cases.ElementJudgement{Position: n, Judgement: vals[0]})
			}
		}
		run = func() error {
			return errOnly(w.d.Cases.AdoptAdvice(ctx, cl, id, cases.AdviceInput{Version: version, Findings: v("findings"), Measures: v("measures"), Judgements: js}))
		}
	case "decision":
		follows := yesNo(c, bad, "follows_advice")
		if follows != nil && !*follows && v("reasons") == "" {
			bad["reasons"] = i18n.T(lang, "err.reasons.departing")
		}
		run = func() error {
			return errOnly(w.d.Cases.Decide(ctx, cl, id, cases.DecisionInput{Version: version, FollowsAdvice: follows, Reasons: v("reasons")}))
		}
	case "withdraw":
		if v("confirm") != "yes" {
			bad["confirm"] = fieldMessage(lang, "confirm")
		}
		run = func() error {
			return errOnly(w.d.Cases.Withdraw(ctx, cl, id, cases.Withdrawal{Version: version, Reason: v("reason")}))
		}
	case "informal-resolution":
		required("reason")
		run = func() error {
			return errOnly(w.d.Cases.ResolveInformally(ctx, cl, id, cases.InformalResolution{Version: version, Reason: v("reason"),
				ComplainantConsented: v("complainant_consented") == "yes", RespondentConsented: v("respondent_consented") == "yes"}))
		}
	case "close":
		run = func() error { return errOnly(w.d.Cases.Close(ctx, cl, id, cases.Closing{Version: version})) }
	default:
		return stepRun{}, apperr.NotFoundError("Page")
	}
	done := action
	if action == "hearing" && v("minutes") != "" {
		done = "hearing_recorded" // recorded after the fact, not planned
	}
	return stepRun{id: id, call: run, done: done}, nil
}

// errOnly is a step's outcome on the pages: whether it was refused. The page
// shows the case again after it.
func errOnly[T any](_ T, err error) error { return err }

// caseFormError shows the case again with the refusal beside the form. The
// error's typed reason chooses the words: a stale sign-in asks to sign in
// again, a refused panel names each member and why.
func (w *Web) caseFormError(c echo.Context, form string, bad map[string]string, err error) error {
	if apperr.As(err).Type == accounts.TypeReauthRequired {
		// Advice and decision need a recent proof of identity (issue 8).
		bad, err = map[string]string{"reauth": i18n.T(langOf(c), "err.reauth")}, nil
	}
	refused := map[string]string{}
	if e := apperr.As(err); err != nil && e.Type == "conflict-of-interest" {
		for m, why := range e.Reasons {
			refused[m] = conflictReason(langOf(c), why)
		}
	}
	p, ferr := w.refusalPage(c, form, bad, err)
	if ferr != nil {
		return w.fail(c, ferr)
	}
	p.IDSuffix = idSuffix[form]
	if strings.HasPrefix(form, "record-") {
		p.IDSuffix = "-" + strings.TrimPrefix(form, "record-")
	}
	if _, err := w.casePageData(c, p); err != nil {
		return w.fail(c, err)
	}
	if len(refused) > 0 {
		// The refusal beside each member it concerns, naming them.
		clear(p.Errors)
		for _, cand := range p.Data.(caseData).Candidates {
			if why, ok := refused[cand.ID.String()]; ok {
				p.Errors["member-"+cand.ID.String()] = i18n.T(p.Lang, "conflict.refused", "name", cand.Name, "reason", why)
			}
		}
	}
	return w.render(c, "case", p)
}

// idSuffix names the forms whose fields carry a suffix in their ids, since
// their field names occur in other forms on the same page.
var idSuffix = map[string]string{"extension": "-extend", "informal-resolution": "-informal", "conflict": "-conflict", "withdraw": "-withdraw",
	"further-delay": "-delay", "not-heard": "-notheard", "legal-hold": "-hold"}

// conflictReason is the plain-language reason a member was refused, chosen
// by the service's reason code.
func conflictReason(lang string, why apperr.Reason) string {
	if k := "conflict." + string(why); i18n.Has(i18n.Default, k) {
		return i18n.T(lang, k)
	}
	return i18n.T(lang, "conflict.other")
}

// RecordHearing is the form that stores the record (verslag) of a hearing.
func (w *Web) RecordHearing() Form {
	type record struct {
		id, hid uuid.UUID
		in      cases.HearingRecord
	}
	return form[record]{
		parse: func(c echo.Context, bad map[string]string) (record, error) {
			id, err1 := uuid.Parse(c.Param("id"))
			hid, err2 := uuid.Parse(c.Param("hid"))
			if err1 != nil || err2 != nil {
				return record{}, apperr.NotFoundError("Hearing")
			}
			r := record{id: id, hid: hid, in: cases.HearingRecord{Version: formVersion(c), Minutes: formText(c, "minutes"), Held: c.FormValue("held") == "yes"}}
			need(c, bad, "minutes", r.in.Minutes)
			return r, nil
		},
		call: func(c echo.Context, r record) (string, error) {
			_, err := w.d.Cases.RecordHearing(c.Request().Context(), callerOf(c), r.id, r.hid, r.in)
			return "/cases/" + r.id.String() + "?done=hearing_recorded", err
		},
		refuse: func(c echo.Context, bad map[string]string, err error) error {
			hid, _ := uuid.Parse(c.Param("hid"))
			return w.caseFormError(c, "record-"+hid.String(), bad, err)
		},
	}
}
