-- 050_clear_affected_events.sql
-- Purpose: forget the affected event ids once metrics reflect them; the next batch starts empty.
-- Reads:   nothing
-- Writes:  affected_event
-- Params:  none
-- By hand: sqlite3 metrics.db
--          sqlite> .read sql/050_clear_affected_events.sql
delete from affected_event;
