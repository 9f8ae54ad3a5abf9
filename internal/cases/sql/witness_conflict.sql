-- Whether person $2 sits on the panel of case $1 or is its witness already.
SELECT EXISTS (SELECT 1 FROM panel_members WHERE case_id = $1 AND person_id = $2) AS panel,
       EXISTS (SELECT 1 FROM witnesses WHERE case_id = $1 AND person_id = $2) AS witness
