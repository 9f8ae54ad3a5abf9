// Package httpx holds the small HTTP helpers every handler shares: strict JSON
// binding that answers with precise validation errors, and path parameters.
package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// MaxJSONBytes bounds every JSON request body.
const MaxJSONBytes = 256 << 10

// BindJSON decodes the request body into v, strictly: a member name must
// match a field's name exactly (case included) and appear once, strings must
// be valid UTF-8 without NUL characters, and unknown members (nested ones
// too), trailing data, wrong types, a wrong media type and oversized bodies
// are refused with an error naming the field by its path
// (`respondent.ministry`, `judgements[1].judgement`). The decoder is
// github.com/go-json-experiment/json (the basis of encoding/json/v2), whose
// defaults refuse duplicate names and invalid UTF-8. Nothing is half-applied
// because handlers bind before they act.
func BindJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt != echo.MIMEApplicationJSON {
		return apperr.New(apperr.Unsupported, "unsupported-media-type", "Send the request body as application/json.")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSONBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "body-too-large", fmt.Sprintf("The body is larger than %d bytes.", MaxJSONBytes))
		}
		return apperr.New(apperr.Invalid, "malformed-json", "The body could not be read.")
	}
	return DecodeJSON(raw, v)
}

// DecodeJSON decodes raw into v with BindJSON's rules.
func DecodeJSON(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v, json.RejectUnknownMembers(true)); err != nil {
		return jsonError(raw, err)
	}
	// PostgreSQL cannot store NUL in text and a person never types it: refuse
	// it rather than strip it, as the text would no longer be theirs. In JSON
	// it can only come escaped.
	if bytes.Contains(raw, []byte(`\u0000`)) {
		if at, ok := firstNUL(raw); ok {
			return apperr.InvalidFields(map[string]string{at: "must not contain the NUL character (\\u0000)"})
		}
	}
	return nil
}

// jsonError turns a decoding error into a problem for a person: the field by
// its path and what it must be, never the decoder's text or a Go type name.
func jsonError(raw []byte, err error) error {
	var se *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &se) && se.Err == json.ErrUnknownName:
		return apperr.InvalidFields(map[string]string{fieldPath(se.JSONPointer): "is not a known field"})
	case errors.As(err, &se) && se.GoType != nil:
		return apperr.InvalidFields(map[string]string{fieldPath(se.JSONPointer): expected(se.GoType)})
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return apperr.InvalidFields(map[string]string{fieldPath(syn.JSONPointer): "is given more than once"})
	case errors.As(err, &syn) && !utf8.Valid(raw):
		return apperr.InvalidFields(map[string]string{fieldPath(syn.JSONPointer): "is not valid UTF-8 text"})
	}
	return apperr.New(apperr.Invalid, "malformed-json", "The body is not exactly one valid JSON value.")
}

var (
	timeType = reflect.TypeFor[time.Time]()
	uuidType = reflect.TypeFor[uuid.UUID]()
)

// expected says what a field of Go type t must hold, in JSON's words.
func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "must be a time in RFC 3339 form (2026-03-01T09:30:00Z)"
	case uuidType:
		return "must be a UUID"
	}
	switch t.Kind() {
	case reflect.String:
		return "must be a string"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "must be a whole number"
	case reflect.Float32, reflect.Float64:
		return "must be a number"
	case reflect.Slice, reflect.Array:
		return "must be a list"
	case reflect.Struct, reflect.Map:
		return "must be an object"
	}
	return "has a value of the wrong kind"
}

// fieldPath writes a JSON Pointer (/judgements/1/judgement) the way the
// API names fields (judgements[1].judgement); the whole body is "body".
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

// firstNUL returns the path of the first string (member name or value) of
// the valid JSON raw that holds a NUL character.
func firstNUL(raw []byte) (string, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		if tok.Kind() == '"' && strings.ContainsRune(tok.String(), 0) {
			return fieldPath(dec.StackPointer()), true
		}
	}
}

// UUIDParam reads a path parameter that must be a UUID; anything else is
// answered like a missing resource, since no such resource can exist.
func UUIDParam(c echo.Context, name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, apperr.NotFoundError(what)
	}
	return id, nil
}

// IfMatchVersion reads the optimistic-concurrency version from the If-Match
// header ("3" or "\"3\"") or returns 0 when absent.
func IfMatchVersion(c echo.Context) (int, error) {
	h := strings.Trim(c.Request().Header.Get("If-Match"), `" W/`)
	if h == "" {
		return 0, nil
	}
	var v int
	if _, err := fmt.Sscanf(h, "%d", &v); err != nil || v <= 0 {
		return 0, apperr.InvalidFields(map[string]string{"If-Match": "must be the case version, a positive number"})
	}
	return v, nil
}
