-- liquibase formatted sql

-- changeset wal-metrics-loader:019-create-follow-snapshot-process
-- comment: The process that runs (or ran) the initial snapshot of a followed slot, one row per slot, written by
-- comment: follow before follow_source says 'running'. Grain: one row per slot name. host is the machine's name,
-- comment: pid the follow process's id and process_started_at when that process started (as the operating system
-- comment: reports it, so that a pid used again by another process is not taken for it). `status` reads it for a
-- comment: snapshot that follow_source says is running: when that process is gone, the snapshot was interrupted
-- comment: and cannot be resumed (docs/follow.md). By hand:
-- comment:   select slot_name, host, pid, process_started_at, claimed_at from follow_snapshot_process;
create table if not exists follow_snapshot_process (
    slot_name          text primary key,
    host               text not null,
    pid                integer not null,
    process_started_at text,           -- UTC, ISO 8601, as the operating system reports it; null when it does not
    claimed_at         text not null   -- UTC, ISO 8601, when follow began the snapshot
) strict, without rowid;
