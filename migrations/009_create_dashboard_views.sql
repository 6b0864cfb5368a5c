-- liquibase formatted sql

-- The views a dashboard reads, over metrics only (one row per event; amount in minor units).
-- A day is the first ten characters of created_at ('YYYY-MM-DD HH:MM:SS.ffffff', as PostgreSQL
-- wrote it). `report` prints them with the queries of sql/views/; in sqlite3:
-- select * from dashboard_volume_by_day_and_currency;

-- changeset wal-metrics-loader:009-create-dashboard-volume-by-day-and-currency runOnChange:true
-- comment: Per day and currency: events, distinct transactions, and the sum of amount over those transactions (each counted once a day).
drop view if exists dashboard_volume_by_day_and_currency;
create view dashboard_volume_by_day_and_currency as
with transaction_day as (
    select distinct
        substr(m.created_at, 1, 10) as day,
        m.currency_code,
        m.transaction_id,
        m.amount
    from metrics as m
)
select
    td.day,
    td.currency_code,
    (select count(*)
     from metrics as e
     where substr(e.created_at, 1, 10) = td.day
       and e.currency_code is td.currency_code) as events,
    count(*) as transactions,
    sum(td.amount) as amount
from transaction_day as td
group by td.day, td.currency_code;

-- changeset wal-metrics-loader:009-create-dashboard-approval-rates-by-day runOnChange:true
-- comment: Per day: events by lifecycle, and the share of authorization outcomes that were approvals (percent, 1 decimal).
drop view if exists dashboard_approval_rates_by_day;
create view dashboard_approval_rates_by_day as
select
    substr(m.created_at, 1, 10) as day,
    count(*) as events,
    sum(m.transaction_lifecycle_event = 'AUTHORIZATION_SUBMITTED') as submitted,
    sum(m.transaction_lifecycle_event = 'AUTHORIZED') as authorized,
    sum(m.transaction_lifecycle_event = 'AUTHORIZATION_FAILED') as failed,
    sum(m.transaction_lifecycle_event is null
        or m.transaction_lifecycle_event not in ('AUTHORIZATION_SUBMITTED', 'AUTHORIZED', 'AUTHORIZATION_FAILED')) as other,
    round(100.0 * sum(m.transaction_lifecycle_event = 'AUTHORIZED')
        / nullif(sum(m.transaction_lifecycle_event in ('AUTHORIZED', 'AUTHORIZATION_FAILED')), 0), 1) as approval_rate_pct
from metrics as m
group by substr(m.created_at, 1, 10);

-- changeset wal-metrics-loader:009-create-dashboard-top-decline-reasons runOnChange:true
-- comment: Per decline reason and type: declined events, and their share of all declined events (percent, 1 decimal).
drop view if exists dashboard_top_decline_reasons;
create view dashboard_top_decline_reasons as
select
    m.decline_reason,
    m.decline_type,
    count(*) as declines,
    round(100.0 * count(*) / (select count(*)
                              from metrics as d
                              where d.decline_reason is not null or d.decline_type is not null), 1) as share_pct
from metrics as m
where m.decline_reason is not null or m.decline_type is not null
group by m.decline_reason, m.decline_type;

-- changeset wal-metrics-loader:009-create-dashboard-payment-method-and-instrument runOnChange:true
-- comment: Per payment method and instrument type: events, distinct transactions, approvals and failures.
drop view if exists dashboard_payment_method_and_instrument;
create view dashboard_payment_method_and_instrument as
select
    m.payment_method,
    m.payment_instrument_type,
    count(*) as events,
    count(distinct m.transaction_id) as transactions,
    sum(m.transaction_lifecycle_event = 'AUTHORIZED') as authorized,
    sum(m.transaction_lifecycle_event = 'AUTHORIZATION_FAILED') as failed
from metrics as m
group by m.payment_method, m.payment_instrument_type;
