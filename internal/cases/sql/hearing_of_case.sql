-- Hearing $1 of case $2.
SELECT * FROM hearings WHERE id = $1 AND case_id = $2
