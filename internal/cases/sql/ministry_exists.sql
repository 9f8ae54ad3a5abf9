-- Whether $1 is a known ministry code.
SELECT EXISTS (SELECT 1 FROM ministries WHERE code = $1)
