package privacy_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// BenchmarkReadCase prices the privacy controls on the most common request,
// reading a case: the same case under investigation (two elements, two
// statements, an attachment) read with decryption and an access-log entry,
// against reading its rows without either.
//
//   - http: GET /api/v1/cases/{id} through the whole service.
//   - page: the case page, GET /cases/{id} with the session cookie (the
//     case, its timeline and the forms the caller may use, in HTML).
//   - service: cases.Service.Get: relation check, unwrap, decrypt, log.
//   - rows: the SELECTs the service runs, without unwrap, decrypt or log.
//   - row: one plain SELECT of the case row.
//   - decrypt: unwrap the data key and open the case row's sealed fields.
//   - log: one access-log append in its own transaction.
func BenchmarkReadCase(b *testing.B) {
	e := apptest.New(b)
	c := newCast(b, e)
	tag := sentinel("BENCH")
	id := c.File(b, c.Complainant, complaint(tag))
	c.upload(b, c.Complainant, id, "bewijs.txt", "Bewijs "+tag)
	c.toInvestigation(b, id, tag)
	e.Must(201, c.Complainant, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Aanvulling " + tag})
	e.Must(201, c.Respondent, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Verweer " + tag})
	caseID := uuid.MustParse(id)
	ctx := context.Background()
	grants := []authz.Grant{{Role: authz.Secretary, Domain: authz.AnyDomain}}
	if err := e.App.Enforcer.Sync(c.Secretary.ID.String(), grants); err != nil {
		b.Fatal(err)
	}
	caller := &accounts.Caller{ID: c.Secretary.ID, Ministry: "BZK", Grants: grants, Client: "127.0.0.1"}

	// get reads path through the whole service, signed in by signIn.
	get := func(path string, signIn func(*http.Request)) func(b *testing.B) {
		return func(b *testing.B) {
			client := e.Server.Client()
			for b.Loop() {
				req, _ := http.NewRequest("GET", e.Server.URL+path, nil)
				signIn(req)
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		}
	}
	b.Run("http", get("/api/v1/cases/"+id, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+c.Secretary.Token)
	}))
	b.Run("page", get("/cases/"+id, func(req *http.Request) {
		req.AddCookie(&http.Cookie{Name: accounts.CookieName, Value: c.Secretary.Token})
	}))
	b.Run("service", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.App.Cases.Get(ctx, caller, caseID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			err := e.App.DB.Transaction(func(tx *gorm.DB) error {
				var rec cases.CaseRecord
				if err := tx.Where("id = ?", caseID).Take(&rec).Error; err != nil {
					return err
				}
				for _, tbl := range []string{"case_elements", "statements", "hearings", "advices", "decisions"} {
					var rows []map[string]any
					if err := tx.Table(tbl).Where("case_id = ?", caseID).Find(&rows).Error; err != nil {
						return err
					}
				}
				var atts []map[string]any
				if err := tx.Table("attachments").Select("id, side, filename_enc, content_type, size_bytes, created_at").
					Where("case_id = ?", caseID).Find(&atts).Error; err != nil {
					return err
				}
				var panel []map[string]any
				return tx.Raw(`SELECT p.id, p.name FROM panel_members m JOIN persons p ON p.id = m.person_id WHERE m.case_id = ?`, caseID).
					Scan(&panel).Error
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("row", func(b *testing.B) {
		for b.Loop() {
			var rec cases.CaseRecord
			if err := e.App.DB.Where("id = ?", caseID).Take(&rec).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	var rec cases.CaseRecord
	if err := e.App.DB.Where("id = ?", caseID).Take(&rec).Error; err != nil {
		b.Fatal(err)
	}
	b.Run("decrypt", func(b *testing.B) {
		fields := []struct {
			name string
			v    []byte
		}{{"description", rec.DescriptionEnc}, {"complainant_contact", rec.ComplainantContactEnc}, {"respondent_name", rec.RespondentNameEnc},
			{"respondent_function", rec.RespondentFunctionEnc}, {"incident_when", rec.IncidentWhenEnc}, {"incident_where", rec.IncidentWhereEnc},
			{"ground", rec.GroundEnc}, {"witnesses", rec.WitnessesEnc}, {"wished_outcome", rec.WishedOutcomeEnc}}
		for b.Loop() {
			dk, err := e.App.Keys.Unwrap(rec.DataKey, rec.DataKeyID, id)
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range fields {
				if _, err := dk.Open(id, f.name, f.v); err != nil {
					b.Fatal(f.name, err)
				}
			}
			dk.Zero()
		}
	})
	b.Run("log", func(b *testing.B) {
		person := c.Secretary.ID
		for b.Loop() {
			err := e.App.DB.Transaction(func(tx *gorm.DB) error {
				return audit.Append(ctx, tx, audit.Entry{At: e.Clock.Now(), PersonID: &person, Role: "staff", CaseID: &caseID,
					Action: "case:read", Client: "127.0.0.1"})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
