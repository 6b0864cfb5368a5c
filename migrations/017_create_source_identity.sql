-- liquibase formatted sql

-- changeset wal-metrics-loader:017-create-source-identity
-- comment: The one PostgreSQL source this database follows (docs/follow.md, "One source per database"). Grain: at
-- comment: most one row. system_identifier is the server's (IDENTIFY_SYSTEM's systemid, the same after a restart or a
-- comment: minor upgrade, another for every cluster initdb made), database_name the database the slot decodes,
-- comment: slot_name the slot, schema_name the schema whose tables are the sources (follow --schema). The first follow
-- comment: that passes its checks records it; a follow naming another source is refused. A database made before
-- comment: this table gets the identity of its first follow of the slot follow_source already names. By hand:
-- comment:   select system_identifier, database_name, slot_name, schema_name, recorded_at from source_identity;
create table if not exists source_identity (
    only_row          integer primary key check (only_row = 1),
    system_identifier text not null,   -- decimal, as IDENTIFY_SYSTEM and pg_control_system() print it
    database_name     text not null,
    slot_name         text not null,
    schema_name       text not null,
    recorded_at       text not null    -- UTC, ISO 8601
) strict;
