-- Takes person $2 off the panel of case $1.
DELETE FROM panel_members WHERE case_id = $1 AND person_id = $2
