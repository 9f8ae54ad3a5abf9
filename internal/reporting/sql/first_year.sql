-- The first calendar year with any statistical data: the year-on-year
-- comparison runs from there to the report's year. NULL when there is none.
SELECT least((SELECT min(year) FROM report_filed),
             (SELECT min(year) FROM report_advised),
             (SELECT min(year) FROM report_decided),
             (SELECT min(year) FROM report_signals)) AS first_year
