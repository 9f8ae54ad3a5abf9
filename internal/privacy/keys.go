package privacy

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/crypto"
)

// wrappedKeyTables hold per-case (or per-signal) data keys wrapped by a
// master key, with the AAD prefix each was wrapped under.
var wrappedKeyTables = []struct{ table, aadPrefix string }{
	{"cases", ""},
	{"signals", "signal:"},
}

// RotateReport says how many keys were rewrapped.
type RotateReport struct {
	Rewrapped int            `json:"rewrapped"`
	ByOldKey  map[string]int `json:"by_old_key"`
}

// Rotate rewraps every data key that is not yet under the keyring's active
// master key. The content stays as it is (rewrap, not re-encrypt), so it is
// quick and needs no downtime; it works in small batches, each its own
// transaction, so it can be interrupted and run again.
func Rotate(ctx context.Context, db *gorm.DB, keys *crypto.Keyring) (*RotateReport, error) {
	rep := &RotateReport{ByOldKey: map[string]int{}}
	active := keys.ActiveID()
	for _, t := range wrappedKeyTables {
		for {
			n := 0
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var rows []struct {
					ID        string
					DataKey   []byte
					DataKeyID string
				}
				if err := tx.Raw(`SELECT id::text AS id, data_key, data_key_id FROM `+t.table+
					` WHERE data_key_id <> ? ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED`, active).Scan(&rows).Error; err != nil {
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
					rep.ByOldKey[r.DataKeyID]++
				}
				n = len(rows)
				return nil
			})
			if err != nil {
				return rep, err
			}
			rep.Rewrapped += n
			if n == 0 {
				break
			}
		}
	}
	return rep, nil
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
