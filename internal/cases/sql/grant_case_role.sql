-- Gives person $1 the role $2 in ministry $3, granted by $4, unless they
-- hold it already: the roles a case itself gives (complainant filed for,
-- respondent informed, witness linked).
INSERT INTO role_grants (person_id, role, domain, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
