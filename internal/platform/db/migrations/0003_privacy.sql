-- Privacy controls (docs/design.md §4): the anonymous statistical record, legal
-- holds, purge runs, and an application role that cannot change the access log.

-- One anonymous statistical record per case, kept when the case is purged.
-- It holds no names and no text, and no link to the case: the case holds
-- the record's id only encrypted (stats_id_enc), so without the master key
-- a record cannot be tied to a person. The annual report reads only this.
CREATE TABLE case_stats (
    id                   uuid PRIMARY KEY,
    ministry             text NOT NULL,
    respondent_ministry  text,
    category             text NOT NULL,
    ground               text,
    filed_on             date NOT NULL,
    received_on          date,
    due_on               date,
    extended             boolean NOT NULL DEFAULT false,
    state                text NOT NULL,
    admissible           boolean,
    inadmissible_ground  text,
    withdrawn            boolean NOT NULL DEFAULT false,
    resolved_informally  boolean NOT NULL DEFAULT false,
    judgement            text,
    elements_founded     integer NOT NULL DEFAULT 0,
    elements_partly      integer NOT NULL DEFAULT 0,
    elements_unfounded   integer NOT NULL DEFAULT 0,
    follows_advice       boolean,
    advised_on           date,
    decided_on           date,
    closed_on            date,
    hearings_held        integer NOT NULL DEFAULT 0,
    purged_on            date
);
CREATE INDEX case_stats_filed ON case_stats (filed_on);

ALTER TABLE cases ADD COLUMN stats_id_enc bytea;
ALTER TABLE cases ADD COLUMN legal_hold_reason_enc bytea;

-- Signals are counted after they are purged too.
CREATE TABLE signal_stats (
    id        uuid PRIMARY KEY,
    ministry  text,
    category  text NOT NULL,
    filed_on  date NOT NULL
);
ALTER TABLE signals ADD COLUMN stats_id uuid;

-- What each purge run did: counts only, never content.
CREATE TABLE purge_runs (
    id             bigserial PRIMARY KEY,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    dry_run        boolean NOT NULL,
    cases_purged   integer NOT NULL,
    signals_purged integer NOT NULL,
    attachments_purged integer NOT NULL,
    held_back      integer NOT NULL
);

-- The application role. The binary connects as the database owner to
-- migrate, then works as rkc_app, which may read and append the access log
-- but not change or remove it. Where the connecting user may not create
-- roles (some managed services), this is skipped with a notice and the
-- append-only trigger of migration 2 still guards the log.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rkc_app') THEN
        CREATE ROLE rkc_app NOLOGIN;
    END IF;
    EXECUTE format('GRANT rkc_app TO %I', current_user);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'rkc_app role not created: %', SQLERRM;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rkc_app') THEN
        GRANT USAGE ON SCHEMA public TO rkc_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO rkc_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO rkc_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM rkc_app;
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM rkc_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rkc_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO rkc_app;
    END IF;
END $$;
