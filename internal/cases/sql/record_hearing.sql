-- Records the minutes ($3) and whether the hearing was held ($4) on hearing
-- $1 at $5, only from version $2; no row means someone else changed it
-- meanwhile.
UPDATE hearings SET minutes_enc = $3, held = $4, version = version + 1, updated_at = $5 WHERE id = $1 AND version = $2
