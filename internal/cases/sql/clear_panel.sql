-- Removes every panel member of case $1, before the panel is composed anew.
DELETE FROM panel_members WHERE case_id = $1
