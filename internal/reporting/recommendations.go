package reporting

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// MaxRecommendationsLength bounds the text of one version, in characters.
const MaxRecommendationsLength = 100_000

// recRow is one saved version of a year's recommendations (migration 4).
// Rows are never changed except to adopt the latest one, which the
// database itself enforces.
type recRow struct {
	Year      int       `gorm:"primaryKey"`
	Version   int       `gorm:"primaryKey"`
	Text      string    `gorm:"column:text"`
	AuthorID  uuid.UUID `gorm:"type:uuid"`
	CreatedAt time.Time
	AdoptedAt *time.Time
	AdoptedBy *uuid.UUID `gorm:"type:uuid"`
}

func (recRow) TableName() string { return "report_recommendations" }

// recSet is every version of one year, oldest first.
type recSet struct {
	year     int
	versions []recRow
}

func loadRecommendations(ctx context.Context, db *gorm.DB, year int) (recSet, error) {
	s := recSet{year: year}
	err := db.WithContext(ctx).Where("year = ?", year).Order("version").Find(&s.versions).Error
	if err != nil {
		return s, apperr.Wrap(err)
	}
	return s, nil
}

func (s recSet) latest() *recRow {
	if len(s.versions) == 0 {
		return nil
	}
	return &s.versions[len(s.versions)-1]
}

// shown is what the report prints: the adopted version (always the
// latest, see the guard in migration 4) or else the latest draft.
func (s recSet) shown() Recommendations {
	l := s.latest()
	if l == nil {
		return Recommendations{Year: s.year, Status: "none"}
	}
	rec := Recommendations{Year: s.year, Status: "draft", Version: l.Version, Text: l.Text, SavedAt: &l.CreatedAt}
	if l.AdoptedAt != nil {
		rec.Status, rec.AdoptedAt = "adopted", l.AdoptedAt
	}
	return rec
}

// RecommendationsView answers GET /api/v1/reports/recommendations/{year}:
// one version (the latest unless asked otherwise) and the list of all.
type RecommendationsView struct {
	Recommendations
	Latest   int           `json:"latest_version"` // the version to send back when saving; 0 when none
	Versions []VersionInfo `json:"versions"`
}

// VersionInfo describes one saved version.
type VersionInfo struct {
	Version int       `json:"version"`
	SavedAt time.Time `json:"saved_at"`
	Adopted bool      `json:"adopted"`
}

// view shows version v (0: the latest).
func (s recSet) view(v int) (RecommendationsView, error) {
	out := RecommendationsView{Recommendations: s.shown(), Versions: []VersionInfo{}}
	for _, r := range s.versions {
		out.Versions = append(out.Versions, VersionInfo{Version: r.Version, SavedAt: r.CreatedAt, Adopted: r.AdoptedAt != nil})
	}
	if l := s.latest(); l != nil {
		out.Latest = l.Version
	}
	if v == 0 || v == out.Latest {
		return out, nil
	}
	for _, r := range s.versions {
		if r.Version == v {
			saved := r.CreatedAt
			out.Recommendations = Recommendations{Year: s.year, Status: "superseded", Version: r.Version, Text: r.Text, SavedAt: &saved}
			return out, nil
		}
	}
	return out, apperr.NotFoundError("Version")
}

// GetRecommendations returns the year's recommendations: version v, or the
// latest when v is 0, and the list of versions; not_found for a version
// that was never saved. Anyone who may read reports may read them, drafts
// included (the report prints the latest draft, marked as such).
func GetRecommendations(ctx context.Context, db *gorm.DB, year, v int) (RecommendationsView, error) {
	s, err := loadRecommendations(ctx, db, year)
	if err != nil {
		return RecommendationsView{}, err
	}
	return s.view(v)
}

var (
	errAdopted = apperr.New(apperr.Conflict, "recommendations-adopted",
		"The recommendations of this year are adopted and can no longer be changed.")
	errStale = apperr.New(apperr.Conflict, "version-conflict",
		"A newer version has been saved since; reload it and try again.")
)

// SaveRecommendations saves text as the next version of the year's
// recommendations. seen is the latest version the author saw (0 when
// there was none): if another version was saved since, it answers
// conflict (version-conflict) and saves nothing, so no one overwrites a
// colleague's text unseen. After adoption it answers conflict
// (recommendations-adopted). Only the chair may call it (route table).
func SaveRecommendations(ctx context.Context, db *gorm.DB, year int, author uuid.UUID, text string, seen int) (RecommendationsView, error) {
	bad := map[string]string{}
	if strings.TrimSpace(text) == "" {
		bad["text"] = "is required"
	} else if n := len([]rune(text)); n > MaxRecommendationsLength {
		bad["text"] = "is longer than 100000 characters"
	}
	if seen < 0 {
		bad["version"] = "must be 0 or a saved version"
	}
	if len(bad) > 0 {
		return RecommendationsView{}, apperr.InvalidFields(bad)
	}
	s, err := loadRecommendations(ctx, db, year)
	if err != nil {
		return RecommendationsView{}, err
	}
	if l := s.latest(); l != nil && l.AdoptedAt != nil {
		return RecommendationsView{}, errAdopted
	}
	latest := 0
	if l := s.latest(); l != nil {
		latest = l.Version
	}
	if seen != latest {
		return RecommendationsView{}, errStale
	}
	// Two saves racing for the same version: the primary key lets one win
	// and the database guard refuses any version that is not the next.
	row := recRow{Year: year, Version: latest + 1, Text: text, AuthorID: author}
	if err := db.WithContext(ctx).Omit("CreatedAt", "AdoptedAt", "AdoptedBy").Create(&row).Error; err != nil {
		return RecommendationsView{}, translate(err)
	}
	return GetRecommendations(ctx, db, year, 0)
}

// AdoptRecommendations adopts the latest version of the year's
// recommendations, which closes them to edits. When seen is not 0 it must
// be that latest version (conflict otherwise), so the chair adopts the text
// they read. It answers not_found when nothing was saved and conflict when
// already adopted. Only the chair may call it (route table).
func AdoptRecommendations(ctx context.Context, db *gorm.DB, year int, by uuid.UUID, seen int) (RecommendationsView, error) {
	s, err := loadRecommendations(ctx, db, year)
	if err != nil {
		return RecommendationsView{}, err
	}
	l := s.latest()
	switch {
	case l == nil:
		return RecommendationsView{}, apperr.NotFoundError("Recommendations")
	case l.AdoptedAt != nil:
		return RecommendationsView{}, errAdopted
	case seen != 0 && seen != l.Version:
		return RecommendationsView{}, errStale
	}
	res := db.WithContext(ctx).Exec(`UPDATE report_recommendations SET adopted_at = now(), adopted_by = ?
		WHERE year = ? AND version = ? AND adopted_at IS NULL`, by, year, l.Version)
	if res.Error != nil {
		return RecommendationsView{}, translate(res.Error)
	}
	if res.RowsAffected == 0 {
		// Adopted by someone else in the meantime.
		return RecommendationsView{}, errAdopted
	}
	return GetRecommendations(ctx, db, year, 0)
}

// translate maps the database guard's refusals to conflicts.
func translate(err error) error {
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errStale
	case errors.Is(err, gorm.ErrCheckConstraintViolated):
		return errAdopted
	}
	return apperr.Wrap(err)
}
