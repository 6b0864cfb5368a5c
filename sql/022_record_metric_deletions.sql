-- 022_record_metric_deletions.sql
-- Purpose: find the metrics to delete: every affected event's metric that no longer joins (the
--          event or one of its partners was deleted, or a join key moved away), and remember them in
--          the outbox metric_deletions with the batch that deletes them, for `export` and `sink`;
--          025 then deletes exactly these.
-- Reads:   affected_event, current_metric, metrics
-- Writes:  metric_deletions
-- Grain:   one row per deleted metric id; a later deletion of the same id moves it to its batch
-- Params:  :batch_id  the batch_ledger.batch_id being applied
-- By hand: sqlite3 metrics.db
--          sqlite> .parameter set :batch_id 1
--          sqlite> .read sql/022_record_metric_deletions.sql
insert into metric_deletions (id, deleted_in_batch)
select
    metrics.id,
    :batch_id
from metrics
where metrics.id in (select id from affected_event)
  and not exists (
      select 1
      from current_metric as m
      where m.id = metrics.id
  )
on conflict (id) do update set deleted_in_batch = excluded.deleted_in_batch;
