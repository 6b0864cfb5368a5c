-- liquibase formatted sql

-- changeset wal-metrics-loader:012-create-sink-checkpoints
-- comment: Where `sink` is with each search index it keeps equal to metrics. Grain: one row per target (URL and
-- comment: index). batch_id is the last batch whose every index and delete action the target acknowledged; it
-- comment: only grows (two sinks on one target keep the greater). The only table `sink` writes. By hand:
-- comment:   select target_url, index_name, batch_id, acknowledged_at from sink_checkpoints;
create table if not exists sink_checkpoints (
    target_url      text not null,     -- http(s)://host:port of the node, without a trailing slash
    index_name      text not null,
    batch_id        integer not null,  -- batch_ledger.batch_id acknowledged up to and including
    acknowledged_at text not null,     -- UTC, ISO 8601, when batch_id last moved
    primary key (target_url, index_name)
) strict, without rowid;
