-- The annual report (docs/design.md §5): the committee's recommendations per year,
-- and running totals of the anonymous statistical record.

-- The chair's recommendations and notes for a year. Every save is a new
-- version row; adopting marks the latest version, after which the year is
-- closed to edits. The guard below enforces both for every database user,
-- so a bug in the application cannot rewrite an adopted text.
CREATE TABLE report_recommendations (
    year        integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    version     integer NOT NULL CHECK (version > 0),
    text        text NOT NULL,
    author_id   uuid NOT NULL REFERENCES persons (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    adopted_at  timestamptz,
    adopted_by  uuid REFERENCES persons (id),
    PRIMARY KEY (year, version),
    CHECK ((adopted_at IS NULL) = (adopted_by IS NULL))
);
CREATE UNIQUE INDEX report_recommendations_adopted ON report_recommendations (year) WHERE adopted_at IS NOT NULL;

CREATE FUNCTION report_recommendations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'report_recommendations: versions are never removed';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM report_recommendations WHERE year = NEW.year AND adopted_at IS NOT NULL) THEN
            RAISE EXCEPTION 'report_recommendations: % is adopted', NEW.year USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.version <> coalesce((SELECT max(version) FROM report_recommendations WHERE year = NEW.year), 0) + 1 THEN
            RAISE EXCEPTION 'report_recommendations: version % is not the next', NEW.version USING ERRCODE = 'unique_violation';
        END IF;
        IF NEW.adopted_at IS NOT NULL THEN
            RAISE EXCEPTION 'report_recommendations: a version is adopted after it is saved';
        END IF;
        RETURN NEW;
    END IF;
    -- UPDATE: only adopting the latest version, once.
    IF OLD.adopted_at IS NOT NULL THEN
        RAISE EXCEPTION 'report_recommendations: % is adopted', OLD.year USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.adopted_at IS NULL
        OR (NEW.year, NEW.version, NEW.text, NEW.author_id, NEW.created_at) IS DISTINCT FROM
           (OLD.year, OLD.version, OLD.text, OLD.author_id, OLD.created_at) THEN
        RAISE EXCEPTION 'report_recommendations: a saved version only changes by being adopted';
    END IF;
    IF OLD.version <> (SELECT max(version) FROM report_recommendations WHERE year = OLD.year) THEN
        RAISE EXCEPTION 'report_recommendations: only the latest version can be adopted' USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER report_recommendations_guard BEFORE INSERT OR UPDATE OR DELETE ON report_recommendations
    FOR EACH ROW EXECUTE FUNCTION report_recommendations_guard();

-- Running totals of case_stats and signal_stats. The report reads these
-- (thousands of rows) instead of the records themselves (a million after a
-- few decades): one aggregate over a million records takes about a second on
-- a small machine, and the report needs about fifteen. Statement triggers
-- keep them exact: each statement on the records adds its new rows and
-- subtracts its old ones in one ordered upsert per table, so concurrent
-- steps lock totals in the same order and cannot deadlock.
--
-- Every derived column below is a definition the report publishes; the
-- named queries in internal/reporting/sql read these tables and say which.

-- Complaints by the year they were filed (filed_on), with what became of them.
CREATE TABLE report_filed (
    year                integer NOT NULL,
    ministry            text NOT NULL,      -- the complainant's ministry
    category            text NOT NULL,
    ground              text NOT NULL,      -- discrimination ground; '' for other categories
    admissibility       text NOT NULL,      -- admissible | inadmissible | undetermined
    inadmissible_ground text NOT NULL,      -- '' unless inadmissible
    course              text NOT NULL,      -- inadmissible | withdrawn | resolved_informally | advised | decided | in_progress
    with_hearing        boolean NOT NULL,   -- at least one hearing held
    cases               bigint NOT NULL,
    hearings            bigint NOT NULL,    -- hearings held
    PRIMARY KEY (year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing)
);

-- Advices by the year they were given (advised_on).
CREATE TABLE report_advised (
    year               integer NOT NULL,
    ministry           text NOT NULL,
    judgement          text NOT NULL,
    cases              bigint NOT NULL,
    elements_founded   bigint NOT NULL,
    elements_partly    bigint NOT NULL,
    elements_unfounded bigint NOT NULL,
    PRIMARY KEY (year, ministry, judgement)
);

-- Decisions by the year they were taken (decided_on).
CREATE TABLE report_decided (
    year            integer NOT NULL,
    ministry        text NOT NULL,
    follows_advice  text NOT NULL,      -- followed | departed | not_recorded
    within_term     boolean NOT NULL,   -- decided_on <= due_on (the due date after any extension)
    extended        boolean NOT NULL,
    days            integer NOT NULL,   -- decided_on - received_on; -1 when not received
    cases           bigint NOT NULL,
    PRIMARY KEY (year, ministry, follows_advice, within_term, extended, days)
);

