-- The active account of an e-mail address ($1, lower case, trimmed).
SELECT * FROM persons WHERE email = $1 AND active
