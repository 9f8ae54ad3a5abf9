package notify

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

	"github.com/rkc-nl/rkc/internal/i18n"
)

// row is an outbox row as the worker claims it, with the recipient's
// current address (never stored in the outbox).
type row struct {
	ID         uuid.UUID
	Kind       string
	CaseID     uuid.UUID
	CaseNumber string
	Language   string
	DueOn      *time.Time
	Attempts   int
	CreatedAt  time.Time
	Email      string
}

// Message is one rendered e-mail.
type Message struct {
	ID      uuid.UUID // the outbox row; also the Message-ID's local part
	To      string
	Lang    string
	Subject string
	Body    string
	Date    time.Time // when the row was written, so a repeat is the same message
}

// Link returns the address of a case in the web application.
func Link(baseURL string, caseID uuid.UUID) string {
	return strings.TrimRight(baseURL, "/") + "/cases/" + caseID.String()
}

// render writes the message of r in its language. Only the case number, the
// link (the case's id, which means nothing outside the application) and,
// for the acknowledgement and reminders, the due date go in: no content.
// A kind without texts of its own gets the generic "there is news" message,
// so a step added later cannot stall the queue.
func render(r row, baseURL string) Message {
	lang := i18n.Lang(r.Language)
	base := "mail." + r.Kind
	if !i18n.Has(lang, base+".subject") || !i18n.Has(lang, base+".body") {
		base = "mail.news"
	}
	args := []any{"number", r.CaseNumber, "link", Link(baseURL, r.CaseID), "committee", i18n.T(lang, "committee.name")}
	if r.DueOn != nil {
		args = append(args, "due_on", *r.DueOn)
	}
	body := i18n.T(lang, base+".body", args...) + "\n\n-- \n" + i18n.T(lang, "mail.footer", args...) + "\n"
	return Message{ID: r.ID, To: r.Email, Lang: lang, Subject: i18n.T(lang, base+".subject", args...), Body: body, Date: r.CreatedAt}
}

// mailMsg builds the MIME message. The Message-ID is fixed by the outbox
// row, so a message sent twice after a crash is recognisably the same one.
func (m Message) mailMsg(from *mail.Address) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(from)
	if err := msg.To(m.To); err != nil {
		return nil, errAddress
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID.String() + "@" + domainOf(from.Address))
	msg.SetDateWithValue(m.Date)
	msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	// RFC 3834: no out-of-office answers to an automatic message.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBulk()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

// errAddress is a recipient address the mail library refuses; its text
// names no address.
var errAddress = fmt.Errorf("recipient address not usable")

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "rkc.invalid"
}

// ParseFrom checks the sender setting ("RKC <noreply@example.nl>" or a bare
// address).
func ParseFrom(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("sender %q is not an e-mail address", s)
	}
	return a, nil
}
