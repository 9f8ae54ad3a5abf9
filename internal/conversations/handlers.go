package conversations

import (
	"context"
	"mime"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/caseapi"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Handlers serves the conversation API: threads, notes and retaliation
// reports. Each parses its path and body and hands over to the service,
// which checks the caller's relation to the case and to the thread, note or
// report; the JSON routes go through caseapi.OnCase and its kin.
type Handlers struct {
	Service *Service
}

var (
	noteID        = httpx.Param{Name: "nid", What: "Note"}
	retaliationID = httpx.Param{Name: "rid", What: "Retaliation report"}
)

// Threads handles GET /api/v1/cases/{id}/threads.
func (h *Handlers) Threads(c echo.Context) error {
	return caseapi.ReadCase(c, caseapi.Items(h.Service.Threads))
}

// Thread handles GET /api/v1/cases/{id}/threads/{thread}.
func (h *Handlers) Thread(c echo.Context) error {
	return caseapi.ReadCase(c, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID) (*ThreadView, error) {
		return h.Service.Thread(ctx, cl, id, c.Param("thread"))
	})
}

// PostMessage handles POST /api/v1/cases/{id}/threads/{thread}/messages:
// JSON {"body"}, or multipart/form-data with the field "body" and up to
// five files in fields "file".
func (h *Handlers) PostMessage(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in MessageInput
	var files []cases.Upload
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt == echo.MIMEMultipartForm {
		req := c.Request()
		req.Body = http.MaxBytesReader(c.Response(), req.Body, h.Service.cases.MaxUpload()+256<<10)
		if err := req.ParseMultipartForm(h.Service.cases.MaxUpload() + 256<<10); err != nil {
			if httpx.BodyTooLarge(err) {
				return apperr.New(apperr.TooLarge, "file-too-large", "The files of one message may together be at most the upload limit.")
			}
			return apperr.New(apperr.Invalid, "bad-request", "The form could not be read.")
		}
		in.Body = req.FormValue("body")
		fhs := req.MultipartForm.File["file"]
		if len(fhs) > maxMessageFiles {
			return errTooManyFiles
		}
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return apperr.New(apperr.Invalid, "bad-request", "The file could not be read.")
			}
			defer f.Close()
			files = append(files, cases.Upload{Filename: fh.Filename, ContentType: httpx.PartType(fh), Content: f})
		}
	} else if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.PostMessage(c.Request().Context(), caseapi.Caller(c), id, c.Param("thread"), in, files)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// MessageAttachment handles GET /api/v1/cases/{id}/threads/{thread}/attachments/{aid}.
func (h *Handlers) MessageAttachment(c echo.Context) error {
	return caseapi.DownloadPart(c, caseapi.AttachmentID, func(ctx context.Context, cl *accounts.Caller, id, aid uuid.UUID) (*cases.AttachmentMeta, []byte, error) {
		return h.Service.MessageAttachment(ctx, cl, id, c.Param("thread"), aid)
	})
}

// Notes handles GET /api/v1/cases/{id}/notes.
func (h *Handlers) Notes(c echo.Context) error {
	return caseapi.ReadCase(c, caseapi.Items(h.Service.Notes))
}

// AddNote handles POST /api/v1/cases/{id}/notes.
func (h *Handlers) AddNote(c echo.Context) error {
	return caseapi.OnCase(c, http.StatusCreated, h.Service.AddNote)
}

// Note handles GET /api/v1/cases/{id}/notes/{nid}.
func (h *Handlers) Note(c echo.Context) error { return caseapi.ReadPart(c, noteID, h.Service.Note) }

// EditNote handles PUT /api/v1/cases/{id}/notes/{nid}: a new version. The
// version edited comes in the body or as If-Match.
func (h *Handlers) EditNote(c echo.Context) error {
	return caseapi.OnPart(c, http.StatusOK, noteID, h.Service.EditNote)
}

// RetaliationReports handles GET /api/v1/cases/{id}/retaliation.
func (h *Handlers) RetaliationReports(c echo.Context) error {
	return caseapi.ReadCase(c, caseapi.Items(h.Service.RetaliationReports))
}

// ReportRetaliation handles POST /api/v1/cases/{id}/retaliation.
func (h *Handlers) ReportRetaliation(c echo.Context) error {
	return caseapi.OnCase(c, http.StatusCreated, h.Service.ReportRetaliation)
}

// RetaliationReport handles GET /api/v1/cases/{id}/retaliation/{rid}.
func (h *Handlers) RetaliationReport(c echo.Context) error {
	return caseapi.ReadPart(c, retaliationID, h.Service.RetaliationReport)
}

// MoveRetaliation handles POST /api/v1/cases/{id}/retaliation/{rid}/state.
// The report's version comes in the body or as If-Match.
func (h *Handlers) MoveRetaliation(c echo.Context) error {
	return caseapi.OnPart(c, http.StatusOK, retaliationID, h.Service.MoveRetaliation)
}
