-- The panel members of case $1.
SELECT person_id FROM panel_members WHERE case_id = $1
