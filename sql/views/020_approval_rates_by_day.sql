-- views/020_approval_rates_by_day.sql
-- Title:   Approval rate by day
-- Purpose: authorization outcomes per day, and the approval rate (authorized / (authorized + failed)).
-- Reads:   dashboard_approval_rates_by_day (a view over metrics, migrations/009_create_dashboard_views.sql)
-- Writes:  nothing
-- Grain:   one row per day
-- Chart:   bars of approval_rate_pct labelled by day; full bar: 100
-- Caption: approval rate, % of authorized + failed (bar: 0 to 100)
-- Params:  none
-- By hand: sqlite3 -header -column metrics.db
--          sqlite> .read sql/views/020_approval_rates_by_day.sql
-- The `report` command prints this query's rows as a table, in this column order.
select
    day,
    events,
    submitted,
    authorized,
    failed,
    other,
    approval_rate_pct
from dashboard_approval_rates_by_day
order by day;
