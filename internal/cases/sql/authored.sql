-- The statements and attachments of case $1 that person $2 wrote or sent.
SELECT id FROM statements WHERE case_id = $1 AND author_id = $2
UNION ALL SELECT id FROM attachments WHERE case_id = $1 AND uploaded_by = $2