-- Cases that ran over at least one year end, by the year they were received,
-- the first year at whose end their term had passed (year of due_on + 1 day,
-- so due_on < 31 December of that year), and the year they ended (decided,
-- or closed; 9999 while still open). A case is open at the end of year y
-- when received_year <= y < ended_year, and overdue then when also
-- due_year <= y. Cases that end without a date (withdrawn, inadmissible or
-- resolved informally and not yet closed) count as ended when received:
-- the record holds no later date for them. Cases received and ended in the
-- same year are never open at a year end and are left out.
CREATE TABLE report_open (
    ministry       text NOT NULL,
    received_year  integer NOT NULL,
    due_year       integer NOT NULL,   -- 9999 without a due date
    ended_year     integer NOT NULL,   -- 9999 while open
    cases          bigint NOT NULL,
    PRIMARY KEY (received_year, ministry, due_year, ended_year)
);

-- Signals by the year they were filed; ministry '' when not given.
CREATE TABLE report_signals (
    year      integer NOT NULL,
    ministry  text NOT NULL,
    category  text NOT NULL,
    signals   bigint NOT NULL,
    PRIMARY KEY (year, ministry, category)
);

-- The upserts that apply a set of case_stats rows to the totals. src is a
-- relation with the columns of case_stats plus s: +1 for a row to add, -1
-- for one to subtract. The one definition serves the triggers and the
-- rebuild.
CREATE FUNCTION report_case_upserts(src text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $f$
SELECT format(q, src) FROM unnest(ARRAY[
$q$INSERT INTO report_filed AS r (year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing, cases, hearings)
SELECT extract(year FROM c.filed_on)::integer, c.ministry, c.category,
       CASE WHEN c.category = 'discrimination' THEN coalesce(c.ground, 'not_recorded') ELSE '' END,
       CASE c.admissible WHEN true THEN 'admissible' WHEN false THEN 'inadmissible' ELSE 'undetermined' END,
       CASE WHEN c.admissible IS FALSE THEN coalesce(c.inadmissible_ground, 'not_recorded') ELSE '' END,
       CASE WHEN c.admissible IS FALSE THEN 'inadmissible'
            WHEN c.withdrawn THEN 'withdrawn'
            WHEN c.resolved_informally THEN 'resolved_informally'
            WHEN c.decided_on IS NOT NULL THEN 'decided'
            WHEN c.advised_on IS NOT NULL THEN 'advised'
            ELSE 'in_progress' END,
       c.hearings_held > 0,
       sum(c.s), sum(c.s * c.hearings_held)
FROM %1$s c
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
HAVING sum(c.s) <> 0 OR sum(c.s * c.hearings_held) <> 0
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
ON CONFLICT (year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing)
DO UPDATE SET cases = r.cases + EXCLUDED.cases, hearings = r.hearings + EXCLUDED.hearings$q$,

$q$INSERT INTO report_advised AS r (year, ministry, judgement, cases, elements_founded, elements_partly, elements_unfounded)
SELECT extract(year FROM c.advised_on)::integer, c.ministry, coalesce(c.judgement, 'not_recorded'),
       sum(c.s), sum(c.s * c.elements_founded), sum(c.s * c.elements_partly), sum(c.s * c.elements_unfounded)
FROM %1$s c
WHERE c.advised_on IS NOT NULL
GROUP BY 1, 2, 3
HAVING sum(c.s) <> 0 OR sum(c.s * c.elements_founded) <> 0 OR sum(c.s * c.elements_partly) <> 0
    OR sum(c.s * c.elements_unfounded) <> 0
ORDER BY 1, 2, 3
ON CONFLICT (year, ministry, judgement) DO UPDATE SET cases = r.cases + EXCLUDED.cases,
    elements_founded = r.elements_founded + EXCLUDED.elements_founded,
    elements_partly = r.elements_partly + EXCLUDED.elements_partly,
    elements_unfounded = r.elements_unfounded + EXCLUDED.elements_unfounded$q$,

$q$INSERT INTO report_decided AS r (year, ministry, follows_advice, within_term, extended, days, cases)
SELECT extract(year FROM c.decided_on)::integer, c.ministry,
       CASE c.follows_advice WHEN true THEN 'followed' WHEN false THEN 'departed' ELSE 'not_recorded' END,
       coalesce(c.decided_on <= c.due_on, false), c.extended,
       coalesce(c.decided_on - c.received_on, -1),
       sum(c.s)
FROM %1$s c
WHERE c.decided_on IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
HAVING sum(c.s) <> 0
ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT (year, ministry, follows_advice, within_term, extended, days) DO UPDATE SET cases = r.cases + EXCLUDED.cases$q$,

$q$INSERT INTO report_open AS r (received_year, ministry, due_year, ended_year, cases)
SELECT o.received_year, o.ministry, o.due_year, o.ended_year, sum(o.s)
FROM (SELECT c.s, c.ministry,
             extract(year FROM c.received_on)::integer AS received_year,
             coalesce(extract(year FROM c.due_on + 1)::integer, 9999) AS due_year,
             coalesce(extract(year FROM least(c.decided_on, c.closed_on))::integer,
                      CASE WHEN c.state IN ('withdrawn', 'inadmissible', 'resolved_informally', 'decided', 'closed')
                           THEN extract(year FROM c.received_on)::integer ELSE 9999 END) AS ended_year
      FROM %1$s c
      WHERE c.received_on IS NOT NULL) o
WHERE o.ended_year > o.received_year
GROUP BY 1, 2, 3, 4
HAVING sum(o.s) <> 0
ORDER BY 1, 2, 3, 4
ON CONFLICT (received_year, ministry, due_year, ended_year) DO UPDATE SET cases = r.cases + EXCLUDED.cases$q$
]) AS q
$f$;

CREATE FUNCTION report_signal_upserts(src text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$INSERT INTO report_signals AS r (year, ministry, category, signals)
SELECT extract(year FROM c.filed_on)::integer, coalesce(c.ministry, ''), c.category, sum(c.s)
FROM %1$s c
GROUP BY 1, 2, 3
HAVING sum(c.s) <> 0
ORDER BY 1, 2, 3
ON CONFLICT (year, ministry, category) DO UPDATE SET signals = r.signals + EXCLUDED.signals$q$, src)
$f$;

-- One trigger function per source table; the transition tables are named
-- new_rows and old_rows, and the dynamic upserts see them. The larger
-- work_mem lets a bulk load (seed synthetic, a restore) aggregate in memory
-- instead of sorting a million rows on disk; a single step needs none of it.
CREATE FUNCTION report_case_stats_changed() RETURNS trigger LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    q text;
BEGIN
    FOR q IN SELECT report_case_upserts(CASE TG_OP
        WHEN 'INSERT' THEN '(SELECT 1 AS s, n.* FROM new_rows n)'
        WHEN 'UPDATE' THEN '(SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1, o.* FROM old_rows o)'
        ELSE '(SELECT -1 AS s, o.* FROM old_rows o)' END)
    LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION report_signal_stats_changed() RETURNS trigger LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    q text;
BEGIN
    FOR q IN SELECT report_signal_upserts(CASE TG_OP
        WHEN 'INSERT' THEN '(SELECT 1 AS s, n.* FROM new_rows n)'
        WHEN 'UPDATE' THEN '(SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1, o.* FROM old_rows o)'
        ELSE '(SELECT -1 AS s, o.* FROM old_rows o)' END)
    LOOP
        EXECUTE q;
    END LOOP;
    RETURN NULL;
END $$;

-- Recomputes every total from the records (after a change of definition in
-- a later migration, or by hand after a restore).
CREATE FUNCTION report_rebuild() RETURNS void LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    q text;
BEGIN
    DELETE FROM report_filed;
    DELETE FROM report_advised;
    DELETE FROM report_decided;
    DELETE FROM report_open;
    DELETE FROM report_signals;
    FOR q IN SELECT report_case_upserts('(SELECT 1 AS s, c.* FROM case_stats c)') LOOP
        EXECUTE q;
    END LOOP;
    FOR q IN SELECT report_signal_upserts('(SELECT 1 AS s, c.* FROM signal_stats c)') LOOP
        EXECUTE q;
    END LOOP;
END $$;

CREATE FUNCTION report_stats_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'case_stats' THEN
        DELETE FROM report_filed;
        DELETE FROM report_advised;
        DELETE FROM report_decided;
        DELETE FROM report_open;
    ELSE
        DELETE FROM report_signals;
    END IF;
    RETURN NULL;
END $$;

-- Transition tables need one trigger per event.
CREATE TRIGGER report_case_stats_insert AFTER INSERT ON case_stats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_changed();
CREATE TRIGGER report_case_stats_update AFTER UPDATE ON case_stats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_changed();
CREATE TRIGGER report_case_stats_delete AFTER DELETE ON case_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_changed();
CREATE TRIGGER report_case_stats_truncate AFTER TRUNCATE ON case_stats
    FOR EACH STATEMENT EXECUTE FUNCTION report_stats_truncated();
CREATE TRIGGER report_signal_stats_insert AFTER INSERT ON signal_stats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_changed();
CREATE TRIGGER report_signal_stats_update AFTER UPDATE ON signal_stats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_changed();
CREATE TRIGGER report_signal_stats_delete AFTER DELETE ON signal_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_changed();
CREATE TRIGGER report_signal_stats_truncate AFTER TRUNCATE ON signal_stats
    FOR EACH STATEMENT EXECUTE FUNCTION report_stats_truncated();

SELECT report_rebuild();
