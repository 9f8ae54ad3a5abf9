-- The access log becomes a verifiable transparency log (docs/access-log.md).
--
-- access_log keeps one row per entry, inserted in the caller's transaction
-- with no lock and no read of other rows: the hash chain and its global lock
-- go. A trigger queues each new entry; the sequencer (one instance at a
-- time) gives queued entries consecutive positions in an RFC 6962 Merkle
-- tree, stores the tree's node hashes and a signed checkpoint, and removes
-- them from the queue, all in one transaction.
ALTER TABLE access_log DROP COLUMN prev_hash, DROP COLUMN hash;

-- Entries about a case name the case and the person in sealed form: an
-- AES-GCM box under the case's log key (log_case_keys), with the key's
-- random handle and a keyed tag of the person for searching. Purging the
-- case deletes its log key; the entries stay, unchanged and verifiable, but
-- name no one. digest binds a signed document (an export, a report) to its
-- entry.
ALTER TABLE access_log
    ADD COLUMN key_handle uuid,
    ADD COLUMN sealed     bytea,
    ADD COLUMN person_tag bytea,
    ADD COLUMN digest     bytea;
CREATE INDEX access_log_handle ON access_log (key_handle, id) WHERE key_handle IS NOT NULL;
CREATE INDEX access_log_person_tag ON access_log (person_tag) WHERE person_tag IS NOT NULL;
CREATE INDEX access_log_action ON access_log (action, id);
CREATE INDEX access_log_at ON access_log (at);

CREATE TABLE log_case_keys (
    case_id uuid PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    handle  uuid NOT NULL UNIQUE,
    key     bytea NOT NULL
);

-- Entries committed but not yet in the tree.
CREATE TABLE access_log_queue (
    entry_id bigint PRIMARY KEY
);
CREATE FUNCTION access_log_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO access_log_queue (entry_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER access_log_enqueue AFTER INSERT ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_enqueue();
INSERT INTO access_log_queue (entry_id) SELECT id FROM access_log;

-- The tree: which entry stands at which position, and every node hash of
-- every complete subtree (level 0: the leaf hashes), enough for inclusion
-- and consistency proofs at any size.
CREATE TABLE log_leaves (
    position bigint PRIMARY KEY,
    entry_id bigint NOT NULL UNIQUE
);
CREATE TABLE log_nodes (
    level smallint NOT NULL,
    idx   bigint NOT NULL,
    hash  bytea NOT NULL,
    PRIMARY KEY (level, idx)
);
-- Every signed checkpoint (the signed note, as also written outside the
-- database).
CREATE TABLE log_checkpoints (
    size      bigint PRIMARY KEY,
    root      bytea NOT NULL,
    note      text NOT NULL,
    signed_at timestamptz NOT NULL
);
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON log_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON log_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
-- What the application role may do with these tables is set in
-- internal/platform/db/roles.go (log_leaves, log_nodes, log_checkpoints:
-- read and append only).
