-- A step's last write: the case's version goes up by one, only from the
-- version the step was taken on ($1 case, $2 version); no row means someone
-- else changed the case meanwhile.
UPDATE cases SET version = version + 1, updated_at = now() WHERE id = $1 AND version = $2
