-- The cases in a finished state ($1), the longest finished first.
SELECT id FROM cases WHERE state = ANY($1) AND finished_at IS NOT NULL ORDER BY finished_at
