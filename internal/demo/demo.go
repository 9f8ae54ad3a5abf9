// Package demo creates the demo accounts of docs/design.md §8 and a handful of cases
// in different states, through the same services the API uses, so a newcomer
// sees every screen at once. Seeding is idempotent: it does nothing when the
// demo accounts exist.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Deps are the services the demo uses.
type Deps struct {
	Accounts *accounts.Service
	Cases    *cases.Service
	Enforcer *authz.Enforcer
	Password string // empty: a random one, returned
}

type account struct {
	email, name, ministry string
	grants                []authz.Grant
}

func g(role, domain string) authz.Grant { return authz.Grant{Role: role, Domain: domain} }

// Accounts are the demo accounts; all share one password.
var accountsList = []account{
	{"klager@demo.rkc", "Kim Klager", "BZK", []authz.Grant{g(authz.Complainant, "BZK")}},
	{"klager2@demo.rkc", "Kees Klager", "FIN", []authz.Grant{g(authz.Complainant, "FIN")}},
	{"aangeklaagde@demo.rkc", "Adriaan Aangeklaagde", "BZK", []authz.Grant{g(authz.Respondent, "BZK")}},
	{"vertrouwenspersoon@demo.rkc", "Vera Vertrouwenspersoon", "BZK", []authz.Grant{g(authz.Adviser, "BZK"), g(authz.Adviser, "FIN")}},
	{"secretaris@demo.rkc", "Sanne Secretaris", "BZK", []authz.Grant{g(authz.Secretary, authz.AnyDomain)}},
	{"voorzitter@demo.rkc", "Victor Voorzitter", "OCW", []authz.Grant{g(authz.Chair, authz.AnyDomain)}},
	{"lid@demo.rkc", "Lotte Lid", "JenV", []authz.Grant{g(authz.Member, authz.AnyDomain)}},
	{"lid2@demo.rkc", "Lars Lid", "BZK", []authz.Grant{g(authz.Member, authz.AnyDomain)}},
	{"gezag-bzk@demo.rkc", "Gerda Gezag (BZK)", "BZK", []authz.Grant{g(authz.Authority, "BZK")}},
	{"gezag-fin@demo.rkc", "Frits Gezag (FIN)", "FIN", []authz.Grant{g(authz.Authority, "FIN")}},
	{"rapportage@demo.rkc", "Roos Rapportage", "BZK", []authz.Grant{g(authz.Reporter, authz.AnyDomain)}},
	{"beheer@demo.rkc", "Bart Beheer", "BZK", []authz.Grant{g(authz.Admin, authz.AnyDomain)}},
	{"fg@demo.rkc", "Fleur FG", "BZK", []authz.Grant{g(authz.PrivacyOfficer, authz.AnyDomain)}},
}

// Emails lists the demo accounts' addresses.
func Emails() []string {
	out := make([]string, len(accountsList))
	for i, a := range accountsList {
		out[i] = a.email
	}
	return out
}

// Seed creates the demo accounts and cases unless they exist. It returns the
// password of the accounts when it created them.
func Seed(ctx context.Context, d Deps) (string, error) {
	if _, err := d.Accounts.ByEmail(ctx, accountsList[0].email); err == nil {
		return "", nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return "", err
	}
	pw := d.Password
	if pw == "" {
		pw = accounts.RandomSecret(12)
	}
	for _, a := range accountsList {
		if _, err := d.Accounts.Create(ctx, accounts.NewPerson{Email: a.email, Name: a.name, Ministry: a.ministry, Password: pw, Grants: a.grants}, nil); err != nil {
			return "", fmt.Errorf("%s: %w", a.email, err)
		}
	}
	if err := seedCases(ctx, d); err != nil {
		return "", err
	}
	return pw, nil
}

