-- The active holders of role $1 (committee wide) who relate to case $2 as
-- its staff (by the staff relation, for each of them).
SELECT p.id FROM persons p
  JOIN role_grants g ON g.person_id = p.id AND g.role = $1 AND g.domain = '*'
  JOIN cases c ON c.id = $2
WHERE p.active AND /*staff*/
ORDER BY p.id
