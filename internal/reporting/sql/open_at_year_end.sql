-- Complaints open at the end of 31 December of each year (received by
-- then, not decided or closed by then), and of those the ones whose term
-- had passed (due_on before 31 December): 'overdue' or 'within_term'.
-- See report_open in migration 4 for how "ended" is read from the record.
SELECT y.year, o.ministry,
       CASE WHEN o.due_year <= y.year THEN 'overdue' ELSE 'within_term' END AS category,
       sum(o.cases)::bigint AS value
FROM report_open o
JOIN generate_series($1::integer, $2::integer) AS y (year)
  ON o.received_year <= y.year AND o.ended_year > y.year
GROUP BY 1, 2, 3
