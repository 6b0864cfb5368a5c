-- 025_delete_metrics.sql
-- Purpose: delete the metrics that 022 has just recorded as deleted by this batch, so that the
--          outbox and the table cannot disagree (the predicate lives in 022 alone). Runs before
--          030, so it looks only at rows that were there before this step (the two never touch the
--          same id).
-- Reads:   metric_deletions, metrics
-- Writes:  metrics
-- Grain:   one metric row per id 022 recorded with this batch
-- Counts:  metrics_deleted, the summary's figure: the rows this statement deletes
-- Params:  :batch_id  the batch_ledger.batch_id being applied
-- By hand: sqlite3 metrics.db
--          sqlite> .parameter set :batch_id 1
--          sqlite> .read sql/022_record_metric_deletions.sql
--          sqlite> .read sql/025_delete_metrics.sql
delete from metrics
where id in (
    select id
    from metric_deletions
    where deleted_in_batch = :batch_id
);
