-- Case $1's row.
SELECT * FROM cases WHERE id = $1
