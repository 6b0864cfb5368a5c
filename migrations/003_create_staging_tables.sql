-- liquibase formatted sql

-- changeset wal-metrics-loader:003-create-stg-event
-- comment: Append-only: one row per event change landed, in landing order; sql/fold/ reads it (migration 013 dropped the fold triggers). The type-mapping note in the body below, kept word for word as released, means docs/reference.md#type-mapping.
create table if not exists stg_event (
    change_seq                     integer primary key,
    batch_id                       integer not null,
    record_no                      integer not null,
    change_no                      integer not null,
    kind                           text not null check (kind in ('insert', 'update', 'delete')),
    old_key                        text,
    -- source columns, typed as SPEC 2.4 maps them
    id                             text,
    event_sort_id                  integer,
    date                           text,
    event_type                     text,
    flow_id                        text,
    transaction_id                 text,
    updates                        text check (updates is null or json_valid(updates)),
    transaction_lifecycle_event    text,
    third_party_request            text check (third_party_request is null or json_valid(third_party_request)),
    third_party_response           text check (third_party_response is null or json_valid(third_party_response)),
    notification                   text check (notification is null or json_valid(notification)),
    created_at                     text,
    notification_type              text,
    error_details                  text check (error_details is null or json_valid(error_details)),
    delivered                      integer check (delivered in (0, 1)),
    notification_config_id         text,
    connection_callback_request_id text,
    transaction_request_id         text,
    old_event_id                   text,
    payment_id                     text,
    reason                         text,
    connection_id                  text,
    -- what the change carried beyond or short of the known columns
    missing_columns                text check (missing_columns is null or json_valid(missing_columns)),
    extra_columns                  text check (extra_columns is null or json_valid(extra_columns))
) strict;

-- changeset wal-metrics-loader:003-index-stg-event-by-batch
create index if not exists stg_event_by_batch on stg_event (batch_id);

-- changeset wal-metrics-loader:003-create-stg-transaction
-- comment: Append-only: one row per transaction change landed, in landing order; sql/fold/ reads it (migration 013 dropped the fold triggers). The type-mapping note in the body below, kept word for word as released, means docs/reference.md#type-mapping.
create table if not exists stg_transaction (
    change_seq                    integer primary key,
    batch_id                      integer not null,
    record_no                     integer not null,
    change_no                     integer not null,
    kind                          text not null check (kind in ('insert', 'update', 'delete')),
    old_key                       text,
    -- source columns, typed as SPEC 2.4 maps them
    transaction_id                text,
    processor_transaction_id      text,
    transaction_type              text,
    date                          text,
    processor_merchant_account_id text,
    merchant_reference            text,
    amount                        integer,
    currency_code                 text,
    direction                     text,
    status                        text,
    risk_data                     text check (risk_data is null or json_valid(risk_data)),
    sale_transaction_id           text,
    created_at                    text,
    updated_at                    text,
    external_risk_data            text check (external_risk_data is null or json_valid(external_risk_data)),
    network_transaction_id        text,
    payment_id                    text,
    token_id                      text,
    statement_descriptor          text,
    -- what the change carried beyond or short of the known columns
    missing_columns               text check (missing_columns is null or json_valid(missing_columns)),
    extra_columns                 text check (extra_columns is null or json_valid(extra_columns))
) strict;

-- changeset wal-metrics-loader:003-index-stg-transaction-by-batch
create index if not exists stg_transaction_by_batch on stg_transaction (batch_id);

-- changeset wal-metrics-loader:003-create-stg-transaction-request
-- comment: Append-only: one row per transaction_request change landed, in landing order; sql/fold/ reads it (migration 013 dropped the fold triggers). The type-mapping note in the body below, kept word for word as released, means docs/reference.md#type-mapping.
create table if not exists stg_transaction_request (
    change_seq                    integer primary key,
    batch_id                      integer not null,
    record_no                     integer not null,
    change_no                     integer not null,
    kind                          text not null check (kind in ('insert', 'update', 'delete')),
    old_key                       text,
    -- source columns, typed as SPEC 2.4 maps them
    transaction_request_id        text,
    idempotency_key               text,
    transaction_request_type      text,
    transaction_id                text,
    processor_merchant_account_id text,
    user_id                       text,
    created_at                    text,
    amount                        integer,
    currency_code                 text,
    submit_for_settlement         integer check (submit_for_settlement in (0, 1)),
    billing_address               text check (billing_address is null or json_valid(billing_address)),
    reference                     text,
    final                         integer check (final in (0, 1)),
    reason                        text,
    sale_transaction_id           text,
    customer_details              text check (customer_details is null or json_valid(customer_details)),
    recurring                     text check (recurring is null or json_valid(recurring)),
    flow_id                       text,
    vault_options                 text check (vault_options is null or json_valid(vault_options)),
    token_id                      text,
    payment_request_id            text,
    statement_descriptor          text,
    metadata                      text check (metadata is null or json_valid(metadata)),
    -- what the change carried beyond or short of the known columns
    missing_columns               text check (missing_columns is null or json_valid(missing_columns)),
    extra_columns                 text check (extra_columns is null or json_valid(extra_columns))
) strict;

-- changeset wal-metrics-loader:003-index-stg-transaction-request-by-batch
create index if not exists stg_transaction_request_by_batch on stg_transaction_request (batch_id);

-- changeset wal-metrics-loader:003-create-stg-payment-instrument-token
-- comment: Append-only: one row per payment_instrument_token change landed, in landing order; sql/fold/ reads it (migration 013 dropped the fold triggers). The type-mapping note in the body below, kept word for word as released, means docs/reference.md#type-mapping.
create table if not exists stg_payment_instrument_token (
    change_seq                    integer primary key,
    batch_id                      integer not null,
    record_no                     integer not null,
    change_no                     integer not null,
    kind                          text not null check (kind in ('insert', 'update', 'delete')),
    old_key                       text,
    -- source columns, typed as SPEC 2.4 maps them
    token_id                      text,
    analytics_id                  text,
    merchant_analytics_id         text,
    token_type                    text,
    payment_instrument_type       text,
    payment_instrument_data       text check (payment_instrument_data is null or json_valid(payment_instrument_data)),
    vault_data                    text check (vault_data is null or json_valid(vault_data)),
    three_d_secure_authentication text check (three_d_secure_authentication is null or json_valid(three_d_secure_authentication)),
    multi_use_token_id            text,
    -- what the change carried beyond or short of the known columns
    missing_columns               text check (missing_columns is null or json_valid(missing_columns)),
    extra_columns                 text check (extra_columns is null or json_valid(extra_columns))
) strict;

-- changeset wal-metrics-loader:003-index-stg-payment-instrument-token-by-batch
create index if not exists stg_payment_instrument_token_by_batch on stg_payment_instrument_token (batch_id);
