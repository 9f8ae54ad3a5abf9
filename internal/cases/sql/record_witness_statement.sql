-- Records the sealed statement $3 of witness $1 at $4, only from version
-- $2; no row means someone else changed the record meanwhile.
UPDATE witnesses SET statement_enc = $3, statement_recorded_at = $4, version = version + 1 WHERE id = $1 AND version = $2
