-- Signals the committee marks as abuse (spam, a flood, a test) stay on
-- file but leave the annual report's counts; the report shows them as a
-- separate count of their own. The mark is on the signal (undone while it
-- exists) and on its anonymous statistical record, which outlives it.
ALTER TABLE signals ADD COLUMN abuse_at timestamptz;
ALTER TABLE signal_stats ADD COLUMN abuse boolean NOT NULL DEFAULT false;

-- The overall limit on anonymous signals counts the last hour's.
CREATE INDEX signals_created ON signals (created_at);

-- The running totals (append-only since migration 10) keep the two apart.
ALTER TABLE report_signals ADD COLUMN abuse boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION report_signal_upserts(src text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$INSERT INTO report_signals (year, ministry, category, abuse, signals)
SELECT extract(year FROM c.filed_on)::integer, coalesce(c.ministry, ''), c.category, c.abuse, sum(c.s)
FROM %1$s c
GROUP BY 1, 2, 3, 4
HAVING sum(c.s) <> 0$q$, src)
$f$;

-- report_compact of migration 10, folding report_signals per abuse too
-- (only that statement differs).
CREATE OR REPLACE FUNCTION report_compact() RETURNS bigint LANGUAGE plpgsql SET work_mem = '64MB' AS $$
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
    INSERT INTO report_signals (year, ministry, category, abuse, signals)
    SELECT year, ministry, category, abuse, sum(signals)
    FROM gone GROUP BY 1, 2, 3, 4 HAVING sum(signals) <> 0;
    SELECT (SELECT count(*) FROM report_filed) + (SELECT count(*) FROM report_advised) + (SELECT count(*) FROM report_decided)
         + (SELECT count(*) FROM report_open) + (SELECT count(*) FROM report_signals) INTO after;
    RETURN before - after;
END $$;

