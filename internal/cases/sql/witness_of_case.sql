-- Witness $1 of case $2.
SELECT * FROM witnesses WHERE id = $1 AND case_id = $2
