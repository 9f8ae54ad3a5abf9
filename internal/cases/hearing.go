package cases

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

// HearingPlan plans a hearing.
type HearingPlan struct {
	PlannedAt string `json:"planned_at"` // RFC 3339
	Parties   string `json:"parties"`    // complainant, respondent, both, witness
	Location  string `json:"location,omitempty"`
	// WitnessID names the witness to be heard when Parties is "witness"
	// and the witness is recorded in the case (POST …/witnesses); that
	// witness then sees the hearing and its record.
	WitnessID *uuid.UUID `json:"witness_id,omitempty"`
	// Minutes records a hearing after the fact: a PlannedAt in the past
	// needs them, and the hearing is then stored as held; a hearing still
	// to come has none.
	Minutes string `json:"minutes,omitempty"`
}

// PlanHearing plans a hearing of one or both sides (Awb 9:10) in a case under
// investigation. Callable by a secretary or a panel member.
func (s *Service) PlanHearing(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in HearingPlan) (*HearingView, error) {
	bad := map[string]string{}
	at, err := time.Parse(time.RFC3339, in.PlannedAt)
	if err != nil {
		bad["planned_at"] = "must be a date and time in RFC 3339, for example 2027-03-01T10:00:00+01:00"
	}
	past := err == nil && !at.After(s.now())
	switch {
	case past:
		CheckText(bad, "minutes", in.Minutes, true, MaxText*5)
		if _, ok := bad["minutes"]; ok && strings.TrimSpace(in.Minutes) == "" {
			bad["minutes"] = "are required for a hearing that already took place: it is recorded after the fact"
		}
	case in.Minutes != "":
		bad["minutes"] = "are recorded once the hearing has taken place"
	}
	if !oneOf(in.Parties, []string{"complainant", "respondent", "both", "witness"}) {
		bad["parties"] = "must be complainant, respondent, both or witness"
	}
	CheckText(bad, "location", in.Location, false, MaxLine)
	if in.Parties != "witness" && in.WitnessID != nil {
		bad["witness_id"] = "is only given for a witness hearing"
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	h := hearingRow{ID: uuid.New(), CaseID: id, PlannedAt: at.UTC(), Parties: in.Parties, Version: 1, WitnessID: in.WitnessID,
		Held: past, CreatedAt: s.now(), UpdatedAt: s.now()}
	_, err = s.step(ctx, caller, id, 0, "case:hearing", func(w *Work) error {
		r := w.c
		if r.State != Investigating {
			return apperr.New(apperr.Conflict, "case-not-investigating", "Hearings are planned while the case is under investigation.")
		}
		if DateOf(at).Before(DateOf(r.FiledAt)) {
			return invalid("planned_at", "cannot lie before the day the complaint was filed")
		}
		var witness witnessRow
		if in.WitnessID != nil {
			if found, err := one(w.Tx, &witness, witnessOfCaseSQL, *in.WitnessID, r.ID); err != nil || !found {
				if err == nil {
					return invalid("witness_id", "is not a witness of this case")
				}
				return err
			}
		}
		if in.Location != "" {
			h.LocationEnc = w.SealString(rowField("hearing.location", h.ID), in.Location)
		}
		if past {
			h.MinutesEnc = w.SealString(rowField("hearing.minutes", h.ID), in.Minutes)
		}
		if err := w.Tx.Create(&h).Error; err != nil {
			return err
		}
		if past {
			// Recorded after the fact: those heard were there; nobody is
			// invited to a hearing that is over.
			if in.WitnessID != nil {
				return w.SideEvent("hearing_recorded", "witness", in.WitnessID)
			}
			return w.event("hearing_recorded", "", true)
		}
		if in.WitnessID != nil {
			// A witness hearing is the committee's and that witness's business.
			if err := w.SideEvent("hearing_planned", "witness", in.WitnessID); err != nil {
				return err
			}
			return w.tell("hearing_planned", witness.PersonID)
		}
		if err := w.event("hearing_planned", "", true); err != nil {
			return err
		}
		var to []*uuid.UUID
		if in.Parties == "complainant" || in.Parties == "both" {
			to = append(to, &r.ComplainantID, r.AdviserID)
		}
		if in.Parties == "respondent" || in.Parties == "both" {
			to = append(to, r.RespondentID)
		}
		return w.tell("hearing_planned", to...)
	})
	if err != nil {
		return nil, err
	}
	hv := &HearingView{ID: h.ID, PlannedAt: h.PlannedAt, Parties: h.Parties, Location: in.Location, Version: 1, WitnessID: h.WitnessID, Held: h.Held}
	if past {
		hv.Minutes = in.Minutes
	}
	return hv, nil
}

// HearingRecord is the record (verslag) of a hearing.
type HearingRecord struct {
	Version int    `json:"version"`
	Minutes string `json:"minutes"`
	Held    bool   `json:"held"`
}

// RecordHearing stores or corrects the record of a hearing. The hearing's
// version must match (optimistic concurrency): a stale edit gets conflict
// instead of overwriting a colleague's text. Callable by a secretary or a
// panel member.
func (s *Service) RecordHearing(ctx context.Context, caller *accounts.Caller, id, hid uuid.UUID, in HearingRecord) (*HearingView, error) {
	if err := checkRecord(in.Version, "hearing", "minutes", in.Minutes); err != nil {
		return nil, err
	}
	var out HearingView
	_, err := s.step(ctx, caller, id, 0, "case:hearing", func(w *Work) error {
		r := w.c
		if r.State != Investigating {
			return apperr.New(apperr.Conflict, "case-not-investigating", "Hearing records are kept while the case is under investigation.")
		}
		var h hearingRow
		if found, err := one(w.Tx, &h, hearingOfCaseSQL, hid, r.ID); err != nil || !found {
			if err == nil {
				return apperr.NotFoundError("Hearing")
			}
			return err
		}
		if h.Version != in.Version {
			return errStale
		}
		if in.Held && h.PlannedAt.After(s.now()) {
			return apperr.New(apperr.Conflict, "hearing-not-yet-held", "A hearing is marked held only once its time has passed.")
		}
		res := w.Tx.Exec(recordHearingSQL, hid, in.Version, w.SealString(rowField("hearing.minutes", hid), in.Minutes), in.Held, s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errStale
		}
		out = HearingView{ID: h.ID, PlannedAt: h.PlannedAt, Parties: h.Parties, Held: in.Held, Minutes: in.Minutes, Version: in.Version + 1, WitnessID: h.WitnessID}
		if h.WitnessID != nil {
			return w.SideEvent("hearing_recorded", "witness", h.WitnessID)
		}
		return w.event("hearing_recorded", "", true)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ElementJudgement judges one complaint element.
type ElementJudgement struct {
	Position  int    `json:"position"`
	Judgement string `json:"judgement"`
}

// AdviceInput is the panel's report and advice.
type AdviceInput struct {
	Version    int                `json:"version,omitempty"`
	Findings   string             `json:"findings"`
	Measures   string             `json:"measures,omitempty"`
	Judgements []ElementJudgement `json:"judgements"`
}

// AdoptAdvice adopts the panel's findings, a judgement per complaint element
// and recommended measures, signed by the chair, and sends it to the
// authority of the respondent's ministry (Awb 9:12a, 9:15). Both sides must
// have been heard first, or not heard on a recorded statutory ground (Awb
// 9:10), and the panel must hold a member besides the chair and nobody with
// a conflict of interest. Callable by the chair.
func (s *Service) AdoptAdvice(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in AdviceInput) (*Result, error) {
	bad := map[string]string{}
	CheckText(bad, "findings", in.Findings, true, MaxText*5)
	CheckText(bad, "measures", in.Measures, false, MaxText)
	if len(in.Judgements) == 0 {
		bad["judgements"] = "must judge every complaint element"
	}
	for i, j := range in.Judgements {
		if !oneOf(j.Judgement, Judgements) {
			bad[fmt.Sprintf("judgements[%d].judgement", i)] = "must be founded, partly_founded or unfounded"
		}
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:advice", func(w *Work) error {
		r := w.c
		if r.State != Investigating {
			return apperr.New(apperr.Conflict, "illegal-transition", fmt.Sprintf("A case in state %s cannot move to advised.", r.State))
		}
		var positions []int
		if err := w.Tx.Raw(elementPositionsSQL, r.ID).Scan(&positions).Error; err != nil {
			return err
		}
		given := map[int]string{}
		for _, j := range in.Judgements {
			given[j.Position] = j.Judgement
		}
		if len(given) != len(positions) || len(in.Judgements) != len(positions) {
			return invalid("judgements", fmt.Sprintf("must judge each of the %d complaint elements exactly once", len(positions)))
		}
		for _, p := range positions {
			if _, ok := given[p]; !ok {
				return invalid("judgements", fmt.Sprintf("element %d is not judged", p))
			}
		}
		if err := checkAdvicePanel(w, caller.ID); err != nil {
			return err
		}
		if err := checkHeard(w, given); err != nil {
			return err
		}
		for p, j := range given {
			if err := w.Tx.Exec(judgeElementSQL, r.ID, p, j).Error; err != nil {
				return err
			}
		}
		adv := adviceRow{CaseID: r.ID, FindingsEnc: w.SealString("advice.findings", in.Findings), Judgement: overall(given),
			SignedBy: caller.ID, AdoptedAt: s.now()}
		if in.Measures != "" {
			adv.MeasuresEnc = w.SealString("advice.measures", in.Measures)
		}
		if err := w.Tx.Create(&adv).Error; err != nil {
			return err
		}
		if err := w.move(Advised, "", map[string]any{"advised_at": s.now()}); err != nil {
			return err
		}
		return notifyAuthority(w)
	})
}

// overall is the judgement of the complaint as a whole.
func overall(per map[int]string) string {
	founded, unfounded := 0, 0
	for _, j := range per {
		switch j {
		case "founded":
			founded++
		case "unfounded":
			unfounded++
		}
	}
	switch {
	case founded == len(per):
		return "founded"
	case unfounded == len(per):
		return "unfounded"
	}
	return "partly_founded"
}

// notifyAuthority tells the competent authority of the respondent's
// ministry that the advice was sent.
func notifyAuthority(w *Work) error {
	var ids []uuid.UUID
	if err := w.Tx.Raw(authorityOfSQL, w.RespondentMinistry()).Scan(&ids).Error; err != nil {
		return err
	}
	return w.Notify("advice_sent", ids...)
}

// DecisionInput is the authority's decision.
type DecisionInput struct {
	Version       int    `json:"version,omitempty"`
	FollowsAdvice *bool  `json:"follows_advice"`
	Reasons       string `json:"reasons,omitempty"`
}

// Decide records the competent authority's decision. Departing from the
// advice needs reasons (Awb 9:16); both parties are told. Callable by the
// authority of the respondent's ministry.
func (s *Service) Decide(ctx context.Context, caller *accounts.Caller, id uuid.UUID, in DecisionInput) (*Result, error) {
	bad := map[string]string{}
	if in.FollowsAdvice == nil {
		bad["follows_advice"] = "is required (true or false)"
	} else if !*in.FollowsAdvice {
		CheckText(bad, "reasons", in.Reasons, true, MaxText)
		if _, ok := bad["reasons"]; ok && strings.TrimSpace(in.Reasons) == "" {
			bad["reasons"] = "are required when the decision departs from the advice (Awb 9:16)"
		}
	}
	CheckText(bad, "reasons", in.Reasons, false, MaxText)
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	return s.step(ctx, caller, id, in.Version, "case:decision", func(w *Work) error {
		r := w.c
		if err := w.move(Decided, "", map[string]any{"decided_at": s.now()}); err != nil {
			return err
		}
		d := decisionRow{CaseID: r.ID, FollowsAdvice: *in.FollowsAdvice, DecidedBy: caller.ID, DecidedAt: s.now()}
		if in.Reasons != "" {
			d.ReasonsEnc = w.SealString("decision.reasons", in.Reasons)
		}
		if err := w.Tx.Create(&d).Error; err != nil {
			return err
		}
		return w.tell("decision", r.parties()...)
	})
}

// allowedTypes are the attachment types accepted: documents and images a
// civil servant has as evidence. Active content (HTML, scripts) never.
var allowedTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "text/plain": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.oasis.opendocument.text":                                 true,
	"message/rfc822": true,
}

// Upload is one evidence file.
type Upload struct {
	Filename    string
	ContentType string
	Content     io.Reader
}

// AddAttachment stores an evidence file, encrypted with the case key.
// Refused: files over the limit, types outside the list, content that does
// not match its declared type. Callable by the parties and the committee.
func (s *Service) AddAttachment(ctx context.Context, caller *accounts.Caller, id uuid.UUID, up Upload) (*AttachmentMeta, error) {
	f, err := s.ReadUpload(up)
	if err != nil {
		return nil, err
	}
	name, mt, content := f.Name, f.ContentType, f.Content
	meta := AttachmentMeta{ID: uuid.New(), Filename: name, ContentType: mt, Size: int64(len(content)), CreatedAt: s.now()}
	_, err = s.step(ctx, caller, id, 0, "case:attachment", func(w *Work) error {
		r := w.c
		// Evidence comes with the complaint (submitted) and while it is
		// handled; once advised, ruled inadmissible, resolved or ended,
		// there is nothing left that could weigh it.
		if r.State != Submitted && (!r.State.open() || r.State == Advised) {
			return apperr.New(apperr.Conflict, "case-not-open", "Evidence is added while the case is being handled.")
		}
		side := w.Party()
		if side == "" {
			side = "committee"
		}
		meta.Side = side
		if err := w.Tx.Create(&attachmentRow{ID: meta.ID, CaseID: r.ID, UploadedBy: caller.ID, Side: side,
			FilenameEnc: w.SealString(rowField("attachment.filename", meta.ID), name), ContentType: mt, SizeBytes: meta.Size,
			ContentEnc: w.Seal("attachment."+meta.ID.String(), content), CreatedAt: meta.CreatedAt}).Error; err != nil {
			return err
		}
		return w.event("attachment_added", "", side != "committee")
	})
	if err != nil {
		return nil, err
	}
	return &meta, nil
}

// CheckedFile is an upload that passed ReadUpload: its base name, its
// media type (parameters dropped) and its content.
type CheckedFile struct {
	Name, ContentType string
	Content           []byte
}

// ReadUpload reads and checks one file: refused are files over the limit,
// types outside the list, and content that does not match its declared type.
func (s *Service) ReadUpload(up Upload) (*CheckedFile, error) {
	name := filepath.Base(strings.ReplaceAll(up.Filename, "\\", "/"))
	bad := map[string]string{}
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) || len(name) > 255 {
		bad["filename"] = "must be a file name of at most 255 bytes"
	}
	mt, _, err := mime.ParseMediaType(up.ContentType)
	if err != nil || !allowedTypes[mt] {
		return nil, apperr.New(apperr.Unsupported, "unsupported-file-type", "Accepted: PDF, PNG, JPEG, plain text, DOCX, ODT and e-mail (.eml) files.")
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields(bad)
	}
	content, err := io.ReadAll(io.LimitReader(up.Content, s.maxUpload+1))
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "bad-request", "The file could not be read.")
	}
	if int64(len(content)) > s.maxUpload {
		return nil, apperr.New(apperr.TooLarge, "file-too-large", fmt.Sprintf("A file may be at most %d bytes.", s.maxUpload))
	}
	if len(content) == 0 {
		return nil, invalid("file", "is empty")
	}
	if !contentMatches(mt, content) {
		return nil, apperr.New(apperr.Unsupported, "content-mismatch", "The file's content does not match its type.")
	}
	return &CheckedFile{Name: name, ContentType: mt, Content: content}, nil
}

