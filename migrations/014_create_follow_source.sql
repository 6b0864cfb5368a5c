-- liquibase formatted sql

-- changeset wal-metrics-loader:014-create-follow-source
-- comment: The PostgreSQL replication slots `follow` reads, one row per slot. Grain: one row per slot name.
-- comment: source is the JDBC address without user or password. snapshot_state says whether the rows that
-- comment: existed before the slot were landed: none (a slot made elsewhere, no snapshot), running (started,
-- comment: not finished: a crash during it; the snapshot cannot be resumed), done. consistent_lsn is the
-- comment: slot's consistent point when follow made it: streaming starts after it. `status` reads it to ask
-- comment: the server for the slot's confirmed LSN and lag. By hand:
-- comment:   select slot_name, source, snapshot_state, snapshot_rows, consistent_lsn, created_at, dropped_at from follow_source;
create table if not exists follow_source (
    slot_name      text primary key,
    source         text not null,      -- jdbc:postgresql://host:port/db, credentials left out
    snapshot_state text not null check (snapshot_state in ('none', 'running', 'done')),
    snapshot_rows  integer,            -- rows the snapshot landed, once done
    consistent_lsn integer,            -- the slot's consistent point (64-bit LSN), when follow made the slot
    created_at     text not null,      -- UTC, ISO 8601
    dropped_at     text                -- UTC, ISO 8601, when follow --drop-slot dropped it
) strict, without rowid;
