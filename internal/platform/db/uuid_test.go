package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// Every row RKC reads and writes is found by uuids: the direct encoding
// must send the same value as pgx's own detour through text, nil pointers
// as NULL, and work inside gorm's named parameters.
func TestUUIDParameters(t *testing.T) {
	conn, err := db.Open(context.Background(), dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(conn) })
	id := uuid.New()
	var nilID *uuid.UUID
	var same, isNull bool
	var back uuid.UUID
	if err := conn.Raw(`SELECT CAST(@id AS uuid) = CAST(@text AS uuid), CAST(@nil AS uuid) IS NULL, CAST(@ptr AS uuid)`,
		map[string]any{"id": id, "text": id.String(), "nil": nilID, "ptr": &id}).Row().Scan(&same, &isNull, &back); err != nil {
		t.Fatal(err)
	}
	if !same || !isNull || back != id {
		t.Fatalf("uuid %s sent as bytes: equal to its text %v, nil pointer NULL %v, pointer read back %s", id, same, isNull, back)
	}
}
