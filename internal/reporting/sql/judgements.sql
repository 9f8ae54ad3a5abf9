-- The committee's judgement per case, by the year of the advice.
SELECT year, ministry, judgement AS category, sum(cases)::bigint AS value
FROM report_advised
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
