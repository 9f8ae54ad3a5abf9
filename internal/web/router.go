package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
)

// Form is a page form's handler: Submit takes the posted form and answers
// (onwards, or the page again with the refusal beside the form), and Refuse
// shows the form's page again with a refusal of the route's middleware (a
// re-authentication) beside the form, where the person acted.
type Form interface {
	Submit(c echo.Context) error
	Refuse(c echo.Context, err error) error
}

// form is the pages' one form adapter: parse the posted form into the
// service's input, call the service, and answer with a redirect onwards
// (303) or the page again with the refusal beside the form.
type form[In any] struct {
	// parse reads the form; problems with single fields go into bad, an
	// error (an unknown case, say) is refused as it is.
	parse func(c echo.Context, bad map[string]string) (In, error)
	// call runs the service and says where to go next.
	call func(c echo.Context, in In) (string, error)
	// refuse shows the page again with bad or err beside the form.
	refuse func(c echo.Context, bad map[string]string, err error) error
}

func (f form[In]) Submit(c echo.Context) error {
	bad := map[string]string{}
	in, err := f.parse(c, bad)
	if err != nil || len(bad) > 0 {
		return f.refuse(c, bad, err)
	}
	next, err := f.call(c, in)
	if err != nil {
		return f.refuse(c, nil, err)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (f form[In]) Refuse(c echo.Context, err error) error { return f.refuse(c, nil, err) }

// Router adds the pages to the route table (internal/server/routes.go).
// Every page gets the pages' own middleware first: recovery to the error
// page, the security headers, the language, the session (with its idle
// timeout) and the CSRF check; then the route table's shared middleware;
// then the route's own (its permission, a re-authentication) and handler,
// whose errors become a page: a form's refusal beside the form, any other
// error the error page (a missing session the sign-in page).
type Router struct {
	w    *Web
	e    *echo.Echo
	base []echo.MiddlewareFunc
}

// Router returns the pages' router on e; shared is middleware the route
// table puts on the pages as on the API (after the session is known).
func (w *Web) Router(e *echo.Echo, shared ...echo.MiddlewareFunc) *Router {
	base := append([]echo.MiddlewareFunc{w.recoverPage, w.headers, w.language, w.session, w.csrf}, shared...)
	return &Router{w: w, e: e, base: base}
}

// NotFound answers every path no route serves, outside the API, with h
// (the kind 404 page).
func (r *Router) NotFound(h echo.HandlerFunc) { r.e.RouteNotFound("/*", h, r.base...) }

// GET adds a page.
func (r *Router) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(http.MethodGet, path, h, r.w.fail, m)
}

// POST adds a form that answers its own refusals, or an action without a
// form of its own (signing out, say); errors from m become the error page.
func (r *Router) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.add(http.MethodPost, path, h, r.w.fail, m)
}

// Form adds a form, which shows its refusals beside itself. Of the
// refusals of m, a re-authentication is shown beside the form too; a
// missing session or a role that may not (pm) is the sign-in or error page,
// as for any page, since the form's page may not be the caller's to see.
func (r *Router) Form(path string, f Form, m ...echo.MiddlewareFunc) {
	refuse := func(c echo.Context, err error) error {
		if apperr.As(err).Type == accounts.TypeReauthRequired {
			return f.Refuse(c, err)
		}
		return r.w.fail(c, err)
	}
	r.add(http.MethodPost, path, f.Submit, refuse, m)
}

func (r *Router) add(method, path string, h echo.HandlerFunc, refuse func(echo.Context, error) error, m []echo.MiddlewareFunc) *echo.Route {
	answer := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if err == nil || c.Response().Committed {
				return err
			}
			return refuse(c, err)
		}
	}
	chain := append(append(append([]echo.MiddlewareFunc{}, r.base...), answer), m...)
	return r.e.Add(method, path, h, chain...)
}

// rows is a list page's data: the rows of its table.
type rows[T any] struct{ Items []T }

// showList answers page tmpl, titled title, with the caller's list from
// load (their sessions, the open role requests, the signals), or the error
// page.
func showList[T any](w *Web, c echo.Context, tmpl, title string, load func(context.Context, *accounts.Caller) ([]T, error)) error {
	items, err := load(c.Request().Context(), callerOf(c))
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, tmpl, w.newPage(c, title, rows[T]{Items: items}))
}

// show answers a page: its data from load (which a form's refusal also
// uses, with the refusal on the page), or the error page.
func (w *Web) show(c echo.Context, tmpl string, load func(echo.Context, *page) (*page, error)) error {
	p, err := load(c, nil)
	if err != nil {
		return w.fail(c, err)
	}
	return w.render(c, tmpl, p)
}
