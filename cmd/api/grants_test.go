package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// `rkc grants list` shows the first admin's request for a colleague's
// role, `rkc grants confirm ID` gives it (nobody in RKC could), and then
// refuses the next one, which the new admin can confirm in RKC.
func TestGrantsCommand(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	first := e.Person("beheer@test.rkc", "BZK", apptest.Grant(authz.Admin, authz.AnyDomain))
	second := e.Person("beheer2@test.rkc", "BZK")
	var req accounts.GrantRequest
	e.Must(202, first, "POST", "/api/v1/accounts/"+second.ID.String()+"/grants", apptest.Grant(authz.Admin, authz.AnyDomain)).Decode(t, &req)

	var out bytes.Buffer
	if err := grantsCommand(ctx, e.Config, log, []string{"list"}, &out); err != nil || !strings.Contains(out.String(), req.ID.String()) {
		t.Fatalf("grants list: %v\n%s", err, out.String())
	}
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm", req.ID.String()}, &out); err != nil {
		t.Fatalf("grants confirm: %v", err)
	}
	if g, _ := e.App.Accounts.Grants(ctx, second.ID); len(g) != 1 || g[0].Role != authz.Admin {
		t.Fatalf("after the operator's confirmation: %v", g)
	}
	third := e.Person("beheer3@test.rkc", "BZK")
	e.Must(202, first, "POST", "/api/v1/accounts/"+third.ID.String()+"/grants", apptest.Grant(authz.Admin, authz.AnyDomain)).Decode(t, &req)
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm", req.ID.String()}, &out); err == nil || !strings.Contains(err.Error(), "in RKC") {
		t.Errorf("the operator confirmed while an admin in RKC can: %v", err)
	}
	if err := grantsCommand(ctx, e.Config, log, []string{"confirm"}, &out); err == nil {
		t.Error("confirm without an id was accepted")
	}
}
