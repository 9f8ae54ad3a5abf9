-- Admissible and inadmissible complaints, by year filed. 'undetermined':
-- no ruling yet, or withdrawn before one.
SELECT year, ministry, admissibility AS category, sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
