-- Puts person $2 on the panel of case $1.
INSERT INTO panel_members (case_id, person_id) VALUES ($1, $2)
