package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// multipartPost builds a post with one text file after the form's fields,
// as an HTML form with enctype multipart/form-data sends it.
func multipartPost(t *testing.T, to string, fields url.Values, filename, content string) *http.Request {
	t.Helper()
	body, formType := apptest.FormWithFile(t, fields, filename, "text/plain", []byte(content))
	req, err := http.NewRequest("POST", to, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", formType)
	return req
}

// sendRaw sends req as it is: no bearer token is added.
func sendRaw(t *testing.T, env *apptest.Env, req *http.Request) *apptest.Response {
	t.Helper()
	return env.Send(nil, req)
}

// TestCrossSiteMultipartPostRefused is the attack of issue 14: another
// site's form posts evidence and a thread message with the victim's
// session cookie. The API refuses both and stores nothing; the same post
// from this site, with the CSRF token or with a bearer token goes through.
func TestCrossSiteMultipartPostRefused(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	cmp := env.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	id := env.Must(201, cmp, "POST", "/api/v1/cases", complaint()).Map(t)["id"].(string)
	attachments := env.Server.URL + "/api/v1/cases/" + id + "/attachments"
	messages := env.Server.URL + "/api/v1/cases/" + id + "/threads/complainant/messages"
	events := func() int {
		var evs struct{ Items []any }
		env.Must(200, cmp, "GET", "/api/v1/cases/"+id+"/events", nil).Decode(t, &evs)
		return len(evs.Items)
	}
	before := events()

	session := &http.Cookie{Name: accounts.CookieName, Value: cmp.Token}
	for _, forged := range []struct {
		name    string
		headers map[string]string
	}{
		{"fetch metadata cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://kwaadwillig.example"}},
		{"fetch metadata same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://ander.rkc.example"}},
		{"origin only", map[string]string{"Origin": "https://kwaadwillig.example"}},
		{"opaque origin", map[string]string{"Origin": "null"}},
		{"no origin, no token", nil},
		{"wrong token", map[string]string{accounts.CSRFHeader: strings.Repeat("x", 43)}},
	} {
		for _, to := range []string{attachments, messages} {
			req := multipartPost(t, to, url.Values{"body": {"Vals bericht"}}, "vals.txt", "Ondergeschoven bewijs.\n")
			req.AddCookie(session)
			req.AddCookie(&http.Cookie{Name: accounts.CSRFCookie, Value: strings.Repeat("y", 43)})
			for k, v := range forged.headers {
				req.Header.Set(k, v)
			}
			res := sendRaw(t, env, req)
			if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "/problems/csrf") {
				t.Errorf("%s to %s: %d %s, want 403 csrf", forged.name, to, res.Status, res.Body)
			}
		}
	}
	if n := events(); n != before {
		t.Fatalf("the refused posts left %d events on the case", n-before)
	}

	token := strings.Repeat("t", 43)
	for _, allowed := range []struct {
		name    string
		headers map[string]string
		bearer  bool
	}{
		{"fetch metadata same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, false},
		{"origin of this host", map[string]string{"Origin": env.Server.URL}, false},
		{"csrf token", map[string]string{accounts.CSRFHeader: token}, false},
		{"bearer token, whatever the origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://kwaadwillig.example"}, true},
	} {
		req := multipartPost(t, attachments, nil, "vals.txt", "Ondergeschoven bewijs.\n")
		req.AddCookie(session)
		req.AddCookie(&http.Cookie{Name: accounts.CSRFCookie, Value: token})
		for k, v := range allowed.headers {
			req.Header.Set(k, v)
		}
		if allowed.bearer {
			req.Header.Set("Authorization", "Bearer "+cmp.Token)
		}
		if res := sendRaw(t, env, req); res.Status != http.StatusCreated {
			t.Errorf("%s: %d %s, want 201", allowed.name, res.Status, res.Body)
		}
	}
	if events() == before {
		t.Error("the accepted uploads left no event: the count above proves nothing")
	}
}

// TestHostPrefixedCookies: served over TLS, the session cookie is
// __Host-rkc_session (Secure, Path=/, no Domain), and a plain rkc_session
// cookie, which a sibling subdomain or an HTTP answer could plant, opens
// no session.
func TestHostPrefixedCookies(t *testing.T) {
	t.Parallel()
	env := apptest.NewWithConfig(t, apptest.Config(t, map[string]string{"RKC_BASE_URL": "https://rkc.example"}))
	cmp := env.Person("klager@test.rkc", "BZK", apptest.Grant("complainant", "BZK"))
	res := env.Must(201, nil, "POST", "/api/v1/session", map[string]any{"email": cmp.Email, "password": apptest.Password})
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "__Host-"+accounts.CookieName {
			session = ck
		}
	}
	if session == nil || !session.Secure || session.Path != "/" || session.Domain != "" {
		t.Fatalf("Set-Cookie %q, want a __Host- session cookie, Secure, Path=/", res.Header.Values("Set-Cookie"))
	}
	me := func(name string) int {
		req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/me", nil)
		req.AddCookie(&http.Cookie{Name: name, Value: session.Value})
		return sendRaw(t, env, req).Status
	}
	if got := me(session.Name); got != http.StatusOK {
		t.Errorf("with the __Host- cookie: %d, want 200", got)
	}
	if got := me(accounts.CookieName); got != http.StatusUnauthorized {
		t.Errorf("with a plain %s cookie: %d, want 401", accounts.CookieName, got)
	}
	// The pages' cookies too.
	page := sendRaw(t, env, mustRequest(t, "GET", env.Server.URL+"/login"))
	for _, v := range page.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(v, "__Host-") {
			t.Errorf("page cookie %q without the __Host- prefix", v)
		}
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
