package db

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgx knows uuid.UUID only as a driver.Valuer: it asks for its text, fails
// to encode text as a binary uuid (building an error message each time) and
// then parses the text back into 16 bytes. Every query RKC sends carries
// uuids, so that detour cost about a tenth of the CPU of a case read; this
// plan hands pgx the 16 bytes at once, of a uuid.UUID and of a non-nil
// *uuid.UUID (a nil one pgx sends as NULL before asking for a plan).
func encodeUUIDAsBytes(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID}, m.TryWrapEncodePlanFuncs...)
}

func tryWrapUUID(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	switch u := value.(type) {
	case uuid.UUID:
		return &uuidPlan{}, [16]byte(u), true
	case *uuid.UUID:
		if u != nil {
			return &uuidPlan{}, [16]byte(*u), true
		}
	}
	return nil, nil, false
}

type uuidPlan struct{ next pgtype.EncodePlan }

func (p *uuidPlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidPlan) Encode(value any, buf []byte) ([]byte, error) {
	switch u := value.(type) {
	case uuid.UUID:
		return p.next.Encode([16]byte(u), buf)
	case *uuid.UUID:
		if u != nil {
			return p.next.Encode([16]byte(*u), buf)
		}
	}
	return nil, nil // a nil *uuid.UUID: NULL
}
