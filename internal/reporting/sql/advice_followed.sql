-- Whether the authority followed the committee's advice, by the year of
-- the decision.
SELECT year, ministry, follows_advice AS category, sum(cases)::bigint AS value
FROM report_decided
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
