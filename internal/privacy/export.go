// Package privacy implements the data-subject export (GDPR art. 15 and 20)
// and master-key rotation: the controls of docs/design.md §4 that span packages.
package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Export is everything the system holds about one person.
type Export struct {
	GeneratedAt time.Time     `json:"generated_at"`
	Account     Account       `json:"account"`
	Cases       []CaseExport  `json:"cases"`
	Actions     []audit.Entry `json:"actions"` // what the person did in the system (access log)
	Note        string        `json:"note"`
	// RequestID is the data-subject request an export of someone else's
	// data was made under.
	RequestID *uuid.UUID `json:"request_id,omitempty"`
}

// Account is the person's account data.
type Account struct {
	ID          uuid.UUID     `json:"id"`
	Email       string        `json:"email"`
	Name        string        `json:"name"`
	Ministry    string        `json:"ministry"`
	Language    string        `json:"language"`
	CreatedAt   time.Time     `json:"created_at"`
	LastLoginAt *time.Time    `json:"last_login_at,omitempty"`
	Roles       []authz.Grant `json:"roles"`
}

// Service builds exports and keeps the data-subject requests.
type Service struct {
	DB       *gorm.DB
	Accounts *accounts.Service
	Cases    *cases.Service
	Now      func() time.Time // the clock; nil for the real one
}

// Build returns the person's own export: requester is subject. Another
// person's data is exported only under a data-subject request
// (BuildUnderRequest).
func (s *Service) Build(ctx context.Context, requester *accounts.Caller, subject uuid.UUID) (*Export, error) {
	if requester.ID != subject {
		return nil, ErrNoOpenRequest
	}
	return s.build(ctx, requester, subject)
}

// BuildUnderRequest returns the export of another person's data to the
// privacy officer, under the open data-subject request named (nil: the
// oldest open one about subject). It answers not_found for an unknown
// person and ErrNoOpenRequest without an open request, before reading
// anything. The export is recorded under the request, logged, and shown to
// the subject in their account, in one transaction: if that fails, nothing
// is handed out.
func (s *Service) BuildUnderRequest(ctx context.Context, requester *accounts.Caller, subject uuid.UUID, named *uuid.UUID) (*Export, error) {
	if requester.ID == subject {
		return s.build(ctx, requester, subject)
	}
	if _, err := s.Accounts.ByID(ctx, subject); err != nil {
		return nil, err
	}
	rid, err := s.openRequest(ctx, s.DB, subject, named)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	exp, err := s.build(ctx, requester, subject)
	if err != nil {
		return nil, err
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Still open: it may have been closed while the export was built.
		if err := tx.Exec(`SELECT 1 FROM data_subject_requests WHERE id = ? FOR UPDATE`, rid).Error; err != nil {
			return err
		}
		if _, err := s.openRequest(ctx, tx, subject, &rid); err != nil {
			return err
		}
		return s.recordExport(ctx, tx, requester, subject, rid)
	})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	exp.RequestID = &rid
	return exp, nil
}

func (s *Service) build(ctx context.Context, requester *accounts.Caller, subject uuid.UUID) (*Export, error) {
	p, err := s.Accounts.ByID(ctx, subject)
	if err != nil {
		return nil, err
	}
	grants, err := s.Accounts.Grants(ctx, subject)
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	cs, err := s.exportCases(ctx, requester, subject)
	if err != nil {
		return nil, err
	}
	// The person's entries, those about a case found through their sealed tags.
	acts, err := audit.Search(ctx, s.DB, audit.Query{PersonID: &subject, PerPage: 10000})
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	actions := acts.Items
	return &Export{GeneratedAt: time.Now().UTC(), Account: Account{ID: p.ID, Email: p.Email, Name: p.Name, Ministry: p.Ministry,
		Language: p.Language, CreatedAt: p.CreatedAt, LastLoginAt: p.LastLoginAt, Roles: grants}, Cases: cs, Actions: actions,
		Note: "Data of other people (the other party's statements and evidence, the complainant's contact details for a respondent) is left out."}, nil
}

// Handlers serves the exports.
type Handlers struct {
	Service *Service
	// Log signs each export and attaches its access log entry's inclusion
	// proof, so `rkc verify` can check the file offline; nil: unsigned.
	Log *audit.Log
}

// Mine handles GET /api/v1/me/export?format=json|pdf.
func (h *Handlers) Mine(c echo.Context) error {
	caller, _ := accounts.CallerFrom(c)
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	exp, err := h.Service.Build(c.Request().Context(), caller, caller.ID)
	if err != nil {
		return err
	}
	return h.respond(c, caller, caller.ID, format, exp)
}

