-- Every case person $1 relates to as a party, adviser, witness or panel
-- member ($2 false: never as staff; $3 no authority domains), oldest first:
-- the data-subject export's walk.
SELECT x.* FROM (SELECT c.*, /*relations*/ FROM cases c OFFSET 0) x
WHERE /*related*/
ORDER BY x.filed_at
