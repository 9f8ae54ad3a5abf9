-- Complaint drafts of the web form, sealed like a case file (a data key per
-- draft wrapped by the master key), so that a draft survives restarts and is
-- seen by every instance. Dropped after a week untouched.
CREATE TABLE complaint_drafts (
    person_id   uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    data_key    bytea NOT NULL,
    data_key_id text NOT NULL,
    body_enc    bytea NOT NULL,
    updated_at  timestamptz NOT NULL
);
