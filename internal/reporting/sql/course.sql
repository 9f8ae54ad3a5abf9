-- What became of the complaints filed in a year, one outcome per case, the
-- first that applies: inadmissible, withdrawn, resolved informally,
-- decided, advised (awaiting the decision), in progress.
SELECT year, ministry, course AS category, sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
