-- views/030_top_decline_reasons.sql
-- Title:   Top decline reasons
-- Purpose: the decline reasons and types, most frequent first.
-- Reads:   dashboard_top_decline_reasons (a view over metrics, migrations/009_create_dashboard_views.sql)
-- Writes:  nothing
-- Grain:   one row per decline reason and type
-- Chart:   bars of declines labelled by decline_reason, decline_type; full bar: the greatest value
-- Caption: declined events
-- Params:  none
-- By hand: sqlite3 -header -column metrics.db
--          sqlite> .read sql/views/030_top_decline_reasons.sql
-- The `report` command prints this query's rows as a table, in this column order.
select
    decline_reason,
    decline_type,
    declines,
    share_pct
from dashboard_top_decline_reasons
order by declines desc, decline_reason, decline_type;
