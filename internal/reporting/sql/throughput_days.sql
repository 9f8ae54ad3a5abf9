-- Throughput: days from receipt to decision, as a histogram (category is
-- the number of days, value the number of decisions), by the year of the
-- decision. The median and 90th percentile are taken from it in Go, where
-- the disclosure rule decides whether they are shown.
SELECT year, ministry, days::text AS category, sum(cases)::bigint AS value
FROM report_decided
WHERE year BETWEEN $1 AND $2 AND days >= 0
GROUP BY 1, 2, 3
