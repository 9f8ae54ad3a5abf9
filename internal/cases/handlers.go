package cases

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/httpx"
)

// Handlers serves the case API. Each handler binds and validates its input
// before the service acts, so a refused request changes nothing.
type Handlers struct {
	Service *Service
}

func caller(c echo.Context) *accounts.Caller {
	cl, _ := accounts.CallerFrom(c)
	return cl
}

// File handles POST /api/v1/cases.
func (h *Handlers) File(c echo.Context) error {
	var in Complaint
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.File(c.Request().Context(), caller(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+out.ID.String())
	return c.JSON(http.StatusCreated, out)
}

// List handles GET /api/v1/cases.
func (h *Handlers) List(c echo.Context) error {
	f := ListFilter{State: State(c.QueryParam("state")), DueBefore: c.QueryParam("dueBefore"), Flag: c.QueryParam("flag")}
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
	page, err := h.Service.List(c.Request().Context(), caller(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// Get handles GET /api/v1/cases/{id}.
func (h *Handlers) Get(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	v, err := h.Service.Get(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Version)))
	return c.JSON(http.StatusOK, viewWithSteps{View: v, Steps: h.Service.Steps(caller(c), v)})
}

// viewWithSteps is the case view with the steps the caller may take now,
// the same answer the pages show their forms by.
type viewWithSteps struct {
	*View
	Steps []string `json:"steps"`
}

// Events handles GET /api/v1/cases/{id}/events.
func (h *Handlers) Events(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	evs, err := h.Service.Events(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"items": evs})
}

// step adapts a service step taking a JSON body to a handler. The If-Match
// header, when sent, must name the case's current version.
func step[T any](fn func(h *Handlers, c echo.Context, in T) (any, error), status int) func(h *Handlers) echo.HandlerFunc {
	return func(h *Handlers) echo.HandlerFunc {
		return func(c echo.Context) error {
			var in T
			if err := httpx.BindJSON(c, &in); err != nil {
				return err
			}
			out, err := fn(h, c, in)
			if err != nil {
				return err
			}
			if out == nil {
				return c.NoContent(http.StatusNoContent)
			}
			return c.JSON(status, out)
		}
	}
}

// caseStep wraps a step on one case: it parses the case id and the version.
func caseStep[T any](do func(s *Service, c echo.Context, id uuid.UUID, version int, in *T) (any, error), versionOf func(*T) *int) func(h *Handlers) echo.HandlerFunc {
	return step(func(h *Handlers, c echo.Context, in T) (any, error) {
		id, err := httpx.UUIDParam(c, "id", "Case")
		if err != nil {
			return nil, err
		}
		v, err := httpx.IfMatchVersion(c)
		if err != nil {
			return nil, err
		}
		if versionOf != nil && v != 0 {
			if p := versionOf(&in); *p == 0 {
				*p = v
			} else if *p != v {
				return nil, apperr.InvalidFields(map[string]string{"version": "differs from the If-Match header"})
			}
		}
		return do(h.Service, c, id, v, &in)
	}, http.StatusOK)
}

// Register handles POST /api/v1/cases/{id}/register.
func (h *Handlers) Register(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Registration) (any, error) {
		return s.Register(c.Request().Context(), caller(c), id, *in)
	}, func(in *Registration) *int { return &in.Version })(h)(c)
}

// RequestInformation handles POST /api/v1/cases/{id}/information-request.
func (h *Handlers) RequestInformation(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *InformationRequest) (any, error) {
		return s.RequestInformation(c.Request().Context(), caller(c), id, *in)
	}, func(in *InformationRequest) *int { return &in.Version })(h)(c)
}

// SupplyInformation handles POST /api/v1/cases/{id}/information.
func (h *Handlers) SupplyInformation(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Supply) (any, error) {
		return s.SupplyInformation(c.Request().Context(), caller(c), id, *in)
	}, func(in *Supply) *int { return &in.Version })(h)(c)
}

// Admissibility handles POST /api/v1/cases/{id}/admissibility.
func (h *Handlers) Admissibility(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Ruling) (any, error) {
		return s.Admissibility(c.Request().Context(), caller(c), id, *in)
	}, func(in *Ruling) *int { return &in.Version })(h)(c)
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
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *panelBody) (any, error) {
		req := PanelRequest{Version: in.Version, MemberIDs: make([]uuid.UUID, len(in.MemberIDs))}
		for i, m := range in.MemberIDs {
			var err error
			if req.MemberIDs[i], err = uuid.Parse(m); err != nil {
				return nil, apperr.InvalidFields(map[string]string{"member_ids": fmt.Sprintf("item %d is not a person id (UUID)", i)})
			}
		}
		return s.ComposePanel(c.Request().Context(), caller(c), id, req)
	}, func(in *panelBody) *int { return &in.Version })(h)(c)
}

// Investigation handles POST /api/v1/cases/{id}/investigation.
func (h *Handlers) Investigation(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Investigation) (any, error) {
		return s.StartInvestigation(c.Request().Context(), caller(c), id, *in)
	}, func(in *Investigation) *int { return &in.Version })(h)(c)
}

// Conflicts handles POST /api/v1/cases/{id}/conflicts.
func (h *Handlers) Conflicts(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *ConflictDeclaration) (any, error) {
		return nil, s.DeclareConflict(c.Request().Context(), caller(c), id, *in)
	}, nil)(h)(c)
}

