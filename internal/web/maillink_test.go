package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// TestCaseMailLinkLeadsToTheCase: the acknowledgement of receipt, as
// written to the mail folder by a server listening on an address of its own
// with no base URL set, links to that server's page of the case; following
// the link, signing in, lands on the case (200).
func TestCaseMailLinkLeadsToTheCase(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := apptest.Config(t, map[string]string{"RKC_ADDR": ln.Addr().String()})
	e := apptest.NewListening(t, cfg, ln)
	complainant := e.Person("klager@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"))
	secretary := e.Person("secretaris@test.rkc", "BZK", apptest.Grant(authz.Secretary, authz.AnyDomain))
	var filed struct {
		ID     string `json:"id"`
		Number string `json:"number"`
	}
	e.Must(201, complainant, "POST", "/api/v1/cases", map[string]any{"category": "bullying",
		"description": "Mijn leidinggevende schreeuwt in elk overleg."}).Decode(t, &filed)
	e.Must(200, secretary, "POST", "/api/v1/cases/"+filed.ID+"/register", map[string]any{})

	// The outbox worker writes the acknowledgement into the mail folder.
	w, err := notify.WorkerFromConfig(cfg, slog.New(slog.DiscardHandler), e.App.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.MailDir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("mail folder holds %v, want the one acknowledgement", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	link := regexpFind(`(https?://\S+)`, string(text))
	if want := "http://" + ln.Addr().String() + "/cases/" + filed.ID; link != want {
		t.Fatalf("the e-mail links to %q, want %q:\n%s", link, want, text)
	}

	// A browser follows the link: the sign-in page, then the case itself.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, e)
	c.Base = u.Scheme + "://" + u.Host
	p := c.get(u.Path)
	if p.URL != "/login" {
		t.Fatalf("the link without a session leads to %s (%d)", p.URL, p.Status)
	}
	p = c.post("/login?next="+url.QueryEscape(u.Path), "/login", url.Values{"email": {complainant.Email}, "password": {apptest.Password}, "next": {u.Path}})
	if p.URL != u.Path || p.Status != 200 || !strings.Contains(p.Body, filed.Number) {
		t.Fatalf("after signing in the link leads to %s (%d), want the case page of %s", p.URL, p.Status, filed.Number)
	}
}
