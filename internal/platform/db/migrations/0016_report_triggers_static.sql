-- The report's running totals (migrations 4 and 10) are kept by statement
-- triggers that ran their statements as dynamic SQL (EXECUTE), which
-- PostgreSQL parses and plans anew every time: filing one complaint spent
-- about 1.5 ms of the database's time planning the four inserts of
-- report_case_upserts, most of them for totals a new case does not touch.
--
-- Each trigger now calls a function of its own whose statements are static
-- SQL, so PL/pgSQL plans them once per connection. The functions are
-- generated here from the one definition of the totals (report_case_upserts
-- and report_signal_upserts, still used by report_rebuild and
-- report_compact), with the source rows of their operation filled in.

CREATE FUNCTION report_static_trigger(name text, upserts text, src text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    body text;
BEGIN
    EXECUTE format('SELECT string_agg(q, E'';\n'') FROM %I(%L) q', upserts, src) INTO body;
    EXECUTE format('CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql SET work_mem = ''64MB'' AS %L',
        name, E'BEGIN\n' || body || E';\nRETURN NULL;\nEND');
END $$;

SELECT report_static_trigger('report_case_stats_inserted', 'report_case_upserts', '(SELECT 1 AS s, n.* FROM new_rows n)');
SELECT report_static_trigger('report_case_stats_updated', 'report_case_upserts',
    '(SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1, o.* FROM old_rows o)');
SELECT report_static_trigger('report_case_stats_deleted', 'report_case_upserts', '(SELECT -1 AS s, o.* FROM old_rows o)');
SELECT report_static_trigger('report_signal_stats_inserted', 'report_signal_upserts', '(SELECT 1 AS s, n.* FROM new_rows n)');
SELECT report_static_trigger('report_signal_stats_updated', 'report_signal_upserts',
    '(SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1, o.* FROM old_rows o)');
SELECT report_static_trigger('report_signal_stats_deleted', 'report_signal_upserts', '(SELECT -1 AS s, o.* FROM old_rows o)');
DROP FUNCTION report_static_trigger(text, text, text);

DROP TRIGGER report_case_stats_insert ON case_stats;
DROP TRIGGER report_case_stats_update ON case_stats;
DROP TRIGGER report_case_stats_delete ON case_stats;
DROP TRIGGER report_signal_stats_insert ON signal_stats;
DROP TRIGGER report_signal_stats_update ON signal_stats;
DROP TRIGGER report_signal_stats_delete ON signal_stats;
DROP FUNCTION report_case_stats_changed();
DROP FUNCTION report_signal_stats_changed();

CREATE TRIGGER report_case_stats_insert AFTER INSERT ON case_stats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_inserted();
CREATE TRIGGER report_case_stats_update AFTER UPDATE ON case_stats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_updated();
CREATE TRIGGER report_case_stats_delete AFTER DELETE ON case_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_case_stats_deleted();
CREATE TRIGGER report_signal_stats_insert AFTER INSERT ON signal_stats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_inserted();
CREATE TRIGGER report_signal_stats_update AFTER UPDATE ON signal_stats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_updated();
CREATE TRIGGER report_signal_stats_delete AFTER DELETE ON signal_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_signal_stats_deleted();
