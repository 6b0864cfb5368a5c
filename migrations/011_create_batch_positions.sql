-- liquibase formatted sql

-- changeset wal-metrics-loader:011-create-batch-source-positions
-- comment: The source positions (wal2json nextlsn, as 64-bit integers) of the records of each applied batch
-- comment: that carried them. The highest last_lsn is how far the source has been applied to this database;
-- comment: whether a record at or below it is applied already is applied_record's to say (migration 015).
create table if not exists batch_source_positions (
    batch_id  integer primary key,  -- batch_ledger.batch_id
    first_lsn integer not null,     -- lowest nextlsn among the batch's records
    last_lsn  integer not null,     -- highest nextlsn among the batch's records
    check (first_lsn <= last_lsn)
) strict;

-- changeset wal-metrics-loader:011-index-batch-source-positions-by-last-lsn
create index if not exists batch_source_positions_by_last_lsn on batch_source_positions (last_lsn);

-- changeset wal-metrics-loader:011-index-batch-ledger-by-content-hash
-- comment: A batch without source positions whose content was applied from another input is not applied again.
create index if not exists batch_ledger_by_content_hash on batch_ledger (content_hash);
