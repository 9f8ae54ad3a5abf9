-- Person $2's declared conflict of interest in case $1, with its sealed reason $3.
INSERT INTO conflicts (case_id, person_id, reason_enc) VALUES ($1, $2, $3)
