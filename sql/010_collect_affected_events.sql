-- 010_collect_affected_events.sql
-- Purpose: turn the join keys the batch touched into the event ids whose metric may have changed.
-- Reads:   affected_key (filled by the triggers on the current_* tables), current_event,
--          current_transaction_request
-- Writes:  affected_event
-- Grain:   one row per event id to re-derive
-- Params:  none
-- By hand: sqlite3 metrics.db
--          sqlite> .read sql/010_collect_affected_events.sql
-- Resolved against the state at the end of the batch: a key that changed mid-batch still
-- reaches every event that depends on it then, because whatever moved the dependency marked
-- its own keys too.
insert or ignore into affected_event (id)
select key_value
from affected_key
where key_kind = 'event_id'
union
select e.id
from affected_key as k
join current_event as e on e.transaction_id = k.key_value
where k.key_kind = 'transaction_id'
union
select e.id
from affected_key as k
join current_event as e on e.flow_id = k.key_value
where k.key_kind = 'flow_id'
union
select e.id
from affected_key as k
join current_transaction_request as tr on tr.token_id = k.key_value
join current_event as e on e.flow_id = tr.flow_id
where k.key_kind = 'token_id';
