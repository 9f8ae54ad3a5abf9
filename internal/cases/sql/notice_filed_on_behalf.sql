-- Tells complainant $1 in their account that case $2 was filed for them at $3.
INSERT INTO account_notices (person_id, kind, case_id, at) VALUES ($1, 'filed_on_behalf', $2, $3)
