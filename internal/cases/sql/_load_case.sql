-- One case, $1, scoped to the relations of caller $2 ($3 whether they are
-- committee staff, $4 their authority domains), with the kinds of parts it
-- has and its access-log key. The inner query computes each relation once
-- (OFFSET 0 keeps PostgreSQL from inlining it, which would evaluate the
-- relations' subqueries again for the filter); only a case the caller
-- relates to passes the outer filter.
SELECT x.* FROM (
  SELECT /*columns*/, c.parts_present, /*relations*/, /*log key columns*/
  FROM cases c /*log key join*/
  WHERE c.id = $1 /*lock*/
  OFFSET 0) x
WHERE /*related*/
