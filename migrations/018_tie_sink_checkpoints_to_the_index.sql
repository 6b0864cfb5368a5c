-- liquibase formatted sql

-- changeset wal-metrics-loader:018-create-sink-index-checkpoints
-- comment: Where `sink` is with each search index, keyed by the index itself: the cluster's cluster_uuid (GET /) and
-- comment: the index's uuid (index.uuid of its settings), so that another spelling of the URL finds the same
-- comment: checkpoint and an index deleted and made again (another uuid) starts over. Grain: one row per index.
-- comment: batch_id is the last batch whose every index and delete action the index acknowledged; it only grows.
-- comment: Supersedes sink_checkpoints (migrations/012, keyed by the URL as typed), which is kept but no longer read.
-- comment: By hand: select index_name, cluster_uuid, index_uuid, target_url, batch_id, acknowledged_at from sink_index_checkpoints;
create table if not exists sink_index_checkpoints (
    index_name      text not null,     -- the index name the sink was given
    cluster_uuid    text,              -- null only for a checkpoint brought from sink_checkpoints: index unknown
    index_uuid      text,              -- null likewise
    target_url      text not null,     -- the URL the checkpoint last moved through, as typed (for people only)
    batch_id        integer not null,  -- batch_ledger.batch_id acknowledged up to and including
    acknowledged_at text not null,     -- UTC, ISO 8601, when batch_id last moved
    check ((cluster_uuid is null) = (index_uuid is null))
) strict;

-- changeset wal-metrics-loader:018-index-sink-index-checkpoints-by-index
create unique index if not exists sink_index_checkpoints_by_index on sink_index_checkpoints (cluster_uuid, index_uuid);

-- changeset wal-metrics-loader:018-bring-along-sink-checkpoints
-- comment: The checkpoints of migrations/012 come along without uuid: the sink cannot know which index they were
-- comment: made for, and starts that index over (everything metrics holds, with its deletes), which is always safe.
insert into sink_index_checkpoints (index_name, cluster_uuid, index_uuid, target_url, batch_id, acknowledged_at)
select s.index_name, null, null, s.target_url, s.batch_id, s.acknowledged_at
from sink_checkpoints as s
where not exists (
    select 1
    from sink_index_checkpoints as n
    where n.cluster_uuid is null
      and n.target_url = s.target_url
      and n.index_name = s.index_name
);

-- changeset wal-metrics-loader:018-create-sink-refused
-- comment: The documents an index refused for good (400: a value its mapping does not take), one row per index and
-- comment: document, as sent; `sink` goes on past them, exits 3, and the next `sink` sends their current state again
-- comment: (a row goes once the index acknowledges that id). By hand:
-- comment:   select index_name, document_id, batch_id, reason, refused_at from sink_refused order by refused_at;
create table if not exists sink_refused (
    cluster_uuid text not null,
    index_uuid   text not null,
    index_name   text not null,
    document_id  text not null,     -- metrics.id, the document's _id
    batch_id     integer not null,  -- the version sent: updated_in_batch, or deleted_in_batch for a delete
    action       text not null check (action in ('index', 'delete')),
    reason       text not null,     -- the node's status, error type and reason, one line
    document     text,              -- the document's JSON as sent; null for a delete
    refused_at   text not null,     -- UTC, ISO 8601
    primary key (cluster_uuid, index_uuid, document_id)
) strict, without rowid;
