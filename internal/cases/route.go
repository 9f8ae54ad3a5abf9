package cases

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// The JSON routes on a case — here and in internal/conversations — are one
// line each: httpx.Handle adapted to the shape of the service's methods,
// (ctx, caller, case id[, part id], input) → (answer, error).

var caseID = httpx.Param{Name: "id", What: "Case"}

// Caller is the authenticated caller of a request (the API's middleware
// let only such requests through to a case route).
func Caller(c echo.Context) *accounts.Caller {
	cl, _ := accounts.CallerFrom(c)
	return cl
}

// OnCase answers a JSON route on case {id} with fn, a service method taking
// the request's body.
func OnCase[In, Out any](c echo.Context, status int, fn func(context.Context, *accounts.Caller, uuid.UUID, In) (Out, error)) error {
	return httpx.Handle(c, status, []httpx.Param{caseID}, func(ids []uuid.UUID, in In) (Out, error) {
		ctx := c.Request().Context()
		if _, read := any(in).(httpx.NoBody); !read {
			ctx = withIfMatch(c)
		}
		return fn(ctx, Caller(c), ids[0], in)
	})
}

// ifMatchKey carries the If-Match version of a change to case {id} to step,
// which checks it against the case when the body names no version of its
// own (a statement, evidence, a hearing plan, a legal hold, a conflict).
type ifMatchKey struct{}

// withIfMatch is the request's context with its If-Match version, which
// httpx has already found well-formed (or absent).
func withIfMatch(c echo.Context) context.Context {
	v, _ := httpx.IfMatchVersion(c)
	return context.WithValue(c.Request().Context(), ifMatchKey{}, v)
}

// ifMatchOf is the If-Match version withIfMatch carried; 0 when none.
func ifMatchOf(ctx context.Context) int {
	v, _ := ctx.Value(ifMatchKey{}).(int)
	return v
}

// OnPart answers a JSON route on a part of case {id} named by the path
// parameter part ({nid}, {wid}, …) with fn, a service method taking the
// request's body.
func OnPart[In, Out any](c echo.Context, status int, part httpx.Param, fn func(context.Context, *accounts.Caller, uuid.UUID, uuid.UUID, In) (Out, error)) error {
	return httpx.Handle(c, status, []httpx.Param{caseID, part}, func(ids []uuid.UUID, in In) (Out, error) {
		return fn(c.Request().Context(), Caller(c), ids[0], ids[1], in)
	})
}

// ReadCase answers a read of case {id} with fn.
func ReadCase[Out any](c echo.Context, fn func(context.Context, *accounts.Caller, uuid.UUID) (Out, error)) error {
	return OnCase(c, http.StatusOK, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID, _ httpx.NoBody) (Out, error) {
		return fn(ctx, cl, id)
	})
}

// ReadPart answers a read of a part of case {id} with fn.
func ReadPart[Out any](c echo.Context, part httpx.Param, fn func(context.Context, *accounts.Caller, uuid.UUID, uuid.UUID) (Out, error)) error {
	return OnPart(c, http.StatusOK, part, func(ctx context.Context, cl *accounts.Caller, id, pid uuid.UUID, _ httpx.NoBody) (Out, error) {
		return fn(ctx, cl, id, pid)
	})
}

// Items makes a read that returns a list answer {"items": [...]}.
func Items[T any](fn func(context.Context, *accounts.Caller, uuid.UUID) ([]T, error)) func(context.Context, *accounts.Caller, uuid.UUID) (httpx.List[T], error) {
	return func(ctx context.Context, cl *accounts.Caller, id uuid.UUID) (httpx.List[T], error) {
		items, err := fn(ctx, cl, id)
		return httpx.List[T]{Items: items}, err
	}
}

// DownloadPart answers a file of case {id} named by the path parameter part
// with fn (httpx.Download).
func DownloadPart(c echo.Context, part httpx.Param, fn func(context.Context, *accounts.Caller, uuid.UUID, uuid.UUID) (*AttachmentMeta, []byte, error)) error {
	id, err := httpx.UUIDParam(c, caseID.Name, caseID.What)
	if err != nil {
		return err
	}
	pid, err := httpx.UUIDParam(c, part.Name, part.What)
	if err != nil {
		return err
	}
	meta, content, err := fn(c.Request().Context(), Caller(c), id, pid)
	if err != nil {
		return err
	}
	return httpx.Download(c, meta.Filename, meta.ContentType, content)
}
