-- liquibase formatted sql

-- changeset wal-metrics-loader:015-create-applied-records
-- comment: One row per applied record that carried a source position (nextlsn) and changes of source tables:
-- comment: a hash of those changes as parsed, so that a record arriving again at that position is skipped only
-- comment: when it is the same transaction (docs/reference.md#the-ledger). Grain: one row per position.
-- comment: By hand: select printf('%X/%X', (position >> 32) & 4294967295, position & 4294967295), record_hash,
-- comment:   batch_id, record_no from applied_record order by batch_id, record_no;
create table if not exists applied_record (
    position    integer primary key,  -- nextlsn, its 64 bits as SQLite's signed integer (above 7FFFFFFF/FFFFFFFF it reads negative)
    record_hash text not null,        -- sha-256 (hex) of the record's changes of source tables, as parsed
    batch_id    integer not null,     -- batch_ledger.batch_id of the batch that applied it (last, under --reprocess)
    record_no   integer not null      -- 1-based position of the record in that batch
) strict;

-- changeset wal-metrics-loader:015-create-positions-without-record-hashes
-- comment: A database loaded before this migration has positions (batch_source_positions) but no record hashes.
-- comment: up_to_lsn is the highest position it had applied then: a record at or below it without a hash of its
-- comment: own is applied already, as the old rule said. At most one row; none for a database without positions.
create table if not exists positions_without_record_hashes (
    id             integer primary key check (id = 1),
    up_to_lsn      integer not null,  -- max(last_lsn) of batch_source_positions when this migration ran
    up_to_batch_id integer not null   -- the last batch_id with positions then
) strict;

-- changeset wal-metrics-loader:015-mark-positions-without-record-hashes
-- comment: Positions were kept only up to 7FFFFFFF/FFFFFFFF before this migration, so max() compares them rightly.
insert or ignore into positions_without_record_hashes (id, up_to_lsn, up_to_batch_id)
select 1, up_to_lsn, up_to_batch_id
from (select max(last_lsn) as up_to_lsn, max(batch_id) as up_to_batch_id from batch_source_positions)
where up_to_lsn is not null;
