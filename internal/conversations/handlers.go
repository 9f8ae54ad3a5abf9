package conversations

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Handlers serves the conversation API: threads, notes and retaliation
// reports. Each parses its path and body and hands over to the service,
// which checks the caller's relation to the case and to the thread, note or
// report.
type Handlers struct {
	Service *Service
}

func caller(c echo.Context) *accounts.Caller {
	cl, _ := accounts.CallerFrom(c)
	return cl
}

func noStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }

// Threads handles GET /api/v1/cases/{id}/threads.
func (h *Handlers) Threads(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	out, err := h.Service.Threads(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// Thread handles GET /api/v1/cases/{id}/threads/{thread}.
func (h *Handlers) Thread(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	out, err := h.Service.Thread(c.Request().Context(), caller(c), id, c.Param("thread"))
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, out)
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
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) || strings.Contains(err.Error(), "too large") {
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
	out, err := h.Service.PostMessage(c.Request().Context(), caller(c), id, c.Param("thread"), in, files)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// MessageAttachment handles GET /api/v1/cases/{id}/threads/{thread}/attachments/{aid}.
func (h *Handlers) MessageAttachment(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	aid, err := httpx.UUIDParam(c, "aid", "Attachment")
	if err != nil {
		return err
	}
	meta, content, err := h.Service.MessageAttachment(c.Request().Context(), caller(c), id, c.Param("thread"), aid)
	if err != nil {
		return err
	}
	return httpx.Download(c, meta.Filename, meta.ContentType, content)
}

// Notes handles GET /api/v1/cases/{id}/notes.
func (h *Handlers) Notes(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	out, err := h.Service.Notes(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// AddNote handles POST /api/v1/cases/{id}/notes.
func (h *Handlers) AddNote(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in NoteInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.AddNote(c.Request().Context(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// Note handles GET /api/v1/cases/{id}/notes/{nid}.
func (h *Handlers) Note(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	nid, err := httpx.UUIDParam(c, "nid", "Note")
	if err != nil {
		return err
	}
	out, err := h.Service.Note(c.Request().Context(), caller(c), id, nid)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, out)
}

// EditNote handles PUT /api/v1/cases/{id}/notes/{nid}: a new version. The
// version edited comes in the body or as If-Match.
func (h *Handlers) EditNote(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	nid, err := httpx.UUIDParam(c, "nid", "Note")
	if err != nil {
		return err
	}
	var in NoteInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := versionFromHeader(c, &in.Version); err != nil {
		return err
	}
	out, err := h.Service.EditNote(c.Request().Context(), caller(c), id, nid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// versionFromHeader fills an absent version from If-Match, and refuses one
// that differs from it.
func versionFromHeader(c echo.Context, v *int) error {
	h, err := httpx.IfMatchVersion(c)
	if err != nil || h == 0 {
		return err
	}
	if *v == 0 {
		*v = h
	} else if *v != h {
		return apperr.InvalidFields(map[string]string{"version": "differs from the If-Match header"})
	}
	return nil
}

// RetaliationReports handles GET /api/v1/cases/{id}/retaliation.
func (h *Handlers) RetaliationReports(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	out, err := h.Service.RetaliationReports(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// ReportRetaliation handles POST /api/v1/cases/{id}/retaliation.
func (h *Handlers) ReportRetaliation(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in RetaliationInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.ReportRetaliation(c.Request().Context(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// RetaliationReport handles GET /api/v1/cases/{id}/retaliation/{rid}.
func (h *Handlers) RetaliationReport(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	rid, err := httpx.UUIDParam(c, "rid", "Retaliation report")
	if err != nil {
		return err
	}
	out, err := h.Service.RetaliationReport(c.Request().Context(), caller(c), id, rid)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, out)
}

// MoveRetaliation handles POST /api/v1/cases/{id}/retaliation/{rid}/state.
func (h *Handlers) MoveRetaliation(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	rid, err := httpx.UUIDParam(c, "rid", "Retaliation report")
	if err != nil {
		return err
	}
	var in RetaliationStep
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := versionFromHeader(c, &in.Version); err != nil {
		return err
	}
	out, err := h.Service.MoveRetaliation(c.Request().Context(), caller(c), id, rid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
