-- Marks statistical record $2 as of a case purged on $1.
UPDATE case_stats SET purged_on = $1 WHERE id = $2
