-- Attachment $1 of case $2; with $3 the committee's own files too.
SELECT * FROM attachments WHERE id = $1 AND case_id = $2 AND ($3 OR side <> 'committee')
