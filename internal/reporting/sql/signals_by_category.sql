-- Anonymous signals by the year they were filed and category; ministry ''
-- when the reporter did not name one.
SELECT year, ministry, category, sum(signals)::bigint AS value
FROM report_signals
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
