package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
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
	hd.Set("Content-Disposition", Attachment(filename))
	return c.Stream(http.StatusOK, contentType, bytes.NewReader(content))
}

// Attachment is the Content-Disposition of a download named filename (a
// name someone gave their file): the name in UTF-8 (RFC 6266's filename*),
// and before it, for clients that do not read that, the name with every
// character outside printable ASCII, and the quote and backslash, as "_".
func Attachment(filename string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	var utf8 strings.Builder
	for _, b := range []byte(filename) {
		if isAttrChar(b) {
			utf8.WriteByte(b)
		} else {
			fmt.Fprintf(&utf8, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + utf8.String()
}

// isAttrChar says whether b may stand as itself in an RFC 8187 value
// (attr-char); every other byte is percent-encoded.
func isAttrChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
