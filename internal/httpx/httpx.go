// Package httpx holds the small HTTP helpers every handler shares: strict JSON
// binding that answers with precise validation errors, and path parameters.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// MaxJSONBytes bounds every JSON request body.
const MaxJSONBytes = 256 << 10

// BindJSON decodes the request body into v. Unknown fields, trailing data,
// wrong types, a wrong media type and oversized bodies are refused with a
// clear error naming the field; nothing is half-applied because handlers bind
// before they act.
func BindJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt != echo.MIMEApplicationJSON {
		return apperr.New(apperr.Unsupported, "unsupported-media-type", "Send the request body as application/json.")
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, MaxJSONBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Invalid, "malformed-json", "The body must hold exactly one JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return apperr.New(apperr.TooLarge, "body-too-large", fmt.Sprintf("The body is larger than %d bytes.", MaxJSONBytes))
	case errors.As(err, &ute):
		return apperr.InvalidFields(map[string]string{fieldName(ute.Field): "must be of type " + ute.Type.String()})
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "malformed-json", "The body is not valid JSON.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.InvalidFields(map[string]string{name: "is not a known field"})
	}
	return apperr.New(apperr.Invalid, "malformed-json", "The body could not be read as JSON.")
}

func fieldName(f string) string {
	if f == "" {
		return "body"
	}
	return f
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
