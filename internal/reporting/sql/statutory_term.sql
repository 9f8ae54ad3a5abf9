-- Decisions within the statutory term (decided_on <= due_on, the due date
-- after any extension) and late, by the year of the decision.
SELECT year, ministry, CASE WHEN within_term THEN 'within_term' ELSE 'late' END AS category,
       sum(cases)::bigint AS value
FROM report_decided
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
