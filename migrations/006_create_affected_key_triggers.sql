-- liquibase formatted sql

-- Inside a trigger an "or ignore" would be overridden by the conflict policy of the statement
-- that fired it, so these triggers skip keys already marked instead.

-- changeset wal-metrics-loader:006-create-affected-key
-- comment: Join keys whose rows changed in the batch in hand; sql/ resolves them to event ids, then empties it.
create table if not exists affected_key (
    key_kind  text not null check (key_kind in ('event_id', 'transaction_id', 'flow_id', 'token_id')),
    key_value text not null,
    primary key (key_kind, key_value)
) strict, without rowid;

-- changeset wal-metrics-loader:006-create-trigger-current-event-marks-insert splitStatements:false
create trigger if not exists current_event_marks_insert
after insert on current_event
begin
    insert into affected_key (key_kind, key_value)
    select 'event_id', new.id
    where new.id is not null
      and not exists (select 1 from affected_key where key_kind = 'event_id' and key_value = new.id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-event-marks-update splitStatements:false
create trigger if not exists current_event_marks_update
after update on current_event
begin
    insert into affected_key (key_kind, key_value)
    select 'event_id', id from (select old.id as id union select new.id)
    where id is not null
      and not exists (select 1 from affected_key where key_kind = 'event_id' and key_value = id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-event-marks-delete splitStatements:false
create trigger if not exists current_event_marks_delete
after delete on current_event
begin
    insert into affected_key (key_kind, key_value)
    select 'event_id', old.id
    where old.id is not null
      and not exists (select 1 from affected_key where key_kind = 'event_id' and key_value = old.id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-marks-insert splitStatements:false
create trigger if not exists current_transaction_marks_insert
after insert on current_transaction
begin
    insert into affected_key (key_kind, key_value)
    select 'transaction_id', new.transaction_id
    where new.transaction_id is not null
      and not exists (select 1 from affected_key where key_kind = 'transaction_id' and key_value = new.transaction_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-marks-update splitStatements:false
create trigger if not exists current_transaction_marks_update
after update on current_transaction
begin
    insert into affected_key (key_kind, key_value)
    select 'transaction_id', transaction_id from (select old.transaction_id as transaction_id union select new.transaction_id)
    where transaction_id is not null
      and not exists (select 1 from affected_key where key_kind = 'transaction_id' and key_value = transaction_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-marks-delete splitStatements:false
create trigger if not exists current_transaction_marks_delete
after delete on current_transaction
begin
    insert into affected_key (key_kind, key_value)
    select 'transaction_id', old.transaction_id
    where old.transaction_id is not null
      and not exists (select 1 from affected_key where key_kind = 'transaction_id' and key_value = old.transaction_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-request-marks-insert splitStatements:false
create trigger if not exists current_transaction_request_marks_insert
after insert on current_transaction_request
begin
    insert into affected_key (key_kind, key_value)
    select 'flow_id', new.flow_id
    where new.flow_id is not null
      and not exists (select 1 from affected_key where key_kind = 'flow_id' and key_value = new.flow_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-request-marks-update splitStatements:false
create trigger if not exists current_transaction_request_marks_update
after update on current_transaction_request
begin
    insert into affected_key (key_kind, key_value)
    select 'flow_id', flow_id from (select old.flow_id as flow_id union select new.flow_id)
    where flow_id is not null
      and not exists (select 1 from affected_key where key_kind = 'flow_id' and key_value = flow_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-transaction-request-marks-delete splitStatements:false
create trigger if not exists current_transaction_request_marks_delete
after delete on current_transaction_request
begin
    insert into affected_key (key_kind, key_value)
    select 'flow_id', old.flow_id
    where old.flow_id is not null
      and not exists (select 1 from affected_key where key_kind = 'flow_id' and key_value = old.flow_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-payment-instrument-token-marks-insert splitStatements:false
create trigger if not exists current_payment_instrument_token_marks_insert
after insert on current_payment_instrument_token
begin
    insert into affected_key (key_kind, key_value)
    select 'token_id', new.token_id
    where new.token_id is not null
      and not exists (select 1 from affected_key where key_kind = 'token_id' and key_value = new.token_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-payment-instrument-token-marks-update splitStatements:false
create trigger if not exists current_payment_instrument_token_marks_update
after update on current_payment_instrument_token
begin
    insert into affected_key (key_kind, key_value)
    select 'token_id', token_id from (select old.token_id as token_id union select new.token_id)
    where token_id is not null
      and not exists (select 1 from affected_key where key_kind = 'token_id' and key_value = token_id);
end;

-- changeset wal-metrics-loader:006-create-trigger-current-payment-instrument-token-marks-delete splitStatements:false
create trigger if not exists current_payment_instrument_token_marks_delete
after delete on current_payment_instrument_token
begin
    insert into affected_key (key_kind, key_value)
    select 'token_id', old.token_id
    where old.token_id is not null
      and not exists (select 1 from affected_key where key_kind = 'token_id' and key_value = old.token_id);
end;
