package drafts_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/crypto"
	"github.com/rkc-nl/rkc/internal/drafts"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL if this package's tests started it.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestDraftsSurviveAndStaySealed: a draft written by one instance is read by
// another (a restart, or the next request on another replica), its text and
// evidence never stand in the table in the clear, and a stale draft is gone.
func TestDraftsSurviveAndStaySealed(t *testing.T) {
	gdb := dbtest.New(t)
	mk, err := crypto.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.NewKeyring(mk)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	person := uuid.New()
	if err := gdb.Exec(`INSERT INTO persons (id, email, name, ministry) VALUES (?, 'd@x.nl', 'D', 'BZK')`, person).Error; err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const secret = "DRAFT-SENTINEL-7f3a"
	one := drafts.NewSealed(gdb, keys, clock)
	d := &drafts.Draft{Complaint: cases.Complaint{Category: "bullying", Description: "Wat er gebeurde: " + secret},
		Files: []drafts.File{{Name: "bewijs.txt", Type: "text/plain", Content: []byte("bijlage " + secret)}}}
	if err := one.Put(ctx, person, d); err != nil {
		t.Fatal(err)
	}

	var raw []byte
	if err := gdb.Raw(`SELECT body_enc || data_key FROM complaint_drafts WHERE person_id = ?`, person).Row().Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the draft's text is stored in the clear")
	}

	other := drafts.NewSealed(gdb, keys, clock)
	got, err := other.Get(ctx, person)
	if err != nil || got == nil {
		t.Fatalf("another instance cannot read the draft: %v, %v", got, err)
	}
	if got.Complaint.Description != d.Complaint.Description || len(got.Files) != 1 || string(got.Files[0].Content) != "bijlage "+secret {
		t.Fatalf("draft changed on the way: %+v", got)
	}

	if none, err := other.Get(ctx, uuid.New()); err != nil || none != nil {
		t.Fatalf("someone else's draft: %v, %v", none, err)
	}

	now = now.Add(drafts.TTL + time.Hour)
	if stale, err := other.Get(ctx, person); err != nil || stale != nil {
		t.Fatalf("a draft untouched for longer than a week must be gone: %v, %v", stale, err)
	}
	var n int64
	gdb.Table("complaint_drafts").Count(&n)
	if n != 0 {
		t.Fatalf("%d stale drafts left in the table", n)
	}
}
