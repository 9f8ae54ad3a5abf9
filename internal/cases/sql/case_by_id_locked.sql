-- Case $1's row, locked for the rest of the transaction.
SELECT * FROM cases WHERE id = $1 FOR UPDATE
