package httpx_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/httpx"
)

type versioned struct {
	Version int    `json:"version,omitempty"`
	Text    string `json:"text"`
}

// call runs Handle on one request to /things/{id} and returns what fn
// received, the answer and Handle's error.
func call[In any](t *testing.T, method, id, body, ifMatch string, out any) (got In, rec *httptest.ResponseRecorder, err error) {
	t.Helper()
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	rec = httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	c.SetParamNames("id")
	c.SetParamValues(id)
	err = httpx.Handle(c, http.StatusCreated, []httpx.Param{{Name: "id", What: "Thing"}}, func(ids []uuid.UUID, in In) (any, error) {
		if ids[0].String() != id {
			t.Errorf("fn got id %s, want %s", ids[0], id)
		}
		got = in
		return out, nil
	})
	return got, rec, err
}

// TestHandleVersion: the version of a body and the If-Match header are
// reconciled in the one adapter: the header fills an absent version, a
// different one is refused, a malformed header is refused even for a body
// without a version.
func TestHandleVersion(t *testing.T) {
	id := uuid.NewString()
	in, _, err := call[versioned](t, "POST", id, `{"text":"x"}`, `"3"`, map[string]int{"ok": 1})
	if err != nil || in.Version != 3 {
		t.Errorf("If-Match 3 without a body version: version %d, err %v; want 3", in.Version, err)
	}
	in, _, err = call[versioned](t, "POST", id, `{"text":"x","version":4}`, "", map[string]int{"ok": 1})
	if err != nil || in.Version != 4 {
		t.Errorf("body version 4 alone: version %d, err %v", in.Version, err)
	}
	if _, _, err = call[versioned](t, "POST", id, `{"text":"x","version":4}`, "3", nil); !invalidOn(err, "version") {
		t.Errorf("body 4, If-Match 3: %v, want 400 on version", err)
	}
	type plain struct {
		Text string `json:"text"`
	}
	if _, _, err = call[plain](t, "POST", id, `{"text":"x"}`, "drie", nil); !invalidOn(err, "If-Match") {
		t.Errorf("If-Match drie: %v, want 400 on If-Match", err)
	}
}

// TestHandleAnswers: a malformed id is an unknown one; a nil result is 204;
// a read is never kept by a cache.
func TestHandleAnswers(t *testing.T) {
	var ae *apperr.Error
	if _, _, err := call[httpx.NoBody](t, "GET", "not-a-uuid", "", "", nil); !errors.As(err, &ae) || ae.Code != apperr.NotFound {
		t.Errorf("malformed id: %v, want not found", err)
	}
	_, rec, err := call[httpx.NoBody](t, "GET", uuid.NewString(), "", "", map[string]int{"n": 1})
	if err != nil || rec.Code != http.StatusCreated || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("read: %d %q %v, want 201 no-store", rec.Code, rec.Header().Get("Cache-Control"), err)
	}
	_, rec, err = call[versioned](t, "POST", uuid.NewString(), `{"text":"x"}`, "", nil)
	if err != nil || rec.Code != http.StatusNoContent || rec.Header().Get("Cache-Control") != "" {
		t.Errorf("nil result: %d %q %v, want 204 and no cache header", rec.Code, rec.Header().Get("Cache-Control"), err)
	}
}

func invalidOn(err error, field string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.Invalid && ae.Fields[field] != ""
}
