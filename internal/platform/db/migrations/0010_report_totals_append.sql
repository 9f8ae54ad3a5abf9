-- The report's running totals (migration 4) become append-only.
--
-- Until now each step upserted into the totals, so every case step that
-- touched the same year × ministry × category waited for the row lock of
-- the step before it until that one committed: one more lock shared by the
-- whole service. Now a step only inserts its signed change (+1/-1) as new
-- rows, with no unique key and no lock shared with anyone, and the report's
-- queries (which already sum over each group) add them up. report_compact(),
-- run by a scheduled job and after bulk loads, folds the changes into one
-- row per group again; it deletes only the rows its own snapshot sees, so
-- changes committed meanwhile are kept and nothing is counted twice.

ALTER TABLE report_filed DROP CONSTRAINT report_filed_pkey;
ALTER TABLE report_advised DROP CONSTRAINT report_advised_pkey;
ALTER TABLE report_decided DROP CONSTRAINT report_decided_pkey;
ALTER TABLE report_open DROP CONSTRAINT report_open_pkey;
ALTER TABLE report_signals DROP CONSTRAINT report_signals_pkey;
CREATE INDEX report_filed_year ON report_filed (year);
CREATE INDEX report_advised_year ON report_advised (year);
CREATE INDEX report_decided_year ON report_decided (year);
CREATE INDEX report_open_received ON report_open (received_year);
CREATE INDEX report_signals_year ON report_signals (year);

CREATE OR REPLACE FUNCTION report_case_upserts(src text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $f$
SELECT format(q, src) FROM unnest(ARRAY[
$q$INSERT INTO report_filed (year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing, cases, hearings)
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
HAVING sum(c.s) <> 0 OR sum(c.s * c.hearings_held) <> 0$q$,

$q$INSERT INTO report_advised (year, ministry, judgement, cases, elements_founded, elements_partly, elements_unfounded)
SELECT extract(year FROM c.advised_on)::integer, c.ministry, coalesce(c.judgement, 'not_recorded'),
       sum(c.s), sum(c.s * c.elements_founded), sum(c.s * c.elements_partly), sum(c.s * c.elements_unfounded)
FROM %1$s c
WHERE c.advised_on IS NOT NULL
GROUP BY 1, 2, 3
HAVING sum(c.s) <> 0 OR sum(c.s * c.elements_founded) <> 0 OR sum(c.s * c.elements_partly) <> 0
    OR sum(c.s * c.elements_unfounded) <> 0$q$,

$q$INSERT INTO report_decided (year, ministry, follows_advice, within_term, extended, days, cases)
SELECT extract(year FROM c.decided_on)::integer, c.ministry,
       CASE c.follows_advice WHEN true THEN 'followed' WHEN false THEN 'departed' ELSE 'not_recorded' END,
       coalesce(c.decided_on <= c.due_on, false), c.extended,
       coalesce(c.decided_on - c.received_on, -1),
       sum(c.s)
FROM %1$s c
WHERE c.decided_on IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
HAVING sum(c.s) <> 0$q$,

$q$INSERT INTO report_open (received_year, ministry, due_year, ended_year, cases)
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
HAVING sum(o.s) <> 0$q$
]) AS q
$f$;

CREATE OR REPLACE FUNCTION report_signal_upserts(src text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$INSERT INTO report_signals (year, ministry, category, signals)
SELECT extract(year FROM c.filed_on)::integer, coalesce(c.ministry, ''), c.category, sum(c.s)
FROM %1$s c
GROUP BY 1, 2, 3
HAVING sum(c.s) <> 0$q$, src)
$f$;

-- Folds the appended changes into one row per group, dropping groups that
-- sum to nothing. Returns the number of rows it removed.
CREATE FUNCTION report_compact() RETURNS bigint LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    before bigint;
    after bigint;
BEGIN
    SELECT (SELECT count(*) FROM report_filed) + (SELECT count(*) FROM report_advised) + (SELECT count(*) FROM report_decided)
         + (SELECT count(*) FROM report_open) + (SELECT count(*) FROM report_signals) INTO before;
    WITH gone AS (DELETE FROM report_filed RETURNING *)
    INSERT INTO report_filed (year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing, cases, hearings)
    SELECT year, ministry, category, ground, admissibility, inadmissible_ground, course, with_hearing, sum(cases), sum(hearings)
    FROM gone GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(cases) <> 0 OR sum(hearings) <> 0;
    WITH gone AS (DELETE FROM report_advised RETURNING *)
    INSERT INTO report_advised (year, ministry, judgement, cases, elements_founded, elements_partly, elements_unfounded)
    SELECT year, ministry, judgement, sum(cases), sum(elements_founded), sum(elements_partly), sum(elements_unfounded)
    FROM gone GROUP BY 1, 2, 3
    HAVING sum(cases) <> 0 OR sum(elements_founded) <> 0 OR sum(elements_partly) <> 0 OR sum(elements_unfounded) <> 0;
    WITH gone AS (DELETE FROM report_decided RETURNING *)
    INSERT INTO report_decided (year, ministry, follows_advice, within_term, extended, days, cases)
    SELECT year, ministry, follows_advice, within_term, extended, days, sum(cases)
    FROM gone GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(cases) <> 0;
    WITH gone AS (DELETE FROM report_open RETURNING *)
    INSERT INTO report_open (received_year, ministry, due_year, ended_year, cases)
    SELECT received_year, ministry, due_year, ended_year, sum(cases)
    FROM gone GROUP BY 1, 2, 3, 4 HAVING sum(cases) <> 0;
    WITH gone AS (DELETE FROM report_signals RETURNING *)
    INSERT INTO report_signals (year, ministry, category, signals)
    SELECT year, ministry, category, sum(signals)
    FROM gone GROUP BY 1, 2, 3 HAVING sum(signals) <> 0;
    SELECT (SELECT count(*) FROM report_filed) + (SELECT count(*) FROM report_advised) + (SELECT count(*) FROM report_decided)
         + (SELECT count(*) FROM report_open) + (SELECT count(*) FROM report_signals) INTO after;
    RETURN before - after;
END $$;

SELECT report_compact();
