-- The hearings of case $1 in which witness $2 is heard, in time order.
SELECT * FROM hearings WHERE case_id = $1 AND witness_id = $2 ORDER BY planned_at, id
