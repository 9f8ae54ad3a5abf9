package accounts

import (
	"context"
	"time"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// IdleFor returns how long the session of token has gone unused, read before
// the request at hand counts as use (Authenticate updates it). The web pages
// end a session idle for too long; unauthenticated when the token is unknown
// or expired.
func (s *Service) IdleFor(ctx context.Context, token string) (time.Duration, error) {
	if token == "" || len(token) > 200 {
		return 0, errNoSession
	}
	var secs []float64
	err := s.db.WithContext(ctx).Raw(`SELECT extract(epoch FROM now() - last_seen_at)::float8 FROM sessions
		WHERE token_hash = ? AND expires_at > now()`, tokenHash(token)).Scan(&secs).Error
	if err != nil {
		return 0, apperr.Wrap(err)
	}
	if len(secs) == 0 {
		return 0, errNoSession
	}
	return time.Duration(secs[0] * float64(time.Second)), nil
}
