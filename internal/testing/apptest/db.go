package apptest

import (
	"context"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

func openDB(url string) (*gorm.DB, error) { return db.Open(context.Background(), url, db.AsAppRole()) }

func closeDB(gdb *gorm.DB) { db.Close(gdb) }
