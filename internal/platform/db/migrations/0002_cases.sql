-- Complaints under Awb chapter 9 and anonymous signals. Columns of type bytea
-- named *_enc hold values sealed with the case's own data key (AES-256-GCM,
-- internal/crypto); the key is stored only wrapped by a master key that never
-- lives in the database.

CREATE TABLE designated_days (
    day    date PRIMARY KEY,
    name   text NOT NULL,
    source text NOT NULL
);

CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    id                   uuid PRIMARY KEY,
    number               text NOT NULL UNIQUE,
    state                text NOT NULL CHECK (state IN ('submitted', 'registered', 'awaiting_information',
                             'admissible', 'inadmissible', 'investigating', 'advised', 'decided',
                             'withdrawn', 'resolved_informally', 'closed')),
    version              integer NOT NULL DEFAULT 1,
    ministry             text NOT NULL REFERENCES ministries (code),   -- the complainant's ministry
    respondent_ministry  text REFERENCES ministries (code),            -- whose authority decides
    category             text NOT NULL CHECK (category IN ('sexual_harassment', 'aggression_violence',
                             'bullying', 'discrimination', 'other')),
    complainant_id       uuid NOT NULL REFERENCES persons (id),
    adviser_id           uuid REFERENCES persons (id),
    respondent_id        uuid REFERENCES persons (id),
    filed_by             uuid NOT NULL REFERENCES persons (id),
    filed_at             timestamptz NOT NULL DEFAULT now(),
    received_on          date,
    registered_at        timestamptz,
    due_on               date,
    not_handled_due_on   date,
    extended             boolean NOT NULL DEFAULT false,
    admissible           boolean,
    inadmissible_ground  text,
    respondent_informed_at timestamptz,
    advised_at           timestamptz,
    decided_at           timestamptz,
    closed_at            timestamptz,
    legal_hold           boolean NOT NULL DEFAULT false,
    data_key             bytea NOT NULL,
    data_key_id          text NOT NULL,
    -- sealed with the case key
    consent_enc             bytea,   -- adviser: the complainant's recorded consent
    complainant_contact_enc bytea,   -- never shown to the respondent
    respondent_name_enc     bytea,
    respondent_function_enc bytea,
    description_enc         bytea NOT NULL,
    incident_when_enc       bytea,
    incident_where_enc      bytea,
    ground_enc              bytea,   -- discrimination ground
    witnesses_enc           bytea,
    wished_outcome_enc      bytea,
    extension_reason_enc    bytea,
    admissibility_reason_enc bytea,
    late_admission_reason_enc bytea,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_complainant ON cases (complainant_id);
CREATE INDEX cases_adviser ON cases (adviser_id) WHERE adviser_id IS NOT NULL;
CREATE INDEX cases_respondent ON cases (respondent_id) WHERE respondent_id IS NOT NULL;
CREATE INDEX cases_due ON cases (due_on) WHERE due_on IS NOT NULL;

-- The parts of a complaint; the advice judges each one.
CREATE TABLE case_elements (
    case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position         integer NOT NULL CHECK (position > 0),
    description_enc  bytea NOT NULL,
    judgement        text CHECK (judgement IN ('founded', 'partly_founded', 'unfounded')),
    PRIMARY KEY (case_id, position)
);

CREATE TABLE case_events (
    id          bigserial PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES persons (id),
    actor_role  text NOT NULL,
    kind        text NOT NULL,
    from_state  text,
    to_state    text,
    reason_enc  bytea,
    -- parties see only events meant for them; staff see every event
    visible_to_parties boolean NOT NULL DEFAULT true
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE panel_members (
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id   uuid NOT NULL REFERENCES persons (id),
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX panel_members_person ON panel_members (person_id);

CREATE TABLE conflicts (
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id   uuid NOT NULL REFERENCES persons (id),
    reason_enc  bytea NOT NULL,
    declared_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, person_id)
);

CREATE TABLE information_requests (
    id             uuid PRIMARY KEY,
    case_id        uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    what_enc       bytea NOT NULL,
    term_until     date NOT NULL,
    requested_by   uuid NOT NULL REFERENCES persons (id),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    answered_at    timestamptz
);

CREATE TABLE statements (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES persons (id),
    side        text NOT NULL CHECK (side IN ('complainant', 'respondent')),
    body_enc    bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX statements_case ON statements (case_id, created_at);

CREATE TABLE attachments (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    uploaded_by   uuid NOT NULL REFERENCES persons (id),
    side          text NOT NULL CHECK (side IN ('complainant', 'respondent', 'committee')),
    filename_enc  bytea NOT NULL,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL,
    content_enc   bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_case ON attachments (case_id, created_at);

CREATE TABLE hearings (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    planned_at   timestamptz NOT NULL,
    parties      text NOT NULL CHECK (parties IN ('complainant', 'respondent', 'both', 'witness')),
    location_enc bytea,
    minutes_enc  bytea,
    held         boolean NOT NULL DEFAULT false,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hearings_case ON hearings (case_id, planned_at);

CREATE TABLE advices (
    case_id       uuid PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    findings_enc  bytea NOT NULL,
    measures_enc  bytea,
    judgement     text NOT NULL CHECK (judgement IN ('founded', 'partly_founded', 'unfounded')),
    signed_by     uuid NOT NULL REFERENCES persons (id),
    adopted_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decisions (
    case_id         uuid PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    follows_advice  boolean NOT NULL,
    reasons_enc     bytea,
    decided_by      uuid NOT NULL REFERENCES persons (id),
    decided_at      timestamptz NOT NULL DEFAULT now()
);

-- Anonymous signals (meldingen). Only a hash of the receipt code is kept.
CREATE TABLE signals (
    id            uuid PRIMARY KEY,
    receipt_hash  bytea NOT NULL UNIQUE,
    ministry      text REFERENCES ministries (code),
    category      text NOT NULL CHECK (category IN ('sexual_harassment', 'aggression_violence',
                       'bullying', 'discrimination', 'other')),
    data_key      bytea NOT NULL,
    data_key_id   text NOT NULL,
    legal_hold    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    converted_case_id uuid REFERENCES cases (id)
);

CREATE TABLE signal_messages (
    id          bigserial PRIMARY KEY,
    signal_id   uuid NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    from_committee boolean NOT NULL,
    author_id   uuid REFERENCES persons (id),
    body_enc    bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_messages_signal ON signal_messages (signal_id, id);

-- The access log: append-only and hash-chained. Every read or write of a
-- case's personal data adds a row in the same transaction.
CREATE TABLE access_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    person_id   uuid,
    role        text NOT NULL,
    case_id     uuid,
    action      text NOT NULL,
    client      text NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);
CREATE INDEX access_log_case ON access_log (case_id, id);
CREATE INDEX access_log_person ON access_log (person_id, id);

-- Append-only, also against the application's own connection: changing or
-- removing a row needs a superuser to drop this trigger, which the chain
-- check then exposes.
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only';
END $$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
