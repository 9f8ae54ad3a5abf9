-- Hearings held in the complaints filed in a year (a count of hearings,
-- not of people).
SELECT year, ministry, 'hearings' AS category, sum(hearings)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
