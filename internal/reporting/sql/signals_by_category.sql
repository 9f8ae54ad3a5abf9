-- Anonymous signals by the year they were filed and category; ministry ''
-- when the reporter did not name one. Signals marked as abuse are left out
-- (signals_abuse counts them).
SELECT year, ministry, category, sum(signals)::bigint AS value
FROM report_signals
WHERE NOT abuse AND year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
