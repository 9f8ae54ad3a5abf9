-- The cases caller $1 relates to (by the relation definition, with
-- $2 whether they are committee staff and $3 their authority domains), as
-- the list's filters narrow them: $4 state, $5 ministry, $6 category, $7
-- open and due on or before, $8 flag ('overdue' or 'due_soon' relative to
-- today $9 and the due-soon horizon $10, 'closing': finished, waiting to be
-- closed); a null filter does not narrow. The inner query computes each
-- relation once (OFFSET 0 keeps PostgreSQL from inlining it).
SELECT x.* FROM (
  SELECT c.id, c.ministry, c.respondent_ministry, c.filed_at, c.due_on, c.number, /*relations*/
  FROM cases c
  WHERE ($4::text IS NULL OR c.state = $4::text)
    AND ($5::text IS NULL OR c.ministry = $5::text)
    AND ($6::text IS NULL OR c.category = $6::text)
    AND ($7::date IS NULL OR (c.state IN ('registered','awaiting_information','admissible','investigating','advised') AND c.due_on <= $7::date))
    AND ($8::text IS NULL
      OR ($8::text = 'overdue' AND c.state IN ('registered','awaiting_information','admissible','investigating','advised') AND c.due_on < $9::date)
      OR ($8::text = 'due_soon' AND c.state IN ('registered','awaiting_information','admissible','investigating','advised') AND c.due_on >= $9::date AND c.due_on <= $10::date)
      OR ($8::text = 'closing' AND c.state IN ('decided','inadmissible','withdrawn','resolved_informally')))
  OFFSET 0) x
WHERE /*related*/
ORDER BY /*order*/
