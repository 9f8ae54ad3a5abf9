package web

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Files in and out of the pages: the evidence types an upload may have
// (the complaint form, a case's attachments, a thread's messages), and
// downloads, which the browser never renders in the site's origin.

// acceptedTypes are the evidence types the case service accepts, by the
// type a browser declares and by extension.
var acceptedTypes = map[string]string{
	".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".txt": "text/plain",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".odt":  "application/vnd.oasis.opendocument.text", ".eml": "message/rfc822",
}

const acceptTypes = ".pdf,.png,.jpg,.jpeg,.txt,.docx,.odt,.eml"

func (w *Web) maxUpload() int64 { return w.d.MaxUploadBytes }

// fileType is the content type of an uploaded file by its name's
// extension; false for a type the case service does not accept.
func fileType(name string) (string, bool) {
	typ, ok := acceptedTypes[strings.ToLower(filepath.Ext(name))]
	return typ, ok
}

// Attachment hands an evidence file of a case to the browser as a download.
func (w *Web) Attachment(c echo.Context) error {
	return w.sendAttachment(c, func(id, aid uuid.UUID) (*cases.AttachmentMeta, []byte, error) {
		return w.d.Cases.Attachment(c.Request().Context(), callerOf(c), id, aid)
	})
}

// MessageAttachment hands a file of a thread to the browser as a download.
func (w *Web) MessageAttachment(c echo.Context) error {
	return w.sendAttachment(c, func(id, aid uuid.UUID) (*cases.AttachmentMeta, []byte, error) {
		return w.d.Conversations.MessageAttachment(c.Request().Context(), callerOf(c), id, c.Param("thread"), aid)
	})
}

// sendAttachment hands the file aid of the case in the path to the browser
// as a download, read by fetch as the caller may see it.
func (w *Web) sendAttachment(c echo.Context, fetch func(id, aid uuid.UUID) (*cases.AttachmentMeta, []byte, error)) error {
	id, err1 := uuid.Parse(c.Param("id"))
	aid, err2 := uuid.Parse(c.Param("aid"))
	if err1 != nil || err2 != nil {
		return w.fail(c, apperr.NotFoundError("Attachment"))
	}
	meta, content, err := fetch(id, aid)
	if err != nil {
		return w.fail(c, err)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", httpx.Attachment(meta.Filename))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	return c.Stream(http.StatusOK, meta.ContentType, bytes.NewReader(content))
}
