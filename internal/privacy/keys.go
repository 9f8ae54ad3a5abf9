package privacy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// wrappedKeyTables hold per-case (or per-signal) data keys wrapped by a
// master key, with the AAD prefix each was wrapped under.
var wrappedKeyTables = []struct{ table, aadPrefix string }{
	{"cases", ""},
	{"signals", "signal:"},
	{"totp_secrets", "totp:"}, // each second factor's own key (accounts/totpseal.go)
}

// RotateReport says how many keys were rewrapped.
type RotateReport struct {
	Rewrapped int            `json:"rewrapped"`
	ByOldKey  map[string]int `json:"by_old_key"`
}

// Rotate rewraps every data key that is not yet under the keyring's active
// master key. The content stays as it is (rewrap, not re-encrypt), so it is
// quick and needs no downtime; it works in small batches, each its own
// transaction, so it can be interrupted and run again. Batches skip rows that
// a running step holds locked; once only those are left, it waits for them,
// so that on return no key is left under an old master key.
func Rotate(ctx context.Context, db *gorm.DB, keys *crypto.Keyring) (*RotateReport, error) {
	rep := &RotateReport{ByOldKey: map[string]int{}}
	active := keys.ActiveID()
	for _, t := range wrappedKeyTables {
		skipLocked := true
		for {
			n, byOld := 0, map[string]int{}
			lock := ` FOR UPDATE SKIP LOCKED`
			if !skipLocked {
				lock = ` FOR UPDATE`
			}
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var rows []struct {
					ID        string
					DataKey   []byte
					DataKeyID string
				}
				if err := tx.Raw(`SELECT id::text AS id, data_key, data_key_id FROM `+t.table+
					` WHERE data_key_id <> ? ORDER BY id LIMIT 200`+lock, active).Scan(&rows).Error; err != nil {
					return err
				}
				for _, r := range rows {
					nw, nid, err := keys.Rewrap(r.DataKey, r.DataKeyID, t.aadPrefix+r.ID)
					if err != nil {
						return fmt.Errorf("%s %s: %w", t.table, r.ID, err)
					}
					if err := tx.Exec(`UPDATE `+t.table+` SET data_key = ?, data_key_id = ? WHERE id = ?::uuid AND data_key_id = ?`,
						nw, nid, r.ID, r.DataKeyID).Error; err != nil {
						return err
					}
					byOld[r.DataKeyID]++
				}
				n = len(rows)
				return nil
			})
			if err != nil {
				return rep, err
			}
			// Counted once committed, so a failed batch is not reported as done.
			rep.Rewrapped += n
			for id, k := range byOld {
				rep.ByOldKey[id] += k
			}
			if n == 0 {
				if !skipLocked {
					break
				}
				skipLocked = false // what is left was locked: wait for it
			}
		}
	}
	// The rotation is a security event: on the log, with the new key's id.
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Role: "operator", Action: audit.ActionMasterRotated + ":" + active, Client: "rkc keys"})
	})
	return rep, err
}

// KeyInUse counts the data keys still wrapped under master key id; a key may
// be retired only when this is zero.
func KeyInUse(ctx context.Context, db *gorm.DB, id string) (int64, error) {
	var total int64
	for _, t := range wrappedKeyTables {
		var n int64
		if err := db.WithContext(ctx).Table(t.table).Where("data_key_id = ?", id).Count(&n).Error; err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
