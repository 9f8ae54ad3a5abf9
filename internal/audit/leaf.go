package audit

import (
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/transparency-dev/merkle/rfc6962"
)

// leafVersion leads every leaf's encoding, so the format can change.
const leafVersion = "rkc-access-log-leaf-v1"

// LeafData is the canonical encoding of an entry as stored: the bytes the
// tree commits to. Every field is length-prefixed, so no two entries encode
// alike; the sealed form is encoded as stored, so purging a case (which
// deletes only its key) leaves every leaf unchanged.
func LeafData(e *Entry) []byte {
	b := make([]byte, 0, 256)
	field := func(v []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	field([]byte(leafVersion))
	field(strconv.AppendInt(nil, e.ID, 10))
	field([]byte(e.At.UTC().Format(time.RFC3339Nano)))
	field(uuidBytes(e.PersonID))
	field([]byte(e.Role))
	field(uuidBytes(e.CaseID))
	field([]byte(e.Action))
	field([]byte(e.Client))
	field(e.Digest)
	field(uuidBytes(e.KeyHandle))
	field(e.Sealed)
	field(e.PersonTag)
	return b
}

// LeafHash is the RFC 6962 leaf hash of an entry.
func LeafHash(e *Entry) []byte { return rfc6962.DefaultHasher.HashLeaf(LeafData(e)) }

func uuidBytes(id *uuid.UUID) []byte {
	if id == nil {
		return nil
	}
	return id[:]
}

var errLeaf = errors.New("audit: not an access log leaf")

// ParseLeaf decodes LeafData, for checking a signed document offline.
func ParseLeaf(b []byte) (*Entry, error) {
	var fields [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errLeaf
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, errLeaf
		}
		fields, b = append(fields, b[4:4+n]), b[4+n:]
	}
	if len(fields) != 12 || string(fields[0]) != leafVersion {
		return nil, errLeaf
	}
	var e Entry
	var err error
	if e.ID, err = strconv.ParseInt(string(fields[1]), 10, 64); err != nil {
		return nil, errLeaf
	}
	if e.At, err = time.Parse(time.RFC3339Nano, string(fields[2])); err != nil {
		return nil, errLeaf
	}
	ids := []**uuid.UUID{&e.PersonID, &e.CaseID, &e.KeyHandle}
	for i, f := range [][]byte{fields[3], fields[5], fields[9]} {
		if len(f) == 0 {
			continue
		}
		id, err := uuid.FromBytes(f)
		if err != nil {
			return nil, errLeaf
		}
		*ids[i] = &id
	}
	e.Role, e.Action, e.Client = string(fields[4]), string(fields[6]), string(fields[7])
	e.Digest, e.Sealed, e.PersonTag = nilIfEmpty(fields[8]), nilIfEmpty(fields[10]), nilIfEmpty(fields[11])
	return &e, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
