package notify

import "github.com/google/uuid"

// SetAfterSend installs a hook that runs after the transport accepted a
// message and before the row is marked sent; an error from it rolls the
// claim back, as a crash in that window would.
func SetAfterSend(w *Worker, f func(id uuid.UUID) error) { w.afterSend = f }
