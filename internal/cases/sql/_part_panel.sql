-- The case's Panel (parts.go), of case $1.
(SELECT json_agg(json_build_object('id', p.id, 'name', p.name) ORDER BY p.name)
  FROM panel_members m JOIN persons p ON p.id = m.person_id WHERE m.case_id = $1)
