-- Notifications (issue 6): the outbox written in the transaction of the step
-- that causes a message, and the deadline reminders already sent.
--
-- A row holds no case content and no address: the case number is the only
-- case detail a message may carry, and the address is read from persons when
-- the message is sent. last_error_type is a fixed identifier of the kind of
-- failure ("connect", "smtp_rcpt_temporary", …), never the server's text,
-- which can echo addresses.

CREATE TABLE outbox (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    case_number      text NOT NULL,
    recipient_id     uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    language         text NOT NULL CHECK (language IN ('nl', 'en')),
    due_on           date,                 -- the statutory due date, for the acknowledgement and reminders
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error_type  text CHECK (last_error_type ~ '^[a-z0-9_]{1,40}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- The worker's claim: the oldest due pending row.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (created_at) WHERE status = 'dead';
CREATE INDEX outbox_case ON outbox (case_id);
CREATE INDEX outbox_recipient ON outbox (recipient_id);

-- One row per case and threshold whose reminder went out; due_on is the
-- deadline it was about, so that a later deadline (after an extension)
-- earns its own reminder while the same deadline never earns two.
CREATE TABLE deadline_reminders (
    case_id    uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    threshold  text NOT NULL CHECK (threshold IN ('due_soon', 'overdue')),
    due_on     date NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, threshold)
);
