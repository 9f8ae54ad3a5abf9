-- Reports of retaliation (benadeling) by the year they were filed, by the
-- case's ministry (the complainant's, as every case figure) and by who
-- reported: the complainant's side, the respondent or a witness. Read from
-- the anonymous record retaliation_stats (migration 8), which survives the
-- purge of the case; there are few enough reports to count them directly.
SELECT extract(year FROM filed_on)::integer AS year, ministry, side AS category, count(*)::bigint AS value
FROM retaliation_stats
WHERE extract(year FROM filed_on)::integer BETWEEN $1 AND $2
GROUP BY 1, 2, 3
