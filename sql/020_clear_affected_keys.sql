-- 020_clear_affected_keys.sql
-- Purpose: forget the join keys once 010 has resolved them to event ids.
-- Reads:   nothing
-- Writes:  affected_key
-- Params:  none
-- By hand: sqlite3 metrics.db
--          sqlite> .read sql/020_clear_affected_keys.sql
delete from affected_key;
