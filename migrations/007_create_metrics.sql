-- liquibase formatted sql

-- changeset wal-metrics-loader:007-create-metrics
-- comment: What the dashboard reads. Grain: one row per current event that joins all four sources (docs/reference.md#the-metric).
create table if not exists metrics (
    id                            text not null primary key,
    flow_id                       text,
    created_at                    text,
    transaction_lifecycle_event   text,
    decline_reason                text,
    decline_type                  text,
    payment_method                text,
    transaction_id                text,
    transaction_type              text,
    amount                        integer,
    currency_code                 text,
    processor_merchant_account_id text,
    three_d_secure_authentication text,
    payment_instrument_type       text,
    customer_id                   text,
    updated_in_batch              integer not null  -- batch_ledger.batch_id that last changed the row
) strict;

-- changeset wal-metrics-loader:007-create-affected-event
-- comment: Event ids whose metric may have changed in the batch in hand; filled and emptied by sql/.
create table if not exists affected_event (
    id text not null primary key
) strict, without rowid;

-- changeset wal-metrics-loader:007-create-current-metric runOnChange:true
-- comment: The metric as the current state defines it, for every event; sql/ reads it for the affected ids only.
drop view if exists current_metric;
create view current_metric as
with
chosen_request as (
    -- of several requests in one flow, the latest in time (created_at_order, see migrations/004);
    -- ties go to the greatest id
    select
        tr.transaction_request_id,
        tr.flow_id,
        tr.token_id,
        tr.vault_options
    from current_transaction_request as tr
    where tr.transaction_request_id = (
        select latest.transaction_request_id
        from current_transaction_request as latest
        where latest.flow_id = tr.flow_id
        order by latest.created_at_order desc, latest.transaction_request_id desc
        limit 1
    )
)
select
    -- event
    e.id,
    e.flow_id,
    e.created_at,
    e.transaction_lifecycle_event,
    cast(json_extract(e.error_details, '$.decline_reason') as text) as decline_reason,
    cast(json_extract(e.error_details, '$.decline_type') as text) as decline_type,
    -- transaction request
    cast(json_extract(r.vault_options, '$.payment_method') as text) as payment_method,
    -- transaction
    t.transaction_id,
    t.transaction_type,
    t.amount,
    t.currency_code,
    t.processor_merchant_account_id,
    -- payment instrument token
    p.three_d_secure_authentication,
    p.payment_instrument_type,
    cast(json_extract(p.vault_data, '$.customer_id') as text) as customer_id
from current_event as e
join current_transaction as t on t.transaction_id = e.transaction_id
join chosen_request as r on r.flow_id = e.flow_id
join current_payment_instrument_token as p on p.token_id = r.token_id;
