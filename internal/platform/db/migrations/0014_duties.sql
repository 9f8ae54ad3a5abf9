-- Separation of duties and sealed second factors (issue 14).

-- TOTP secrets are sealed under a data key of their own, wrapped by the
-- master keys (accounts/totpseal.go). The plain columns of 0007 are kept
-- aside until the service seals what they hold at start and empties them.
ALTER TABLE totp_secrets RENAME COLUMN secret TO plain_secret;
ALTER TABLE totp_secrets RENAME COLUMN pending_secret TO plain_pending;
ALTER TABLE totp_secrets
    ADD COLUMN secret_sealed  bytea,
    ADD COLUMN pending_sealed bytea,
    ADD COLUMN data_key       bytea,
    ADD COLUMN data_key_id    text,
    -- the key-rotation job (privacy.Rotate) finds rows by id, as it does cases
    ADD COLUMN id uuid GENERATED ALWAYS AS (person_id) STORED;

-- A role grant that needs a second person's confirmation (committee,
-- authority, privacy officer, admin): requested by one, decided by another.
CREATE TABLE grant_requests (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id    uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    role         text NOT NULL,
    domain       text NOT NULL CHECK (domain = '*' OR domain ~ '^[A-Za-z]{2,8}$'),
    requested_by uuid REFERENCES persons (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by   uuid REFERENCES persons (id),
    decided_at   timestamptz,
    outcome      text CHECK (outcome IN ('confirmed', 'refused')),
    CHECK ((decided_at IS NULL) = (outcome IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> person_id),
    CHECK (decided_by IS NULL OR requested_by IS NULL OR decided_by <> requested_by)
);
-- One open request per grant.
CREATE UNIQUE INDEX grant_requests_open ON grant_requests (person_id, role, domain) WHERE decided_at IS NULL;

-- The first admin's printed password works once: the first sign-in must
-- replace it (and set up a second factor) before anything else.
ALTER TABLE persons ADD COLUMN password_must_change boolean NOT NULL DEFAULT false;
ALTER TABLE sessions DROP CONSTRAINT sessions_pending_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_pending_check CHECK (pending IN ('otp', 'enrolment', 'new-password'));
