-- Anonymous signals the committee marked as abuse, by the year they were
-- filed: left out of signals_by_category and counted here instead.
SELECT year, ministry, 'abuse' AS category, sum(signals)::bigint AS value
FROM report_signals
WHERE abuse AND year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
