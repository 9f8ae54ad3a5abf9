// Package drafts keeps the complaint a person is still writing: what the
// form's steps collected so far and the evidence chosen, one draft per
// person, until it is sent or discarded. The pages (internal/web) fill and
// read drafts; the case service only ever sees the complaint once it is
// filed.
package drafts

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/cases"
)

// Draft is a complaint being written: what the form steps collected so far,
// and the evidence files chosen, not yet sent.
type Draft struct {
	Complaint cases.Complaint
	// OnBehalf: an adviser files for a complainant (step "behalf").
	OnBehalf     bool
	ConsentGiven bool
	Files        []File
	UpdatedAt    time.Time
}

// File is an evidence file held with a draft.
type File struct {
	Name, Type string
	Content    []byte
}

// Size is the file's size in bytes.
func (f File) Size() int64 { return int64(len(f.Content)) }

// Store keeps one draft per person.
type Store interface {
	Get(ctx context.Context, person uuid.UUID) (*Draft, error) // nil when there is none
	Put(ctx context.Context, person uuid.UUID, d *Draft) error
	Delete(ctx context.Context, person uuid.UUID) error
}

const (
	// TTL is how long a draft not touched is kept.
	TTL = 7 * 24 * time.Hour
	// MaxFiles is how many evidence files a draft holds.
	MaxFiles  = 5
	maxDrafts = 10000
)

// memory keeps drafts in the server's memory, never on disk: a draft holds
// the most sensitive text of all before it is sealed with a case key.
// Drafts not touched for TTL are dropped, and a restart drops them all.
// Sealed is the store that keeps them across restarts and instances.
type memory struct {
	mu  sync.Mutex
	m   map[uuid.UUID]*Draft
	now func() time.Time
}

// NewMemory returns a store in this server's memory (tests of single pages).
func NewMemory(now func() time.Time) Store {
	return &memory{m: map[uuid.UUID]*Draft{}, now: now}
}

func (s *memory) Get(_ context.Context, person uuid.UUID) (*Draft, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[person]
	if !ok {
		return nil, nil
	}
	if s.now().Sub(d.UpdatedAt) > TTL {
		delete(s.m, person)
		return nil, nil
	}
	cp := *d
	cp.Files = append([]File(nil), d.Files...)
	return &cp, nil
}

func (s *memory) Put(_ context.Context, person uuid.UUID, d *Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxDrafts {
		for id, old := range s.m {
			if s.now().Sub(old.UpdatedAt) > TTL {
				delete(s.m, id)
			}
		}
	}
	cp := *d
	cp.UpdatedAt = s.now()
	s.m[person] = &cp
	return nil
}

func (s *memory) Delete(_ context.Context, person uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, person)
	return nil
}
