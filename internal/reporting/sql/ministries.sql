-- The ministries, the rows of every table (reference data, not case data).
SELECT code, name FROM ministries ORDER BY code
