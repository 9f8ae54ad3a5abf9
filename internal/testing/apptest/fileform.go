package apptest

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"testing"
)

// FileForm is a multipart/form-data body holding one file in the field
// "file", with the part's own content type, and the Content-Type of the
// body (which names its boundary).
func FileForm(t testing.TB, filename, contentType string, content []byte) (body []byte, formType string) {
	t.Helper()
	return FormWithFile(t, nil, filename, contentType, content)
}

// FormWithFile is FileForm with the text fields of the form before the file,
// as a browser sends a form with enctype multipart/form-data.
func FormWithFile(t testing.TB, fields url.Values, filename, contentType string, content []byte) (body []byte, formType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
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
