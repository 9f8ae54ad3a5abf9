package apptest

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"
)

// FileForm is a multipart/form-data body holding one file in the field
// "file", with the part's own content type, and the Content-Type of the
// body (which names its boundary).
func FileForm(t testing.TB, filename, contentType string, content []byte) (body []byte, formType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}
