-- Conversations inside a case (issue 10): witnesses, message threads with
-- each party, the panel's internal notes, and reports of retaliation
-- (benadeling). Columns named *_enc are sealed with the case's data key and
-- bound to their row, like the rest of the case file; every table hangs off
-- the case and goes with it when the case is purged.

-- A person may be a witness of a case; the role follows from the link, like
-- the respondent's (migration 2 knew only the ten roles of docs/design.md §1).
ALTER TABLE role_grants DROP CONSTRAINT role_grants_role_check;
ALTER TABLE role_grants ADD CONSTRAINT role_grants_role_check CHECK (role IN ('complainant', 'respondent', 'adviser',
    'secretary', 'member', 'chair', 'authority', 'reporter', 'admin', 'privacy_officer', 'witness'));

-- A witness the secretary added to a case: who proposed them, and, when they
-- have an account, the person, who then relates to the case as its witness
-- and sees their own thread, hearings and statement. version counts the
-- edits of the statement (optimistic concurrency, like hearing records).
CREATE TABLE witnesses (
    seq bigserial NOT NULL UNIQUE, -- the order of writing (a frozen clock gives equal times)
    id                    uuid PRIMARY KEY,
    case_id               uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    proposed_by           text NOT NULL CHECK (proposed_by IN ('complainant', 'respondent', 'committee')),
    person_id             uuid REFERENCES persons (id),
    name_enc              bytea NOT NULL,
    contact_enc           bytea,
    statement_enc         bytea,
    statement_recorded_at timestamptz,
    version               integer NOT NULL DEFAULT 1,
    added_by              uuid NOT NULL REFERENCES persons (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, person_id)
);
CREATE INDEX witnesses_case ON witnesses (case_id, seq);
CREATE INDEX witnesses_person ON witnesses (person_id) WHERE person_id IS NOT NULL;

-- A hearing of a witness names the witness.
ALTER TABLE hearings ADD COLUMN witness_id uuid REFERENCES witnesses (id) ON DELETE CASCADE;
ALTER TABLE hearings ADD CONSTRAINT hearings_witness_only CHECK (witness_id IS NULL OR parties = 'witness');

-- Timeline entries meant for one party's side only (a message in their
-- thread): NULL for entries every party may see (visible_to_parties still
-- applies), else the side, and for a witness which one.
ALTER TABLE case_events ADD COLUMN audience text CHECK (audience IN ('complainant', 'respondent', 'witness'));
ALTER TABLE case_events ADD COLUMN witness_id uuid REFERENCES witnesses (id) ON DELETE CASCADE;
ALTER TABLE case_events ADD CONSTRAINT case_events_witness_audience CHECK ((audience = 'witness') = (witness_id IS NOT NULL));

-- Messages between the committee and one party: the complainant's thread
-- (complainant and adviser), the respondent's, and one per witness.
CREATE TABLE messages (
    seq bigserial NOT NULL UNIQUE, -- the order of writing (a frozen clock gives equal times)
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    thread          text NOT NULL CHECK (thread IN ('complainant', 'respondent', 'witness')),
    witness_id      uuid REFERENCES witnesses (id) ON DELETE CASCADE,
    author_id       uuid NOT NULL REFERENCES persons (id),
    author_role     text NOT NULL,   -- the author's relation to the case
    from_committee  boolean NOT NULL,
    body_enc        bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((thread = 'witness') = (witness_id IS NOT NULL))
);
CREATE INDEX messages_thread ON messages (case_id, thread, witness_id, seq);

CREATE TABLE message_attachments (
    seq bigserial NOT NULL UNIQUE,
    id            uuid PRIMARY KEY,
    message_id    uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    case_id       uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    filename_enc  bytea NOT NULL,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL,
    content_enc   bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_attachments_message ON message_attachments (message_id);

-- The panel's working papers: notes and draft findings, seen by the panel,
-- the chair and the secretary only. Every edit is a new version; versions
-- are never changed (the guard below), only removed with the case.
CREATE TABLE notes (
    seq bigserial NOT NULL UNIQUE, -- the order of writing (a frozen clock gives equal times)
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('note', 'draft_findings')),
    version     integer NOT NULL CHECK (version > 0),
    created_by  uuid NOT NULL REFERENCES persons (id),
    created_at  timestamptz NOT NULL,
    updated_by  uuid NOT NULL REFERENCES persons (id),
    updated_at  timestamptz NOT NULL
);
CREATE INDEX notes_case ON notes (case_id, seq);

CREATE TABLE note_versions (
    note_id     uuid NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 0),
    title_enc   bytea,
    body_enc    bytea NOT NULL,
    author_id   uuid NOT NULL REFERENCES persons (id),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (note_id, version)
);

CREATE FUNCTION note_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'note_versions: a saved version is never changed; save a new one';
END $$;
CREATE TRIGGER note_versions_no_update BEFORE UPDATE ON note_versions
    FOR EACH ROW EXECUTE FUNCTION note_versions_immutable();

-- Reports of retaliation (benadeling) by a complainant, respondent or
-- witness, handled by the chair: received → under_review →
-- referred_to_authority → closed. Each change is recorded in
-- retaliation_events with who, when and why.
CREATE TABLE retaliation_reports (
    seq bigserial NOT NULL UNIQUE, -- the order of writing (a frozen clock gives equal times)
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reporter_id         uuid NOT NULL REFERENCES persons (id),
    side                text NOT NULL CHECK (side IN ('complainant', 'respondent', 'witness')),
    witness_id          uuid REFERENCES witnesses (id) ON DELETE CASCADE,
    state               text NOT NULL CHECK (state IN ('received', 'under_review', 'referred_to_authority', 'closed')),
    version             integer NOT NULL DEFAULT 1,
    description_enc     bytea NOT NULL,
    recommendation_enc  bytea,
    authority_ministry  text REFERENCES ministries (code),
    stats_id_enc        bytea NOT NULL,
    filed_at            timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK ((side = 'witness') = (witness_id IS NOT NULL))
);
CREATE INDEX retaliation_reports_case ON retaliation_reports (case_id, seq);

CREATE TABLE retaliation_events (
    id          bigserial PRIMARY KEY,
    report_id   uuid NOT NULL REFERENCES retaliation_reports (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    actor_id    uuid REFERENCES persons (id),
    actor_role  text NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    reason_enc  bytea
);
CREATE INDEX retaliation_events_report ON retaliation_events (report_id, id);

-- The anonymous statistical record of a retaliation report, kept when the
-- case is purged: no names, no text, and no link to the report but through
-- the report's encrypted stats_id_enc (as case_stats, migration 3). The
-- annual report counts these by the year filed and the case's ministry.
CREATE TABLE retaliation_stats (
    id        uuid PRIMARY KEY,
    ministry  text NOT NULL,
    side      text NOT NULL,
    filed_on  date NOT NULL,
    state     text NOT NULL,
    referred  boolean NOT NULL DEFAULT false
);
CREATE INDEX retaliation_stats_filed ON retaliation_stats (filed_on);