// as returns the caller for a demo account, with its grants known to casbin.
func as(ctx context.Context, d Deps, email string) (*accounts.Caller, error) {
	p, err := d.Accounts.ByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	grants, err := d.Accounts.Grants(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if err := d.Enforcer.Sync(p.ID.String(), grants); err != nil {
		return nil, err
	}
	return &accounts.Caller{ID: p.ID, Email: p.Email, Name: p.Name, Ministry: p.Ministry, Grants: grants, Client: "demo"}, nil
}

func yes() *bool { t := true; return &t }
func no() *bool  { f := false; return &f }

func seedCases(ctx context.Context, d Deps) error {
	who := map[string]*accounts.Caller{}
	for _, e := range []string{"klager@demo.rkc", "klager2@demo.rkc", "vertrouwenspersoon@demo.rkc", "secretaris@demo.rkc", "voorzitter@demo.rkc", "lid@demo.rkc", "gezag-bzk@demo.rkc"} {
		c, err := as(ctx, d, e)
		if err != nil {
			return err
		}
		who[e] = c
	}
	kl, kl2, vp := who["klager@demo.rkc"], who["klager2@demo.rkc"], who["vertrouwenspersoon@demo.rkc"]
	sec, chair, lid := who["secretaris@demo.rkc"], who["voorzitter@demo.rkc"], who["lid@demo.rkc"]
	cs := d.Cases
	var errs []error
	try := func(_ any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	file := func(c *accounts.Caller, cat, text string) uuid.UUID {
		f, err := cs.File(ctx, c, cases.Complaint{Category: cat, Description: text,
			Respondent:   cases.Respondent{Name: "A. Aangeklaagde", Ministry: "BZK", Function: "teamleider"},
			IncidentWhen: "voorjaar 2026", IncidentWhere: "kantoor Den Haag"})
		if err != nil {
			errs = append(errs, err)
			return uuid.Nil
		}
		return f.ID
	}
	// investigate takes a filed case through registration, admission and the
	// panel (the member and the chair) to the investigation.
	investigate := func(id uuid.UUID) {
		try(cs.Register(ctx, sec, id, cases.Registration{}))
		try(cs.Admissibility(ctx, chair, id, cases.Ruling{Admissible: yes()}))
		try(cs.ComposePanel(ctx, chair, id, cases.PanelRequest{MemberIDs: []uuid.UUID{lid.ID, chair.ID}}))
		try(cs.StartInvestigation(ctx, sec, id, cases.Investigation{RespondentEmail: "aangeklaagde@demo.rkc"}))
	}
	// 1. Just filed.
	file(kl, "bullying", "Mijn leidinggevende kleineert mij herhaaldelijk in het teamoverleg.")
	// 2. Registered, waiting for the chair.
	c2 := file(kl2, "aggression_violence", "Een collega schreeuwde en gooide met een map.")
	try(cs.Register(ctx, sec, c2, cases.Registration{}))
	// 3. Filed by the adviser on behalf, under investigation with a panel.
	f3, err := cs.File(ctx, vp, cases.Complaint{Category: "sexual_harassment", Description: "Ongewenste opmerkingen en aanrakingen.",
		Elements: []string{"Opmerkingen over uiterlijk", "Aanraking bij de koffieautomaat"}, Respondent: cases.Respondent{Name: "A. Aangeklaagde", Ministry: "BZK"},
		ComplainantEmail: "klager@demo.rkc", Consent: "Klager heeft op 3 november schriftelijk ingestemd."})
	if err != nil {
		return err
	}
	c3 := f3.ID
	investigate(c3)
	try(cs.PlanHearing(ctx, sec, c3, cases.HearingPlan{PlannedAt: time.Now().AddDate(0, 0, 14).UTC().Format(time.RFC3339), Parties: "both", Location: "Den Haag, zaal 3"}))
	// 4. Inadmissible, closed.
	c4 := file(kl2, "other", "Klacht over de inrichting van de werkplek.")
	try(cs.Register(ctx, sec, c4, cases.Registration{}))
	try(cs.Admissibility(ctx, chair, c4, cases.Ruling{Admissible: no(), Ground: "not_undesirable_behaviour", Reason: "Gaat niet over ongewenste omgangsvormen."}))
	try(cs.Close(ctx, sec, c4, cases.Closing{}))
	// 5. Advised, waiting for the authority of BZK.
	f5, err := cs.File(ctx, kl, cases.Complaint{Category: "discrimination", Ground: "religion", Description: "Grappen over mijn hoofddoek in het bijzijn van klanten.",
		Respondent: cases.Respondent{Name: "A. Aangeklaagde", Ministry: "BZK"}})
	if err != nil {
		return err
	}
	c5 := f5.ID
	investigate(c5)
	// The hearing took place and is recorded after the fact.
	if _, err := cs.PlanHearing(ctx, sec, c5, cases.HearingPlan{PlannedAt: time.Now().UTC().Format(time.RFC3339Nano), Parties: "both",
		Minutes: "Beide partijen gehoord."}); err != nil {
		return err
	}
	try(cs.AdoptAdvice(ctx, chair, c5, cases.AdviceInput{Findings: "De opmerkingen zijn gemaakt en kwetsend.", Measures: "Gesprek en training.",
		Judgements: []cases.ElementJudgement{{Position: 1, Judgement: "founded"}}}))
	// 6. Withdrawn.
	c6 := file(kl, "bullying", "Buitensluiten bij teamuitjes.")
	try(cs.Withdraw(ctx, kl, c6, cases.Withdrawal{Reason: "Opgelost in goed overleg."}))
	return errors.Join(errs...)
}
