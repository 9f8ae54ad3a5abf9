-- The sides of case $1 not heard, with the ground (Awb 9:10).
SELECT * FROM hearing_waivers WHERE case_id = $1
