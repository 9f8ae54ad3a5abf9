-- Decisions whose term was extended (Awb 9:11 lid 2), by the year of the
-- decision.
SELECT year, ministry, CASE WHEN extended THEN 'extended' ELSE 'not_extended' END AS category,
       sum(cases)::bigint AS value
FROM report_decided
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
