-- Which kinds of parts a case has, as a bit set on the case row, so that a
-- read of the case asks only the part tables that hold something of it
-- (internal/cases/parts.go). PostgreSQL prepares every subquery of a
-- statement before running it, whether or not it finds rows: reading all
-- ten part tables for every case read spent about a fifth of the
-- database's time of a read on preparing subqueries over tables that, for
-- most cases, hold nothing of them.
--
-- A bit is set by a trigger when the first row of its kind is added to a
-- case, so no code path can forget it, and never cleared: a set bit means
-- "may have rows", which costs one subquery, never a missing part. The bit
-- of each table is the one parts.go gives it. Elements have none: every
-- case has one from its filing, so they are always read, and filing pays
-- for no trigger.
ALTER TABLE cases ADD COLUMN parts_present integer NOT NULL DEFAULT 0;

CREATE FUNCTION case_part_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET parts_present = parts_present | TG_ARGV[0]::integer
    WHERE id = NEW.case_id AND parts_present & TG_ARGV[0]::integer = 0;
    RETURN NULL;
END $$;

DO $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT * FROM (VALUES
        ('panel_members', 2), ('information_requests', 4), ('statements', 8),
        ('attachments', 16), ('hearings', 32), ('advices', 64), ('decisions', 128),
        ('term_delays', 256), ('hearing_waivers', 512)) AS t (tbl, bit)
    LOOP
        EXECUTE format('CREATE TRIGGER case_part_added AFTER INSERT ON %I FOR EACH ROW EXECUTE FUNCTION case_part_added(%L)',
            part.tbl, part.bit);
        EXECUTE format('UPDATE cases c SET parts_present = parts_present | %s WHERE EXISTS (SELECT 1 FROM %I p WHERE p.case_id = c.id)',
            part.bit, part.tbl);
    END LOOP;
END $$;
