-- liquibase formatted sql

-- Folding is no longer done by triggers, change by change: the loader applies each range of landed
-- changes (one batch, a group of batches, a whole replay) with the statements of sql/fold/, set-based,
-- and those statements also mark the join keys the range touched (what the triggers of 006 did).

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

-- changeset wal-metrics-loader:013-drop-trigger-current-event-marks-insert
-- comment: sql/fold/event/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_event_marks_insert;

-- changeset wal-metrics-loader:013-drop-trigger-current-event-marks-update
-- comment: sql/fold/event/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_event_marks_update;

-- changeset wal-metrics-loader:013-drop-trigger-current-event-marks-delete
-- comment: sql/fold/event/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_event_marks_delete;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-marks-insert
-- comment: sql/fold/transaction/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_marks_insert;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-marks-update
-- comment: sql/fold/transaction/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_marks_update;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-marks-delete
-- comment: sql/fold/transaction/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_marks_delete;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-request-marks-insert
-- comment: sql/fold/transaction_request/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_request_marks_insert;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-request-marks-update
-- comment: sql/fold/transaction_request/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_request_marks_update;

-- changeset wal-metrics-loader:013-drop-trigger-current-transaction-request-marks-delete
-- comment: sql/fold/transaction_request/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_transaction_request_marks_delete;

-- changeset wal-metrics-loader:013-drop-trigger-current-payment-instrument-token-marks-insert
-- comment: sql/fold/payment_instrument_token/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_payment_instrument_token_marks_insert;

-- changeset wal-metrics-loader:013-drop-trigger-current-payment-instrument-token-marks-update
-- comment: sql/fold/payment_instrument_token/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_payment_instrument_token_marks_update;

-- changeset wal-metrics-loader:013-drop-trigger-current-payment-instrument-token-marks-delete
-- comment: sql/fold/payment_instrument_token/005_mark_affected_keys.sql marks these keys, before and after each fold.
drop trigger if exists current_payment_instrument_token_marks_delete;

-- changeset wal-metrics-loader:013-index-stg-event-for-fold
-- comment: What the fold reads of every change of a range, without reading the rows' large values.
create index if not exists stg_event_for_fold on stg_event (change_seq, kind, old_key, id, missing_columns, extra_columns);

-- changeset wal-metrics-loader:013-index-stg-transaction-for-fold
-- comment: What the fold reads of every change of a range, without reading the rows' large values.
create index if not exists stg_transaction_for_fold on stg_transaction (change_seq, kind, old_key, transaction_id, missing_columns, extra_columns);

-- changeset wal-metrics-loader:013-index-stg-transaction-request-for-fold
-- comment: What the fold reads of every change of a range, without reading the rows' large values.
create index if not exists stg_transaction_request_for_fold on stg_transaction_request (change_seq, kind, old_key, transaction_request_id, missing_columns, extra_columns);

-- changeset wal-metrics-loader:013-index-stg-payment-instrument-token-for-fold
-- comment: What the fold reads of every change of a range, without reading the rows' large values.
create index if not exists stg_payment_instrument_token_for_fold on stg_payment_instrument_token (change_seq, kind, old_key, token_id, missing_columns, extra_columns);
