-- 030_upsert_metrics.sql
-- Purpose: write the metric of every affected event that joins all four sources, when it differs
--          from the row already there (an untouched row keeps its updated_in_batch).
-- Reads:   affected_event, current_metric (the four-way join over the current_* tables), metrics
-- Writes:  metrics
-- Grain:   one row per current event that joins
-- Counts:  metrics_upserted, the summary's figure: the rows this statement writes
-- Params:  :batch_id  the batch_ledger.batch_id being applied
-- By hand: sqlite3 metrics.db
--          sqlite> .parameter set :batch_id 1
--          sqlite> .read sql/030_upsert_metrics.sql
insert or replace into metrics (
    id,
    flow_id,
    created_at,
    transaction_lifecycle_event,
    decline_reason,
    decline_type,
    payment_method,
    transaction_id,
    transaction_type,
    amount,
    currency_code,
    processor_merchant_account_id,
    three_d_secure_authentication,
    payment_instrument_type,
    customer_id,
    updated_in_batch
)
select
    m.id,
    m.flow_id,
    m.created_at,
    m.transaction_lifecycle_event,
    m.decline_reason,
    m.decline_type,
    m.payment_method,
    m.transaction_id,
    m.transaction_type,
    m.amount,
    m.currency_code,
    m.processor_merchant_account_id,
    m.three_d_secure_authentication,
    m.payment_instrument_type,
    m.customer_id,
    :batch_id
from current_metric as m
where m.id in (select id from affected_event)
  and not exists (
      select 1
      from metrics as old
      where old.id = m.id
        and old.flow_id is m.flow_id
        and old.created_at is m.created_at
        and old.transaction_lifecycle_event is m.transaction_lifecycle_event
        and old.decline_reason is m.decline_reason
        and old.decline_type is m.decline_type
        and old.payment_method is m.payment_method
        and old.transaction_id is m.transaction_id
        and old.transaction_type is m.transaction_type
        and old.amount is m.amount
        and old.currency_code is m.currency_code
        and old.processor_merchant_account_id is m.processor_merchant_account_id
        and old.three_d_secure_authentication is m.three_d_secure_authentication
        and old.payment_instrument_type is m.payment_instrument_type
        and old.customer_id is m.customer_id
  );
