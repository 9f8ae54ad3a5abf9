package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rkc-nl/rkc/internal/httpx"
)

type answer struct {
	At       time.Time            `json:"at"`
	Due      *time.Time           `json:"due,omitempty"`
	Missing  *time.Time           `json:"missing"`
	Times    []time.Time          `json:"times"`
	ByName   map[string]time.Time `json:"by_name"`
	Any      any                  `json:"any"`
	Count    int                  `json:"count,omitempty"`
	Nothing  []string             `json:"nothing"`
	Markup   string               `json:"markup"`
	Embedded                      // inlined, as encoding/json does
}

type Embedded struct {
	Inner string `json:"inner"`
}

func serialize(t *testing.T, v any) string {
	t.Helper()
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := (httpx.JSONSerializer{}).Serialize(c, v, ""); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

// TestJSONSerializerWritesUTC: whatever zone a time carries (the process's,
// from the database or the clock), the API writes it in UTC, and otherwise
// writes exactly what encoding/json writes.
func TestJSONSerializerWritesUTC(t *testing.T) {
	amsterdam := time.FixedZone("CET", 3600)
	chatham := time.FixedZone("+1345", 13*3600+45*60)
	at := time.Date(2026, 3, 1, 10, 30, 0, 500, amsterdam)
	due := time.Date(2026, 3, 2, 0, 0, 0, 0, chatham)
	v := answer{At: at, Due: &due, Times: []time.Time{at}, ByName: map[string]time.Time{"x": due}, Any: at,
		Markup: "<b>&</b>", Embedded: Embedded{Inner: "i"}}
	got := serialize(t, v)
	want := `{"at":"2026-03-01T09:30:00.0000005Z","due":"2026-03-01T10:15:00Z","missing":null,"times":["2026-03-01T09:30:00.0000005Z"],` +
		`"by_name":{"x":"2026-03-01T10:15:00Z"},"any":"2026-03-01T09:30:00.0000005Z","nothing":null,"markup":"\u003cb\u003e\u0026\u003c/b\u003e","inner":"i"}` + "\n"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The same value in UTC is written byte for byte as encoding/json does.
	v.At, v.Due, v.Times, v.ByName, v.Any = at.UTC(), nil, []time.Time{at.UTC()}, map[string]time.Time{"x": due.UTC()}, nil
	std, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got := serialize(t, v); got != string(std)+"\n" {
		t.Errorf("differs from encoding/json:\n%s\n%s", got, std)
	}
}
