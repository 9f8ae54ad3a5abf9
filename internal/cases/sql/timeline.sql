-- The timeline of case $1 as side $2 sees it: 'committee' all of it;
-- 'complainant' (with the adviser) and 'respondent' what the parties see
-- and what is meant for their side; 'witness' what is meant for the witness
-- whose account is $3; anyone else what the parties see.
SELECT * FROM case_events WHERE case_id = $1 AND (
  $2::text = 'committee'
  OR (visible_to_parties AND (
       ($2::text IN ('complainant', 'respondent') AND (audience IS NULL OR audience = $2::text))
    OR ($2::text = 'witness' AND audience = 'witness'
        AND witness_id IN (SELECT id FROM witnesses WHERE case_id = $1 AND person_id = $3::uuid))
    OR ($2::text = 'other' AND audience IS NULL))))
ORDER BY id
