-- The competent authority's accounts of ministry $1.
SELECT person_id FROM role_grants WHERE role = 'authority' AND domain = $1
