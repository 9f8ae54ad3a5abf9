package httpx

import (
	"net/http"
	"reflect"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// Param names a path parameter that holds a UUID and what it identifies
// ("Case"): a malformed one is answered like an unknown one, 404.
type Param struct{ Name, What string }

// NoBody is the input of a route that reads no request body.
type NoBody struct{}

// List is a list answer: {"items": [...]}.
type List[T any] struct {
	Items []T `json:"items"`
}

// Handle is the one adapter of the JSON routes — decode, call, answer. It
// reads the UUIDs of params from the path, in order; binds the body strictly
// into In (BindJSON) unless In is NoBody, and reconciles the body's version
// with If-Match (IfMatch); calls fn with the ids and the input; and answers
// status with fn's result, or 204 when the result is nil. The answer to a
// GET is never kept by a cache: what the API reads is personal data.
func Handle[In, Out any](c echo.Context, status int, params []Param, fn func(ids []uuid.UUID, in In) (Out, error)) error {
	ids := make([]uuid.UUID, len(params))
	for i, p := range params {
		var err error
		if ids[i], err = UUIDParam(c, p.Name, p.What); err != nil {
			return err
		}
	}
	var in In
	if _, none := any(in).(NoBody); !none {
		if err := BindJSON(c, &in); err != nil {
			return err
		}
		if err := IfMatch(c, &in); err != nil {
			return err
		}
	}
	out, err := fn(ids, in)
	if err != nil {
		return err
	}
	if c.Request().Method == http.MethodGet {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	if v := reflect.ValueOf(&out).Elem(); (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(status, out)
}

// IfMatch reconciles the If-Match header with the version a body names: in
// is a pointer to a struct whose int field Version, if it has one, names
// the version of what the route changes. An absent body version is taken
// from the header; a different one is refused (400 on version). A header
// that is not a positive number is refused (400 on If-Match) whatever the
// body.
func IfMatch(c echo.Context, in any) error {
	h, err := IfMatchVersion(c)
	if err != nil || h == 0 {
		return err
	}
	v := reflect.ValueOf(in).Elem()
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Version")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return nil
	}
	switch f.Int() {
	case 0:
		f.SetInt(int64(h))
	case int64(h):
	default:
		return apperr.InvalidFields(map[string]string{"version": "differs from the If-Match header"})
	}
	return nil
}
