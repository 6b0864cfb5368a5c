-- liquibase formatted sql

-- A TRUNCATE of a source table empties it at its place in the change sequence. It carries no row,
-- so it cannot be a row of the source's stg_* table (their kind check allows insert, update and
-- delete only, and released changesets never change): it lands here, numbered in the same
-- change_seq sequence, and the fold (sql/fold/<source>/000, 070, 075) splits its range at it.

-- changeset wal-metrics-loader:016-create-stg-truncate
-- comment: Append-only: one row per TRUNCATE of a source table landed, in the change_seq sequence the stg_* tables share.
-- comment: Grain: one row per truncate change. The fold folds a source's changes before a truncate, empties current_<source>
-- comment: (marking the join keys of every row it held), then folds the changes after it (docs/reference.md#folding). By hand:
-- comment:   select change_seq, batch_id, record_no, change_no, source, wal_schema, wal_table from stg_truncate order by change_seq;
create table if not exists stg_truncate (
    change_seq integer primary key,                               -- shared with the stg_* tables: the global landing order
    batch_id   integer not null,                                  -- batch_ledger.batch_id
    record_no  integer not null,                                  -- the record's position in its batch, 1-based
    change_no  integer not null,                                  -- the change's position in its record, 1-based
    source     text not null references source_table (source),    -- the source whose current rows the truncate removes
    wal_schema text,                                              -- the change's schema, as it came
    wal_table  text not null                                      -- the change's table, as it came (a name of wal_table)
) strict;

-- changeset wal-metrics-loader:016-index-stg-truncate-by-source
-- comment: The fold finds a source's truncates in a change_seq range without reading the others.
create index if not exists stg_truncate_by_source on stg_truncate (source, change_seq);
