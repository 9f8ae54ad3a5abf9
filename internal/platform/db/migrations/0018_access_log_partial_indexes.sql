-- Since migration 15 an entry about a case keeps its case and person only
-- sealed (key_handle, sealed, person_tag): case_id and person_id stay empty
-- on all but the entries about no case (sign-ins, account work, refused
-- probes). Their indexes need only the rows that have them; every case
-- read or write then maintains two indexes fewer. Searches by case_id or
-- person_id (equality) still use them.
DROP INDEX access_log_case;
DROP INDEX access_log_person;
CREATE INDEX access_log_case ON access_log (case_id, id) WHERE case_id IS NOT NULL;
CREATE INDEX access_log_person ON access_log (person_id, id) WHERE person_id IS NOT NULL;
