-- The advice's judgement $3 of element $2 of case $1.
UPDATE case_elements SET judgement = $3 WHERE case_id = $1 AND position = $2
