package web_test

import (
	"testing"

	"github.com/rkc-nl/rkc/internal/authz"
)

// Four eyes in the browser: the admin asks for a committee role, the
// requests page shows it waiting, and the chair confirms it; the first
// admin's one-time password leads to choosing their own, then to setting
// up two-step verification, whose wrong code asks again without the key.
// Every page checked with axe-core in Dutch and English.
func TestDutiesPages(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	target := c.e.Person("nieuw-lid@test.rkc", "BZK")

	adm := c.atPage(t, c.admin, "beheer", "/admin/accounts/"+target.ID.String()) // the account's own page (issue 17)
	adm.fill("#f-role", authz.Member)
	adm.fill("#f-domain", authz.AnyDomain)
	adm.submit("form[action='/admin/accounts/" + target.ID.String() + "/grants'] button[type=submit]")
	adm.expect("De rol is aangevraagd")
	adm.open("/admin/accounts")
	adm.expect("1 rolverzoek(en) wachten op bevestiging")
	adm.open("/grant-requests")
	adm.expect("nieuw-lid@test.rkc", "Wacht op een andere beheerder of de voorzitter")
	adm.check("33-rolverzoeken-beheer")

	vz := c.atPage(t, c.chair, "voorzitter", "/grant-requests")
	vz.check("34-rolverzoeken-voorzitter", true)
	vz.tabTo("form[action$='/confirm'] button", 40)
	vz.submit("form[action$='/confirm'] button")
	vz.expect("De rol is bevestigd", "Er wachten geen rolverzoeken")
	if g, _ := c.e.App.Accounts.Grants(t.Context(), target.ID); len(g) != 1 || g[0].Role != authz.Member {
		t.Errorf("after the chair's confirmation the person holds %v", g)
	}

	// The first admin.
	c.e.App.DB.Exec(`DELETE FROM role_grants WHERE role = 'admin'`)
	printed, err := c.e.App.Accounts.EnsureAdmin(t.Context(), "eerste@test.rkc")
	if err != nil {
		t.Fatal(err)
	}
	first := newTab(t, c.e.Server.URL, "eerste-beheerder")
	first.open("/login")
	first.signIn("eerste@test.rkc", printed)
	first.expect("eenmalige wachtwoord")
	first.check("35-eerste-wachtwoord")
	first.fill("#f-password", "mijn eigen lange wachtwoord")
	first.fill("#f-password-again", "mijn eigen lange wachtwoord")
	first.submit("form.rkc-form button[type=submit]")
	first.expect("Tweestapsverificatie instellen", "Scan deze QR-code")
	first.fill("#f-otp", "000000")
	first.submit("form.rkc-form button[type=submit]")
	first.expect("De code klopt niet", "Opnieuw beginnen met een nieuwe sleutel")
	if first.eval(`String(document.querySelector('.rkc-secret') === null && document.querySelector('img.rkc-qr') === null)`) != "true" {
		t.Error("the page shows the key again after a wrong code")
	}
	first.axe("36-tweestaps-opnieuw (nl)")
	first.open("/lang/en?next=/account/two-factor")
	first.fill("#f-otp", "000000")
	first.submit("form.rkc-form button[type=submit]")
	first.expect("Start again with a new key")
	first.axe("36-tweestaps-opnieuw (en)")
}
