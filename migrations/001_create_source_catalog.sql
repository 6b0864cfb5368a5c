-- liquibase formatted sql

-- changeset wal-metrics-loader:001-create-source-table
-- comment: The four source tables the metric joins, with their key column and the tables that hold them here.
create table if not exists source_table (
    source        text primary key,
    key_column    text not null,
    staging_table text not null unique,
    current_table text not null unique
) strict;

-- changeset wal-metrics-loader:001-seed-source-table
insert or ignore into source_table (source, key_column, staging_table, current_table) values
    ('event', 'id', 'stg_event', 'current_event'),
    ('transaction', 'transaction_id', 'stg_transaction', 'current_transaction'),
    ('transaction_request', 'transaction_request_id', 'stg_transaction_request', 'current_transaction_request'),
    ('payment_instrument_token', 'token_id', 'stg_payment_instrument_token', 'current_payment_instrument_token');

-- changeset wal-metrics-loader:001-create-wal-table
-- comment: Every table name wal2json may write for a source, and the name its key column has there.
create table if not exists wal_table (
    wal_table      text primary key,
    source         text not null references source_table (source),
    wal_key_column text not null
) strict;

-- changeset wal-metrics-loader:001-seed-wal-table
insert or ignore into wal_table (wal_table, source, wal_key_column) values
    ('event', 'event', 'id'),
    ('event_v2_data', 'event', 'event_id'),
    ('transaction', 'transaction', 'transaction_id'),
    ('transaction_request', 'transaction_request', 'transaction_request_id'),
    ('payment_instrument_token', 'payment_instrument_token', 'token_id'),
    ('payment_instrument_token_data', 'payment_instrument_token', 'token_id');

-- changeset wal-metrics-loader:001-create-source-column
-- comment: The columns of each source with the PostgreSQL type wal2json reports for them (the published schema).
create table if not exists source_column (
    source      text not null references source_table (source),
    column_name text not null,
    ordinal     integer not null,
    pg_type     text not null,
    primary key (source, column_name),
    unique (source, ordinal)
) strict;

-- changeset wal-metrics-loader:001-seed-source-column
insert or ignore into source_column (source, column_name, ordinal, pg_type) values
    ('event', 'id', 1, 'uuid'),
    ('event', 'event_sort_id', 2, 'bigint'),
    ('event', 'date', 3, 'timestamp without time zone'),
    ('event', 'event_type', 4, 'event_type'),
    ('event', 'flow_id', 5, 'uuid'),
    ('event', 'transaction_id', 6, 'uuid'),
    ('event', 'updates', 7, 'jsonb'),
    ('event', 'transaction_lifecycle_event', 8, 'transaction_lifecycle_event_type'),
    ('event', 'third_party_request', 9, 'jsonb'),
    ('event', 'third_party_response', 10, 'jsonb'),
    ('event', 'notification', 11, 'jsonb'),
    ('event', 'created_at', 12, 'timestamp without time zone'),
    ('event', 'notification_type', 13, 'notification_type'),
    ('event', 'error_details', 14, 'jsonb'),
    ('event', 'delivered', 15, 'boolean'),
    ('event', 'notification_config_id', 16, 'uuid'),
    ('event', 'connection_callback_request_id', 17, 'text'),
    ('event', 'transaction_request_id', 18, 'uuid'),
    ('event', 'old_event_id', 19, 'uuid'),
    ('event', 'payment_id', 20, 'uuid'),
    ('event', 'reason', 21, 'character varying(255)'),
    ('event', 'connection_id', 22, 'character varying(255)'),
    ('transaction', 'transaction_id', 1, 'uuid'),
    ('transaction', 'processor_transaction_id', 2, 'character varying(255)'),
    ('transaction', 'transaction_type', 3, 'transaction_type'),
    ('transaction', 'date', 4, 'timestamp without time zone'),
    ('transaction', 'processor_merchant_account_id', 5, 'uuid'),
    ('transaction', 'merchant_reference', 6, 'character varying(255)'),
    ('transaction', 'amount', 7, 'integer'),
    ('transaction', 'currency_code', 8, 'character(3)'),
    ('transaction', 'direction', 9, 'transaction_direction'),
    ('transaction', 'status', 10, 'transaction_status'),
    ('transaction', 'risk_data', 11, 'jsonb'),
    ('transaction', 'sale_transaction_id', 12, 'uuid'),
    ('transaction', 'created_at', 13, 'timestamp without time zone'),
    ('transaction', 'updated_at', 14, 'timestamp without time zone'),
    ('transaction', 'external_risk_data', 15, 'jsonb'),
    ('transaction', 'network_transaction_id', 16, 'character varying(255)'),
    ('transaction', 'payment_id', 17, 'uuid'),
    ('transaction', 'token_id', 18, 'character varying(36)'),
    ('transaction', 'statement_descriptor', 19, 'character varying(255)'),
    ('transaction_request', 'transaction_request_id', 1, 'uuid'),
    ('transaction_request', 'idempotency_key', 2, 'character varying(255)'),
    ('transaction_request', 'transaction_request_type', 3, 'transaction_request_type'),
    ('transaction_request', 'transaction_id', 4, 'uuid'),
    ('transaction_request', 'processor_merchant_account_id', 5, 'uuid'),
    ('transaction_request', 'user_id', 6, 'uuid'),
    ('transaction_request', 'created_at', 7, 'timestamp without time zone'),
    ('transaction_request', 'amount', 8, 'integer'),
    ('transaction_request', 'currency_code', 9, 'character(3)'),
    ('transaction_request', 'submit_for_settlement', 10, 'boolean'),
    ('transaction_request', 'billing_address', 11, 'jsonb'),
    ('transaction_request', 'reference', 12, 'character varying(255)'),
    ('transaction_request', 'final', 13, 'boolean'),
    ('transaction_request', 'reason', 14, 'character varying(255)'),
    ('transaction_request', 'sale_transaction_id', 15, 'uuid'),
    ('transaction_request', 'customer_details', 16, 'jsonb'),
    ('transaction_request', 'recurring', 17, 'jsonb'),
    ('transaction_request', 'flow_id', 18, 'uuid'),
    ('transaction_request', 'vault_options', 19, 'jsonb'),
    ('transaction_request', 'token_id', 20, 'character varying(36)'),
    ('transaction_request', 'payment_request_id', 21, 'uuid'),
    ('transaction_request', 'statement_descriptor', 22, 'character varying(255)'),
    ('transaction_request', 'metadata', 23, 'jsonb'),
    ('payment_instrument_token', 'token_id', 1, 'character varying(36)'),
    ('payment_instrument_token', 'analytics_id', 2, 'character varying(44)'),
    ('payment_instrument_token', 'merchant_analytics_id', 3, 'character varying(44)'),
    ('payment_instrument_token', 'token_type', 4, 'token_type'),
    ('payment_instrument_token', 'payment_instrument_type', 5, 'character varying(255)'),
    ('payment_instrument_token', 'payment_instrument_data', 6, 'jsonb'),
    ('payment_instrument_token', 'vault_data', 7, 'jsonb'),
    ('payment_instrument_token', 'three_d_secure_authentication', 8, 'jsonb'),
    ('payment_instrument_token', 'multi_use_token_id', 9, 'character varying(36)');