// Person handles GET /api/v1/persons/{pid}/export?request= (privacy
// officer): only under an open data-subject request for the person.
func (h *Handlers) Person(c echo.Context) error {
	caller, _ := accounts.CallerFrom(c)
	id, err := httpx.UUIDParam(c, "pid", "Person")
	if err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	var named *uuid.UUID
	if v := c.QueryParam("request"); v != "" {
		rid, err := uuid.Parse(v)
		if err != nil {
			return apperr.InvalidFields(map[string]string{"request": "must be the id of a data-subject request"})
		}
		named = &rid
	}
	exp, err := h.Service.BuildUnderRequest(c.Request().Context(), caller, id, named)
	if err != nil {
		return err
	}
	return h.respond(c, caller, id, format, exp)
}

func exportFormat(c echo.Context) (string, error) {
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "pdf" {
		return "", apperr.InvalidFields(map[string]string{"format": "must be json or pdf"})
	}
	return format, nil
}

// respond sends the export as a file that carries the log's signature and
// its access log entry's inclusion proof.
func (h *Handlers) respond(c echo.Context, caller *accounts.Caller, subject uuid.UUID, format string, exp *Export) error {
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	doc, mime, err := h.File(c.Request().Context(), caller, subject, format, exp)
	if err != nil {
		return err
	}
	hd.Set("Content-Disposition", `attachment; filename="rkc-export.`+format+`"`)
	return c.Blob(http.StatusOK, mime, doc)
}

// File is the export as a file in format ("json" or "pdf") with its media
// type: logged on the access log (export:file) and carrying the log's
// signature and the entry's inclusion proof. The API's and the pages'
// downloads are both this file.
func (h *Handlers) File(ctx context.Context, caller *accounts.Caller, subject uuid.UUID, format string, exp *Export) ([]byte, string, error) {
	var doc []byte
	var err error
	docFormat, mime := audit.FormatJSON, echo.MIMEApplicationJSON
	if format == "json" {
		doc, err = json.Marshal(exp)
	} else {
		doc, err = RenderPDF(exp)
		docFormat, mime = audit.FormatPDF, "application/pdf"
	}
	if err != nil {
		return nil, "", apperr.Wrap(err)
	}
	if doc, err = h.sign(ctx, caller, subject, docFormat, doc); err != nil {
		return nil, "", apperr.Wrap(err)
	}
	return doc, mime, nil
}

// sign logs the export with the file's digest and attaches the signature and
// the entry's inclusion proof.
func (h *Handlers) sign(ctx context.Context, caller *accounts.Caller, subject uuid.UUID, f audit.Format, doc []byte) ([]byte, error) {
	if h.Log == nil {
		return doc, nil
	}
	actor := caller.ID
	return h.Log.SignFile(ctx, audit.Entry{At: time.Now(), PersonID: &actor, Role: exportRole(caller, subject), Action: audit.ActionExportFile, Client: caller.Client}, f, doc)
}

// RenderPDF lays the export out as a readable document: the same content as
// the JSON, in sections.
func RenderPDF(exp *Export) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("cp1252")
	pdf.SetTitle("RKC - inzage persoonsgegevens", true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.Cell(0, 10, tr("Inzage persoonsgegevens / Personal data export"))
	pdf.Ln(12)
	pdf.SetFont("Helvetica", "", 10)
	line := func(s string) { pdf.MultiCell(0, 5, tr(s), "", "L", false) }
	line(fmt.Sprintf("Aangemaakt / generated: %s", exp.GeneratedAt.Format(time.RFC3339)))
	line(exp.Note)
	pdf.Ln(4)
	section := func(title string, v any) {
		pdf.SetFont("Helvetica", "B", 12)
		pdf.Cell(0, 8, tr(title))
		pdf.Ln(9)
		pdf.SetFont("Courier", "", 8)
		b, _ := json.MarshalIndent(v, "", "  ")
		for _, l := range strings.Split(string(b), "\n") {
			line(l)
		}
		pdf.SetFont("Helvetica", "", 10)
		pdf.Ln(3)
	}
	section("Account", exp.Account)
	for _, c := range exp.Cases {
		section(fmt.Sprintf("Zaak %s (%s)", c.Case.Number, c.Role), c.Case)
	}
	section(fmt.Sprintf("Handelingen / actions (%d)", len(exp.Actions)), exp.Actions)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
