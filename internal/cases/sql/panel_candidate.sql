-- What decides whether person $2 may sit on the panel of case $1: their
-- ministry, whether their account is active, holds a committee-wide member
-- or chair role, declared a conflict in the case or is its witness.
SELECT p.ministry, p.active,
  EXISTS (SELECT 1 FROM role_grants g WHERE g.person_id = p.id AND g.role IN ('member','chair') AND g.domain = '*') AS eligible,
  EXISTS (SELECT 1 FROM conflicts k WHERE k.case_id = $1 AND k.person_id = p.id) AS declared,
  EXISTS (SELECT 1 FROM witnesses w WHERE w.case_id = $1 AND w.person_id = p.id) AS witness
FROM persons p WHERE p.id = $2
