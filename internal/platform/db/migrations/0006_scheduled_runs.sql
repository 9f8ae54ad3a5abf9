-- Rounds of the scheduled jobs (retention purge, deadline watch). A round is
-- the job's interval counted from the epoch by the database's clock; the
-- primary key lets one instance claim a round, so that with any number of
-- instances each job runs once per round (cmd/api/schedule.go).
CREATE TABLE scheduled_runs (
    job         text NOT NULL CHECK (job ~ '^[a-z_]{1,40}$'),
    round       bigint NOT NULL,
    instance    text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (job, round)
);
CREATE INDEX scheduled_runs_started ON scheduled_runs (started_at);
