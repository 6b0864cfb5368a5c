-- liquibase formatted sql

-- The fold is no longer a trigger on the staging tables: the loader applies each range of landed
-- changes (one batch, a group of batches, a whole replay) with the statements of sql/fold/, set-based.

-- changeset wal-metrics-loader:013-drop-trigger-stg-event-folds-upsert
-- comment: sql/fold/event/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_event_folds_upsert;

-- changeset wal-metrics-loader:013-drop-trigger-stg-event-folds-delete
-- comment: sql/fold/event/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_event_folds_delete;

-- changeset wal-metrics-loader:013-drop-trigger-stg-transaction-folds-upsert
-- comment: sql/fold/transaction/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_transaction_folds_upsert;

-- changeset wal-metrics-loader:013-drop-trigger-stg-transaction-folds-delete
-- comment: sql/fold/transaction/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_transaction_folds_delete;

-- changeset wal-metrics-loader:013-drop-trigger-stg-transaction-request-folds-upsert
-- comment: sql/fold/transaction_request/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_transaction_request_folds_upsert;

-- changeset wal-metrics-loader:013-drop-trigger-stg-transaction-request-folds-delete
-- comment: sql/fold/transaction_request/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_transaction_request_folds_delete;

-- changeset wal-metrics-loader:013-drop-trigger-stg-payment-instrument-token-folds-upsert
-- comment: sql/fold/payment_instrument_token/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_payment_instrument_token_folds_upsert;

-- changeset wal-metrics-loader:013-drop-trigger-stg-payment-instrument-token-folds-delete
-- comment: sql/fold/payment_instrument_token/ applies what this trigger applied, for a whole range of changes at once.
drop trigger if exists stg_payment_instrument_token_folds_delete;
