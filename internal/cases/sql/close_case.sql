-- Closes case $1 at $2.
UPDATE cases SET state = 'closed', closed_at = $2, version = version + 1, updated_at = $2 WHERE id = $1
