-- Whether person $1 holds any of the roles $2.
SELECT EXISTS (SELECT 1 FROM role_grants WHERE person_id = $1 AND role = ANY($2))
