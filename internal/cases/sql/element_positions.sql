-- The positions of case $1's complaint elements, in order.
SELECT position FROM case_elements WHERE case_id = $1 ORDER BY position
