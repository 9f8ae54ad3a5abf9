-- Discrimination complaints by ground of discrimination ('not_recorded'
-- when none was given), by year filed. Its row totals are the
-- discrimination column of complaints_by_category.
SELECT year, ministry, ground AS category, sum(cases)::bigint AS value
FROM report_filed
WHERE year BETWEEN $1 AND $2 AND category = 'discrimination'
GROUP BY 1, 2, 3
