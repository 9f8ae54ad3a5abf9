-- The judgement per complaint element (a complaint has one or more
-- elements), by the year of the advice. Counts elements, not people.
SELECT a.year, a.ministry, e.category, sum(e.value)::bigint AS value
FROM report_advised a
CROSS JOIN LATERAL (VALUES ('founded', a.elements_founded), ('partly_founded', a.elements_partly),
                           ('unfounded', a.elements_unfounded)) AS e (category, value)
WHERE a.year BETWEEN $1 AND $2
GROUP BY 1, 2, 3
