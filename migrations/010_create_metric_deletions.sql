-- liquibase formatted sql

-- changeset wal-metrics-loader:010-create-metric-deletions
-- comment: Outbox of deleted metric ids, for `export`: a sink that follows metrics incrementally needs the
-- comment: deletes too, and a deleted row leaves nothing behind in metrics. Filled by sql/035 in the batch
-- comment: that deletes the row; one row per id, holding the last batch that deleted it.
create table if not exists metric_deletions (
    id               text not null primary key,  -- metrics.id that was deleted
    deleted_in_batch integer not null           -- batch_ledger.batch_id of the (last) batch that deleted it
) strict, without rowid;

-- changeset wal-metrics-loader:010-index-metric-deletions-by-batch
create index if not exists metric_deletions_by_batch on metric_deletions (deleted_in_batch);

-- changeset wal-metrics-loader:010-index-metrics-by-updated-in-batch
-- comment: `export --since N` reads the rows changed after batch N without scanning the table.
create index if not exists metrics_by_updated_in_batch on metrics (updated_in_batch);

-- changeset wal-metrics-loader:010-create-metric-deletions-recorded-after
-- comment: Deletions are known only from this migration on: the last batch applied before it. An export
-- comment: since an earlier batch (other than 0, a full export) would miss deletes, and refuses.
create table if not exists metric_deletions_recorded_after (
    id       integer primary key check (id = 1),
    batch_id integer not null
) strict;
insert or ignore into metric_deletions_recorded_after (id, batch_id)
select 1, coalesce(max(batch_id), 0) from batch_ledger;

-- changeset wal-metrics-loader:010-create-metric-feed runOnChange:true
-- comment: What changed in metrics, by batch: every current row as an index action at its updated_in_batch,
-- comment: and every deleted id that is not back in metrics as a delete at its deleted_in_batch. A row
-- comment: deleted then re-created is an index action: its latest state. By hand:
-- comment:   select op, id, batch_id from metric_feed where batch_id > 17 order by batch_id, id;
drop view if exists metric_feed;
create view metric_feed as
select
    'index' as op,
    m.id,
    m.updated_in_batch as batch_id
from metrics as m
union all
select
    'delete' as op,
    d.id,
    d.deleted_in_batch as batch_id
from metric_deletions as d
where not exists (
    select 1
    from metrics as m
    where m.id = d.id
);
