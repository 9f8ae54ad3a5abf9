-- One page of the list: the cases $4 with what a summary shows and the
-- relations of caller $1 ($2 staff, $3 authority domains) to each.
SELECT c.id, c.number, c.state, c.category, c.ministry, c.respondent_ministry, c.filed_at, c.received_on,
  c.due_on, c.not_handled_due_on, c.extended, c.finished_at, c.version, c.complainant_id, c.adviser_id, c.respondent_id,
  /*relations*/
FROM cases c WHERE c.id = ANY($4)