// contentMatches checks the declared type against the content's signature,
// so an executable cannot travel as a "PDF".
func contentMatches(declared string, content []byte) bool {
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(content))
	switch declared {
	case "application/pdf", "image/png", "image/jpeg":
		return sniffed == declared
	case "text/plain", "message/rfc822":
		return strings.HasPrefix(sniffed, "text/plain")
	default: // DOCX and ODT are ZIP containers
		return sniffed == "application/zip" || bytes.HasPrefix(content, []byte("PK\x03\x04"))
	}
}

// Attachment returns an evidence file's content, and logs the read. A party
// gets the parties' files, the committee all.
func (s *Service) Attachment(ctx context.Context, caller *accounts.Caller, id, aid uuid.UUID) (*AttachmentMeta, []byte, error) {
	var meta AttachmentMeta
	var content []byte
	err := s.Access(ctx, caller, id, AccessSpec{Action: "case:attachment", LogAction: "attachment:read"}, func(w *Work) error {
		r := w.c
		var a attachmentRow
		if found, err := one(w.Tx, &a, attachmentOfCaseSQL, aid, r.ID, committee(w.Rel)); err != nil || !found {
			if err == nil {
				return apperr.NotFoundError("Attachment")
			}
			return err
		}
		sid := r.ID.String()
		name, err := w.Key.OpenString(sid, rowField("attachment.filename", a.ID), a.FilenameEnc)
		if err != nil {
			return err
		}
		if content, err = w.Key.Open(sid, "attachment."+a.ID.String(), a.ContentEnc); err != nil {
			return err
		}
		meta = AttachmentMeta{ID: a.ID, Side: a.Side, Filename: name, ContentType: a.ContentType, Size: a.SizeBytes, CreatedAt: a.CreatedAt}
		return nil
	})
	// A party who may read the case but not this file learns no more than
	// that there is no such attachment.
	if apperr.CodeOf(err) == apperr.Forbidden {
		return nil, nil, apperr.NotFoundError("Attachment")
	}
	if err != nil {
		return nil, nil, err
	}
	return &meta, content, nil
}
