// Package caseapi is the case file's JSON API: the handlers of the
// /api/v1/cases routes (the route table in internal/server names them) and
// the adapters that fit httpx.Handle to the case service's method shapes,
// which the conversations' routes use too. It holds no rule: each handler
// binds its input, calls one method of cases.Service and answers; the
// pages are the other face over the same service (internal/web).
package caseapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
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

// withIfMatch is the request's context with its If-Match version, which
// httpx has already found well-formed (or absent).
func withIfMatch(c echo.Context) context.Context {
	v, _ := httpx.IfMatchVersion(c)
	return cases.WithIfMatch(c.Request().Context(), v)
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
func DownloadPart(c echo.Context, part httpx.Param, fn func(context.Context, *accounts.Caller, uuid.UUID, uuid.UUID) (*cases.AttachmentMeta, []byte, error)) error {
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

// Handlers serves the case API. Each handler binds and validates its input
// before the service acts, so a refused request changes nothing; the JSON
// routes go through OnCase and its kin (route.go), which also reconcile a
// body's version with If-Match.
type Handlers struct {
	Service *cases.Service
}

// AttachmentID is the path parameter of a file in a case: {aid}.
var AttachmentID = httpx.Param{Name: "aid", What: "Attachment"}

var (
	hearingID = httpx.Param{Name: "hid", What: "Hearing"}
	witnessID = httpx.Param{Name: "wid", What: "Witness"}
)

// File handles POST /api/v1/cases.
func (h *Handlers) File(c echo.Context) error {
	return httpx.Handle(c, http.StatusCreated, nil, func(_ []uuid.UUID, in cases.Complaint) (*cases.Filed, error) {
		out, err := h.Service.File(c.Request().Context(), Caller(c), in)
		if err == nil {
			c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+out.ID.String())
		}
		return out, err
	})
}

// List handles GET /api/v1/cases.
func (h *Handlers) List(c echo.Context) error {
	f := cases.ListFilter{State: cases.State(c.QueryParam("state")), DueBefore: c.QueryParam("dueBefore"), Flag: c.QueryParam("flag")}
	bad := map[string]string{}
	for name, dst := range map[string]*int{"page": &f.Page, "perPage": &f.PerPage} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad[name] = "must be a whole number"
			}
			*dst = n
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad)
	}
	page, err := h.Service.List(c.Request().Context(), Caller(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// Get handles GET /api/v1/cases/{id}: the case with the steps the caller may
// take now, and its version as the ETag.
func (h *Handlers) Get(c echo.Context) error {
	return ReadCase(c, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID) (*viewWithSteps, error) {
		v, err := h.Service.Get(ctx, cl, id)
		if err != nil {
			return nil, err
		}
		c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Version)))
		return &viewWithSteps{View: v, Steps: h.Service.Steps(cl, v)}, nil
	})
}

// CaseReadCompanion gives the requests of one route (its method and path as
// in the route table), a read of case {id}, the load of their case to run
// in the statement that checks their session (cases.PrefetchRead), for
// accounts.Handlers.Companion: the read then costs one round trip less.
func (h *Handlers) CaseReadCompanion(method, path string) func(echo.Context) *accounts.Companion {
	return func(c echo.Context) *accounts.Companion {
		if c.Request().Method != method || c.Path() != path {
			return nil
		}
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return nil
		}
		ctx, comp := cases.PrefetchRead(c.Request().Context(), id)
		c.SetRequest(c.Request().WithContext(ctx))
		return comp
	}
}

// viewWithSteps is the case view with the steps the caller may take now,
// the same answer the pages show their forms by.
type viewWithSteps struct {
	*cases.View
	Steps []string `json:"steps"`
}

// Events handles GET /api/v1/cases/{id}/events.
func (h *Handlers) Events(c echo.Context) error { return ReadCase(c, Items(h.Service.Events)) }

// Register handles POST /api/v1/cases/{id}/register.
func (h *Handlers) Register(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.Register)
}

// RequestInformation handles POST /api/v1/cases/{id}/information-request.
func (h *Handlers) RequestInformation(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.RequestInformation)
}

// SupplyInformation handles POST /api/v1/cases/{id}/information.
func (h *Handlers) SupplyInformation(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.SupplyInformation)
}

// Admissibility handles POST /api/v1/cases/{id}/admissibility.
func (h *Handlers) Admissibility(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.Admissibility)
}

// panelBody is PanelRequest as sent: ids are read as text first, so that a
// malformed id is answered as an error of member_ids rather than as a body
// that is not JSON.
type panelBody struct {
	Version   int      `json:"version,omitempty"`
	MemberIDs []string `json:"member_ids"`
}

// Panel handles POST /api/v1/cases/{id}/panel.
func (h *Handlers) Panel(c echo.Context) error {
	return OnCase(c, http.StatusOK, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID, in panelBody) (*cases.Result, error) {
		req := cases.PanelRequest{Version: in.Version, MemberIDs: make([]uuid.UUID, len(in.MemberIDs))}
		for i, m := range in.MemberIDs {
			var err error
			if req.MemberIDs[i], err = uuid.Parse(m); err != nil {
				return nil, apperr.InvalidFields(map[string]string{"member_ids": fmt.Sprintf("item %d is not a person id (UUID)", i)})
			}
		}
		return h.Service.ComposePanel(ctx, cl, id, req)
	})
}

