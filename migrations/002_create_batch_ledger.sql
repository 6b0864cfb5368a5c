-- liquibase formatted sql

-- changeset wal-metrics-loader:002-create-batch-ledger
-- comment: One row per batch applied, written in the batch's own transaction: what makes loads exactly-once.
create table if not exists batch_ledger (
    batch_id         integer primary key,  -- order in which batches were applied to this database
    input            text not null,        -- canonical path of the input file, or '-' for standard input
    batch_no         integer not null,     -- 1-based position of the batch in its input
    content_hash     text not null,        -- sha-256 of the batch's JSON tokens (whitespace-insensitive)
    stream_hash      text,                 -- standard input only: sha-256 over the stream's batches up to this one
    records          integer not null,
    changes_landed   integer not null,
    changes_ignored  integer not null,
    changes_rejected integer not null,
    metrics_upserted integer not null,
    metrics_deleted  integer not null,
    last_change_seq  integer not null,     -- highest change_seq handed out up to and including this batch
    applied_at       text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;

-- changeset wal-metrics-loader:002-index-batch-ledger-by-input
create index if not exists batch_ledger_by_input on batch_ledger (input, batch_no);

-- changeset wal-metrics-loader:002-index-batch-ledger-by-stream-hash
create index if not exists batch_ledger_by_stream_hash on batch_ledger (stream_hash) where stream_hash is not null;

-- changeset wal-metrics-loader:002-create-rejected-changes
-- comment: Changes of a known table that could not be landed, kept whole with the reason (docs/reference.md#rejected-changes).
create table if not exists rejected_changes (
    change_seq integer primary key,  -- shares the sequence of the staging tables
    batch_id   integer not null,
    record_no  integer not null,     -- 1-based position of the WAL record in its batch
    change_no  integer not null,     -- 1-based position of the change in its record
    wal_table  text,
    kind       text,
    reason     text not null,
    raw_json   text not null
) strict;

-- changeset wal-metrics-loader:002-index-rejected-changes-by-batch
create index if not exists rejected_changes_by_batch on rejected_changes (batch_id);

-- changeset wal-metrics-loader:002-create-schema-drift
-- comment: Columns seen in the WAL that the migrations do not declare, or declare with another type.
create table if not exists schema_drift (
    wal_table      text not null,
    column_name    text not null,
    observed_type  text not null,  -- as wal2json's columntypes reported it
    expected_type  text,           -- as source_column declares it; null for a column it does not know
    first_batch_id integer not null,
    last_batch_id  integer not null,
    changes        integer not null,
    primary key (wal_table, column_name, observed_type)
) strict;
