package httpx

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

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
