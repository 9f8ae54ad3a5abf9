package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// SecurityTxt is what /.well-known/security.txt (RFC 9116) says: where and
// in which languages to report a vulnerability, under which policy, and
// until when this is current (config.Config's Security* settings).
type SecurityTxt struct {
	Contact   []string  // mailto:, https: or tel: URIs; none: the file is not served
	Expires   time.Time // zero: 180 days after the server starts
	Policy    string    // https URL, optional
	Languages []string  // language tags
	// Canonical is the file's own https URL (from the base URL), so that a
	// copy served elsewhere can be recognised; empty over plain http.
	Canonical string
}

// securityTxtDefaultLife is how long the file stays current when no expiry
// is configured: well under RFC 9116's advice of less than a year, and
// renewed by every deployment (which is when the settings are reviewed).
const securityTxtDefaultLife = 180 * 24 * time.Hour

// securityTxt returns the handler of /.well-known/security.txt; without a
// contact it answers 404, since a made-up contact is worse than none.
func securityTxt(st SecurityTxt, now time.Time) echo.HandlerFunc {
	if len(st.Contact) == 0 {
		return func(echo.Context) error { return echo.ErrNotFound }
	}
	expires := st.Expires
	if expires.IsZero() {
		expires = now.Add(securityTxtDefaultLife)
	}
	var b strings.Builder
	for _, c := range st.Contact {
		b.WriteString("Contact: " + c + "\n")
	}
	b.WriteString("Expires: " + expires.UTC().Truncate(time.Second).Format(time.RFC3339) + "\n")
	if len(st.Languages) > 0 {
		b.WriteString("Preferred-Languages: " + strings.Join(st.Languages, ", ") + "\n")
	}
	if st.Policy != "" {
		b.WriteString("Policy: " + st.Policy + "\n")
	}
	if st.Canonical != "" {
		b.WriteString("Canonical: " + st.Canonical + "\n")
	}
	body := []byte(b.String())
	return func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", body)
	}
}
