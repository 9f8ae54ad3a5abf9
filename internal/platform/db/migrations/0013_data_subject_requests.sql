-- Data-subject requests (GDPR art. 15 access, art. 20 portability) as
-- records: the privacy officer exports another person's data only under an
-- open request, which says who asked and when, how their identity was
-- checked, on which basis, and by when it must be answered (one month).
CREATE TABLE data_subject_requests (
    id             uuid PRIMARY KEY,
    subject_id     uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    requested_by   text NOT NULL,
    received_on    date NOT NULL,
    identity_check text NOT NULL,
    legal_basis    text NOT NULL CHECK (legal_basis IN ('art15', 'art20')),
    due_on         date NOT NULL,
    recorded_by    uuid NOT NULL REFERENCES persons (id),
    recorded_at    timestamptz NOT NULL,
    closed_at      timestamptz,
    closed_by      uuid REFERENCES persons (id),
    outcome        text CHECK (outcome IN ('completed', 'refused', 'withdrawn')),
    CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX data_subject_requests_open ON data_subject_requests (due_on) WHERE closed_at IS NULL;
CREATE INDEX data_subject_requests_subject ON data_subject_requests (subject_id);

-- Every export made under a request.
CREATE TABLE data_subject_exports (
    id          bigserial PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES data_subject_requests (id) ON DELETE CASCADE,
    made_by     uuid NOT NULL REFERENCES persons (id),
    made_at     timestamptz NOT NULL
);

-- What a person is told in their own account about things others did with
-- their data: a complaint filed for them, an export of their data.
CREATE TABLE account_notices (
    id          bigserial PRIMARY KEY,
    person_id   uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('filed_on_behalf', 'data_export')),
    case_id     uuid REFERENCES cases (id) ON DELETE CASCADE,
    request_id  uuid REFERENCES data_subject_requests (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL
);
CREATE INDEX account_notices_person ON account_notices (person_id, at DESC);
