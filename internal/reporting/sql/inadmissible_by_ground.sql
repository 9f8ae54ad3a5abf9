-- Inadmissible complaints by the ground for not handling them (Awb 9:8 and
-- the committee's own two), by year filed.
SELECT year, ministry, inadmissible_ground AS category, sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2 AND admissibility = 'inadmissible'
GROUP BY 1, 2, 3
