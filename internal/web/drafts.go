package web

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/cases"
)

// draft is a complaint being written: what the form steps collected so far,
// and the evidence files chosen, not yet sent.
type draft struct {
	Complaint cases.Complaint
	// OnBehalf: an adviser files for a complainant (step "behalf").
	OnBehalf     bool
	ConsentGiven bool
	Files        []draftFile
	UpdatedAt    time.Time
}

type draftFile struct {
	Name, Type string
	Content    []byte
}

// Size is the file's size in bytes.
func (f draftFile) Size() int64 { return int64(len(f.Content)) }

// draftStore keeps one draft per person.
type draftStore interface {
	Get(ctx context.Context, person uuid.UUID) (*draft, error) // nil when there is none
	Put(ctx context.Context, person uuid.UUID, d *draft) error
	Delete(ctx context.Context, person uuid.UUID) error
}

// memoryDrafts keeps drafts in the server's memory, never on disk: a draft
// holds the most sensitive text of all before it is sealed with a case key.
// Drafts not touched for draftTTL are dropped, and a restart drops them all;
// the form says so. (A sealed drafts table is the way to keep them across
// restarts and instances: see docs/web.md.)
type memoryDrafts struct {
	mu  sync.Mutex
	m   map[uuid.UUID]*draft
	now func() time.Time
}

const (
	draftTTL      = 7 * 24 * time.Hour
	maxDraftFiles = 5
	maxDrafts     = 10000
)

func newMemoryDrafts(now func() time.Time) *memoryDrafts {
	return &memoryDrafts{m: map[uuid.UUID]*draft{}, now: now}
}

func (s *memoryDrafts) Get(_ context.Context, person uuid.UUID) (*draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[person]
	if !ok {
		return nil, nil
	}
	if s.now().Sub(d.UpdatedAt) > draftTTL {
		delete(s.m, person)
		return nil, nil
	}
	cp := *d
	cp.Files = append([]draftFile(nil), d.Files...)
	return &cp, nil
}

func (s *memoryDrafts) Put(_ context.Context, person uuid.UUID, d *draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxDrafts {
		for id, old := range s.m {
			if s.now().Sub(old.UpdatedAt) > draftTTL {
				delete(s.m, id)
			}
		}
	}
	cp := *d
	cp.UpdatedAt = s.now()
	s.m[person] = &cp
	return nil
}

func (s *memoryDrafts) Delete(_ context.Context, person uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, person)
	return nil
}
