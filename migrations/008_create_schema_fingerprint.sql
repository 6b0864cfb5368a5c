-- liquibase formatted sql

-- changeset wal-metrics-loader:008-create-schema-fingerprint
-- comment: SHA-256 of the migration files last applied in full: when it matches the jar's, starting
-- comment: up skips Liquibase (whose own up-to-date check costs about a second of every run).
create table if not exists schema_fingerprint (
    id          integer primary key check (id = 1),
    fingerprint text not null,
    recorded_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict;
