-- An event's id taken before its row is written, so that its sealed reason
-- can be bound to it.
SELECT nextval('case_events_id_seq')
