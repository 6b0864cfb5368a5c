-- views/010_volume_by_day_and_currency.sql
-- Title:   Volume by day and currency
-- Purpose: volume per day and currency: events, transactions and their amount (minor units).
-- Reads:   dashboard_volume_by_day_and_currency (a view over metrics, migrations/009_create_dashboard_views.sql)
-- Writes:  nothing
-- Grain:   one row per day and currency
-- Chart:   bars of amount labelled by day, currency_code; full bar: the greatest value
-- Caption: amount (minor units)
-- Params:  none
-- By hand: sqlite3 -header -column metrics.db
--          sqlite> .read sql/views/010_volume_by_day_and_currency.sql
-- The `report` command prints this query's rows as a table, in this column order.
select
    day,
    currency_code,
    events,
    transactions,
    amount
from dashboard_volume_by_day_and_currency
order by day, currency_code;
