-- The witnesses of case $1 in the order they were added: all of them, or
-- those whose account is $2 when $2 is not null.
SELECT * FROM witnesses WHERE case_id = $1 AND ($2::uuid IS NULL OR person_id = $2) ORDER BY seq
