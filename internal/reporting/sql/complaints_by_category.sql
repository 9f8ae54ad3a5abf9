-- Complaints received: cases by the year they were filed, by the
-- complainant's ministry and the category of behaviour.
-- Parameters: $1 first year, $2 last year. Every figure query returns
-- (year, ministry, category, value).
SELECT year, ministry, category, sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
