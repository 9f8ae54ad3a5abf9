-- Complaints with and without a hearing held, by year filed.
SELECT year, ministry, CASE WHEN with_hearing THEN 'with_hearing' ELSE 'without_hearing' END AS category,
       sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
