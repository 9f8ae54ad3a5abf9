-- Issue 15: the remaining statutory paths and retention of every finished case.

-- When the case reached its finished state (decided, inadmissible,
-- withdrawn, resolved informally): the scheduled job closes it a set period
-- later, and the retention term then runs from closing. Cases finished
-- before this migration take the time of the timeline entry that finished
-- them.
ALTER TABLE cases ADD COLUMN finished_at timestamptz;
UPDATE cases c SET finished_at = coalesce(
    (SELECT max(e.at) FROM case_events e WHERE e.case_id = c.id AND e.to_state = c.state), c.updated_at)
WHERE c.state IN ('decided', 'inadmissible', 'withdrawn', 'resolved_informally');
CREATE INDEX cases_finished ON cases (finished_at) WHERE state IN ('decided', 'inadmissible', 'withdrawn', 'resolved_informally');

-- A further delay of the decision with the complainant's written consent
-- (Awb 9:11 lid 3): each one recorded with its new due date and the consent
-- it rests on.
CREATE TABLE term_delays (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    previous_due_on     date NOT NULL,
    new_due_on          date NOT NULL CHECK (new_due_on > previous_due_on),
    consent_received_on date NOT NULL,
    consent_form        text NOT NULL CHECK (consent_form IN ('letter', 'email', 'case_message')),
    reason_enc          bytea NOT NULL,
    recorded_by         uuid NOT NULL REFERENCES persons (id),
    recorded_at         timestamptz NOT NULL
);
CREATE INDEX term_delays_case ON term_delays (case_id, recorded_at);

-- A side the committee did not hear, with the statutory ground (Awb 9:10
-- lid 2 for the complainant; for the respondent, the opportunity of lid 1
-- offered and not taken). One per side.
CREATE TABLE hearing_waivers (
    case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    side        text NOT NULL CHECK (side IN ('complainant', 'respondent')),
    ground      text NOT NULL CHECK (ground IN ('manifestly_unfounded', 'waived', 'no_timely_response')),
    reason_enc  bytea NOT NULL,
    recorded_by uuid NOT NULL REFERENCES persons (id),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, side),
    CHECK (side = 'complainant' OR ground <> 'manifestly_unfounded')
);

-- The reminders of the four-week term to say a complaint will not be
-- handled (Awb 9:8 lid 3) share the deadline watch's table.
ALTER TABLE deadline_reminders DROP CONSTRAINT deadline_reminders_threshold_check;
ALTER TABLE deadline_reminders ADD CONSTRAINT deadline_reminders_threshold_check
    CHECK (threshold IN ('due_soon', 'overdue', 'not_handled_due_soon'));