// Investigation handles POST /api/v1/cases/{id}/investigation.
func (h *Handlers) Investigation(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.StartInvestigation)
}

// Conflicts handles POST /api/v1/cases/{id}/conflicts: 204.
func (h *Handlers) Conflicts(c echo.Context) error {
	return OnCase(c, http.StatusNoContent, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID, in cases.ConflictDeclaration) (any, error) {
		return nil, h.Service.DeclareConflict(ctx, cl, id, in)
	})
}

// Extension handles POST /api/v1/cases/{id}/extension.
func (h *Handlers) Extension(c echo.Context) error { return OnCase(c, http.StatusOK, h.Service.Extend) }

// FurtherDelayStep handles POST /api/v1/cases/{id}/further-delay.
func (h *Handlers) FurtherDelayStep(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.FurtherDelay)
}

// NotHeardStep handles POST /api/v1/cases/{id}/not-heard.
func (h *Handlers) NotHeardStep(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.NotHeard)
}

// Statements handles POST /api/v1/cases/{id}/statements: 201 {"id"}.
func (h *Handlers) Statements(c echo.Context) error {
	return OnCase(c, http.StatusCreated, func(ctx context.Context, cl *accounts.Caller, id uuid.UUID, in cases.StatementInput) (map[string]any, error) {
		sid, err := h.Service.AddStatement(ctx, cl, id, in)
		return map[string]any{"id": sid}, err
	})
}

// Hearings handles POST /api/v1/cases/{id}/hearings.
func (h *Handlers) Hearings(c echo.Context) error {
	return OnCase(c, http.StatusCreated, h.Service.PlanHearing)
}

// Hearing handles PUT /api/v1/cases/{id}/hearings/{hid}.
func (h *Handlers) Hearing(c echo.Context) error {
	return OnPart(c, http.StatusOK, hearingID, h.Service.RecordHearing)
}

// Advice handles POST /api/v1/cases/{id}/advice.
func (h *Handlers) Advice(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.AdoptAdvice)
}

// Decision handles POST /api/v1/cases/{id}/decision.
func (h *Handlers) Decision(c echo.Context) error { return OnCase(c, http.StatusOK, h.Service.Decide) }

// Withdraw handles POST /api/v1/cases/{id}/withdraw.
func (h *Handlers) Withdraw(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.Withdraw)
}

// InformalResolution handles POST /api/v1/cases/{id}/informal-resolution.
func (h *Handlers) InformalResolution(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.ResolveInformally)
}

// Close handles POST /api/v1/cases/{id}/close.
func (h *Handlers) Close(c echo.Context) error { return OnCase(c, http.StatusOK, h.Service.Close) }

// LegalHold handles POST /api/v1/cases/{id}/legal-hold.
func (h *Handlers) LegalHold(c echo.Context) error {
	return OnCase(c, http.StatusOK, h.Service.SetLegalHold)
}

// Witnesses handles GET /api/v1/cases/{id}/witnesses.
func (h *Handlers) Witnesses(c echo.Context) error { return ReadCase(c, Items(h.Service.Witnesses)) }

// AddWitness handles POST /api/v1/cases/{id}/witnesses.
func (h *Handlers) AddWitness(c echo.Context) error {
	return OnCase(c, http.StatusCreated, h.Service.AddWitness)
}

// WitnessStatement handles PUT /api/v1/cases/{id}/witnesses/{wid}/statement.
func (h *Handlers) WitnessStatement(c echo.Context) error {
	return OnPart(c, http.StatusOK, witnessID, h.Service.RecordWitnessStatement)
}

// AddAttachment handles POST /api/v1/cases/{id}/attachments (multipart/form-data, field "file").
func (h *Handlers) AddAttachment(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	if _, err := httpx.IfMatchVersion(c); err != nil {
		return err
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, h.Service.MaxUpload()+64<<10)
	fh, err := c.FormFile("file")
	if err != nil {
		if httpx.BodyTooLarge(err) {
			return apperr.New(apperr.TooLarge, "file-too-large", "The file is larger than allowed.")
		}
		if err == http.ErrNotMultipart || err == http.ErrMissingBoundary {
			return apperr.New(apperr.Unsupported, "unsupported-media-type", "Send the file as multipart/form-data in the field \"file\".")
		}
		return apperr.InvalidFields(map[string]string{"file": "is required (multipart field \"file\")"})
	}
	f, err := fh.Open()
	if err != nil {
		return apperr.New(apperr.Invalid, "bad-request", "The file could not be read.")
	}
	defer f.Close()
	meta, err := h.Service.AddAttachment(withIfMatch(c), Caller(c), id, cases.Upload{Filename: fh.Filename, ContentType: httpx.PartType(fh), Content: f})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, meta)
}

// Attachment handles GET /api/v1/cases/{id}/attachments/{aid}.
func (h *Handlers) Attachment(c echo.Context) error {
	return DownloadPart(c, AttachmentID, h.Service.Attachment)
}
