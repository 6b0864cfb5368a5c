-- 025_delete_metrics.sql
-- Purpose: remove the metric of every affected event that no longer joins (the event or one of
--          its partners was deleted, or a join key moved away). Runs before 030, so it looks only at
--          rows that were there before this step (the two never touch the same id).
-- Reads:   affected_event, current_metric, metrics
-- Writes:  metrics
-- Counts:  metrics_deleted, the summary's figure: the rows this statement deletes
-- Params:  none
-- By hand: sqlite3 metrics.db
--          sqlite> .read sql/025_delete_metrics.sql
delete from metrics
where id in (select id from affected_event)
  and not exists (
      select 1
      from current_metric as m
      where m.id = metrics.id
  );
