-- Deletes case $1 with its wrapped data key and, by cascade, every row of it.
DELETE FROM cases WHERE id = $1
