package httpx

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// BodyTooLarge reports whether err, from reading an upload, means the body
// was cut off by http.MaxBytesReader (or held more than multipart allows).
// Reading a multipart form does not always wrap the reader's error, so its
// text is the last resort, in this one place.
func BodyTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) ||
		strings.Contains(err.Error(), "http: request body too large")
}

// PartType is the declared content type of an uploaded file part; a part
// that declares none is taken as arbitrary bytes.
func PartType(fh *multipart.FileHeader) string {
	if ct := fh.Header.Get(echo.HeaderContentType); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// Download answers a stored file: always as a download with its own name,
// never rendered in the service's origin nor sniffed as another type, and
// never kept by a cache.
func Download(c echo.Context, filename, contentType string, content []byte) error {
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(filename))
	return c.Stream(http.StatusOK, contentType, bytes.NewReader(content))
}