// Extension handles POST /api/v1/cases/{id}/extension.
func (h *Handlers) Extension(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Extension) (any, error) {
		return s.Extend(c.Request().Context(), caller(c), id, *in)
	}, func(in *Extension) *int { return &in.Version })(h)(c)
}

// Statements handles POST /api/v1/cases/{id}/statements.
func (h *Handlers) Statements(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in StatementInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	sid, err := h.Service.AddStatement(c.Request().Context(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": sid})
}

// Hearings handles POST /api/v1/cases/{id}/hearings.
func (h *Handlers) Hearings(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in HearingPlan
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.PlanHearing(c.Request().Context(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// Hearing handles PUT /api/v1/cases/{id}/hearings/{hid}.
func (h *Handlers) Hearing(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	hid, err := httpx.UUIDParam(c, "hid", "Hearing")
	if err != nil {
		return err
	}
	var in HearingRecord
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.RecordHearing(c.Request().Context(), caller(c), id, hid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// Advice handles POST /api/v1/cases/{id}/advice.
func (h *Handlers) Advice(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *AdviceInput) (any, error) {
		return s.AdoptAdvice(c.Request().Context(), caller(c), id, *in)
	}, func(in *AdviceInput) *int { return &in.Version })(h)(c)
}

// Decision handles POST /api/v1/cases/{id}/decision.
func (h *Handlers) Decision(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *DecisionInput) (any, error) {
		return s.Decide(c.Request().Context(), caller(c), id, *in)
	}, func(in *DecisionInput) *int { return &in.Version })(h)(c)
}

// Withdraw handles POST /api/v1/cases/{id}/withdraw.
func (h *Handlers) Withdraw(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Withdrawal) (any, error) {
		return s.Withdraw(c.Request().Context(), caller(c), id, *in)
	}, func(in *Withdrawal) *int { return &in.Version })(h)(c)
}

// InformalResolution handles POST /api/v1/cases/{id}/informal-resolution.
func (h *Handlers) InformalResolution(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *InformalResolution) (any, error) {
		return s.ResolveInformally(c.Request().Context(), caller(c), id, *in)
	}, func(in *InformalResolution) *int { return &in.Version })(h)(c)
}

// Close handles POST /api/v1/cases/{id}/close.
func (h *Handlers) Close(c echo.Context) error {
	return caseStep(func(s *Service, c echo.Context, id uuid.UUID, _ int, in *Closing) (any, error) {
		return s.Close(c.Request().Context(), caller(c), id, *in)
	}, func(in *Closing) *int { return &in.Version })(h)(c)
}

// AddAttachment handles POST /api/v1/cases/{id}/attachments (multipart/form-data, field "file").
func (h *Handlers) AddAttachment(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, h.Service.maxUpload+64<<10)
	fh, err := c.FormFile("file")
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return apperr.New(apperr.TooLarge, "file-too-large", "The file is larger than allowed.")
		}
		if err == http.ErrNotMultipart || err == http.ErrMissingBoundary {
			return apperr.New(apperr.Unsupported, "unsupported-media-type", "Send the file as multipart/form-data in the field \"file\".")
		}
		if err.Error() == "http: request body too large" {
			return apperr.New(apperr.TooLarge, "file-too-large", "The file is larger than allowed.")
		}
		return apperr.InvalidFields(map[string]string{"file": "is required (multipart field \"file\")"})
	}
	f, err := fh.Open()
	if err != nil {
		return apperr.New(apperr.Invalid, "bad-request", "The file could not be read.")
	}
	defer f.Close()
	meta, err := h.Service.AddAttachment(req.Context(), caller(c), id, Upload{Filename: fh.Filename, ContentType: httpx.PartType(fh), Content: f})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, meta)
}

// Attachment handles GET /api/v1/cases/{id}/attachments/{aid}.
func (h *Handlers) Attachment(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	aid, err := httpx.UUIDParam(c, "aid", "Attachment")
	if err != nil {
		return err
	}
	meta, content, err := h.Service.Attachment(c.Request().Context(), caller(c), id, aid)
	if err != nil {
		return err
	}
	return httpx.Download(c, meta.Filename, meta.ContentType, content)
}

// Witnesses handles GET /api/v1/cases/{id}/witnesses.
func (h *Handlers) Witnesses(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	out, err := h.Service.Witnesses(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// AddWitness handles POST /api/v1/cases/{id}/witnesses.
func (h *Handlers) AddWitness(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	var in WitnessInput
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	out, err := h.Service.AddWitness(c.Request().Context(), caller(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// WitnessStatement handles PUT /api/v1/cases/{id}/witnesses/{wid}/statement.
func (h *Handlers) WitnessStatement(c echo.Context) error {
	id, err := httpx.UUIDParam(c, "id", "Case")
	if err != nil {
		return err
	}
	wid, err := httpx.UUIDParam(c, "wid", "Witness")
	if err != nil {
		return err
	}
	var in WitnessStatement
	if err := httpx.BindJSON(c, &in); err != nil {
		return err
	}
	if err := versionFromHeader(c, &in.Version); err != nil {
		return err
	}
	out, err := h.Service.RecordWitnessStatement(c.Request().Context(), caller(c), id, wid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func noStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }

// versionFromHeader fills an absent version from If-Match, and refuses one
// that differs from it.
func versionFromHeader(c echo.Context, v *int) error {
	h, err := httpx.IfMatchVersion(c)
	if err != nil || h == 0 {
		return err
	}
	if *v == 0 {
		*v = h
	} else if *v != h {
		return apperr.InvalidFields(map[string]string{"version": "differs from the If-Match header"})
	}
	return nil
}
