-- Which side of case $1 was heard at a held hearing (Awb 9:10).
SELECT coalesce(bool_or(parties IN ('complainant', 'both')), false) AS complainant,
       coalesce(bool_or(parties IN ('respondent', 'both')), false) AS respondent
FROM hearings WHERE case_id = $1 AND held
