-- views/040_payment_method_and_instrument.sql
-- Title:   Payment method and instrument
-- Purpose: events, transactions and outcomes per payment method and instrument type.
-- Reads:   dashboard_payment_method_and_instrument (a view over metrics, migrations/009_create_dashboard_views.sql)
-- Writes:  nothing
-- Grain:   one row per payment method and instrument type
-- Chart:   bars of events labelled by payment_method, payment_instrument_type; full bar: the greatest value
-- Caption: events
-- Params:  none
-- By hand: sqlite3 -header -column metrics.db
--          sqlite> .read sql/views/040_payment_method_and_instrument.sql
-- The `report` command prints this query's rows as a table, in this column order.
select
    payment_method,
    payment_instrument_type,
    events,
    transactions,
    authorized,
    failed
from dashboard_payment_method_and_instrument
order by events desc, payment_method, payment_instrument_type;
