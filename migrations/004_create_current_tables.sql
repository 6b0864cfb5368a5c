-- liquibase formatted sql

-- changeset wal-metrics-loader:004-create-current-event
-- comment: One row per event as it stands after every landed change (grain: id).
create table if not exists current_event (
    id                             text not null primary key,
    event_sort_id                  integer,
    date                           text,
    event_type                     text,
    flow_id                        text,
    transaction_id                 text,
    updates                        text,
    transaction_lifecycle_event    text,
    third_party_request            text,
    third_party_response           text,
    notification                   text,
    created_at                     text,
    notification_type              text,
    error_details                  text,
    delivered                      integer,
    notification_config_id         text,
    connection_callback_request_id text,
    transaction_request_id         text,
    old_event_id                   text,
    payment_id                     text,
    reason                         text,
    connection_id                  text,
    extra_columns                  text,
    changed_by_seq                 integer not null
) strict;

-- changeset wal-metrics-loader:004-index-current-event-by-transaction
create index if not exists current_event_by_transaction on current_event (transaction_id);

-- changeset wal-metrics-loader:004-index-current-event-by-flow
create index if not exists current_event_by_flow on current_event (flow_id);

-- changeset wal-metrics-loader:004-create-current-transaction
-- comment: One row per transaction as it stands after every landed change (grain: transaction_id).
create table if not exists current_transaction (
    transaction_id                text not null primary key,
    processor_transaction_id      text,
    transaction_type              text,
    date                          text,
    processor_merchant_account_id text,
    merchant_reference            text,
    amount                        integer,
    currency_code                 text,
    direction                     text,
    status                        text,
    risk_data                     text,
    sale_transaction_id           text,
    created_at                    text,
    updated_at                    text,
    external_risk_data            text,
    network_transaction_id        text,
    payment_id                    text,
    token_id                      text,
    statement_descriptor          text,
    extra_columns                 text,
    changed_by_seq                integer not null
) strict;

-- changeset wal-metrics-loader:004-create-current-transaction-request
-- comment: One row per transaction_request as it stands after every landed change (grain: transaction_request_id).
create table if not exists current_transaction_request (
    transaction_request_id        text not null primary key,
    idempotency_key               text,
    transaction_request_type      text,
    transaction_id                text,
    processor_merchant_account_id text,
    user_id                       text,
    created_at                    text,
    amount                        integer,
    currency_code                 text,
    submit_for_settlement         integer,
    billing_address               text,
    reference                     text,
    final                         integer,
    reason                        text,
    sale_transaction_id           text,
    customer_details              text,
    recurring                     text,
    flow_id                       text,
    vault_options                 text,
    token_id                      text,
    payment_request_id            text,
    statement_descriptor          text,
    metadata                      text,
    extra_columns                 text,
    changed_by_seq                integer not null,
    -- created_at as text that sorts in time order: PostgreSQL writes years past 9999 with more
    -- digits and years before Christ with a ' BC' suffix, both of which plain text misorders
    created_at_order              text generated always as (
        case
            when created_at is null then null
            when created_at = 'infinity' then '9'
            when created_at = '-infinity' then '0'
            else printf('1%07d', 5000000 + iif(created_at like '% BC',
                        1 - cast(substr(created_at, 1, instr(created_at, '-') - 1) as integer),
                        cast(substr(created_at, 1, instr(created_at, '-') - 1) as integer)))
                 || substr(replace(created_at, ' BC', ''), instr(created_at, '-'))
        end
    ) virtual
) strict;

-- changeset wal-metrics-loader:004-index-current-transaction-request-by-flow
create index if not exists current_transaction_request_by_flow on current_transaction_request (flow_id, created_at_order desc, transaction_request_id desc);

-- changeset wal-metrics-loader:004-index-current-transaction-request-by-token
create index if not exists current_transaction_request_by_token on current_transaction_request (token_id);

-- changeset wal-metrics-loader:004-create-current-payment-instrument-token
-- comment: One row per payment_instrument_token as it stands after every landed change (grain: token_id).
create table if not exists current_payment_instrument_token (
    token_id                      text not null primary key,
    analytics_id                  text,
    merchant_analytics_id         text,
    token_type                    text,
    payment_instrument_type       text,
    payment_instrument_data       text,
    vault_data                    text,
    three_d_secure_authentication text,
    multi_use_token_id            text,
    extra_columns                 text,
    changed_by_seq                integer not null
) strict;
