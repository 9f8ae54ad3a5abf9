package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestSignalFormFlood: the web form shares the API's limit on anonymous
// signals: from one address the sixth report within the hour is refused
// with 429 and a plain message, and the committee's list holds five.
func TestSignalFormFlood(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	sec := e.Person("secretaris@test.rkc", "BZK", apptest.Grant("secretary", "*"))
	c := newClient(t, e)
	for i := range 8 {
		p := c.post("/signal", "/signal", url.Values{"category": {"bullying"}, "message": {"Melding " + strconv.Itoa(i)}})
		want := http.StatusOK
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if p.Status != want {
			t.Fatalf("report %d: %d, want %d", i+1, p.Status, want)
		}
		if i >= 5 && !strings.Contains(p.Body, "Probeer het over een uur opnieuw") {
			t.Fatalf("report %d refused without the message: %s", i+1, p.Body)
		}
	}
	var list struct{ Items []any }
	e.Must(200, sec, "GET", "/api/v1/signals", nil).Decode(t, &list)
	if len(list.Items) != 5 {
		t.Fatalf("the committee sees %d signals, want 5", len(list.Items))
	}
}
