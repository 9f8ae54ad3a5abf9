-- Marks the open information requests of case $1 answered.
UPDATE information_requests SET answered_at = now() WHERE case_id = $1 AND answered_at IS NULL
