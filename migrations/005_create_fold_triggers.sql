-- liquibase formatted sql

-- changeset wal-metrics-loader:005-create-trigger-stg-event-folds-upsert splitStatements:false
-- comment: Applies a landed event insert or update to current_event, in landing order (docs/reference.md#folding).
create trigger if not exists stg_event_folds_upsert
after insert on stg_event
when new.kind in ('insert', 'update')
begin
    -- An insert puts the row as it comes. An update overlays what it carries on the row
    -- found under its old key (or its key when it has no oldkeys); a column it leaves out
    -- (an unchanged TOAST value) keeps its current value.
    insert into current_event (
        id,
        event_sort_id,
        date,
        event_type,
        flow_id,
        transaction_id,
        updates,
        transaction_lifecycle_event,
        third_party_request,
        third_party_response,
        notification,
        created_at,
        notification_type,
        error_details,
        delivered,
        notification_config_id,
        connection_callback_request_id,
        transaction_request_id,
        old_event_id,
        payment_id,
        reason,
        connection_id,
        extra_columns,
        changed_by_seq
    )
    select
        new.id,
        iif(instr(new.missing_columns, '"event_sort_id"'), cur.event_sort_id, new.event_sort_id),
        iif(instr(new.missing_columns, '"date"'), cur.date, new.date),
        iif(instr(new.missing_columns, '"event_type"'), cur.event_type, new.event_type),
        iif(instr(new.missing_columns, '"flow_id"'), cur.flow_id, new.flow_id),
        iif(instr(new.missing_columns, '"transaction_id"'), cur.transaction_id, new.transaction_id),
        iif(instr(new.missing_columns, '"updates"'), cur.updates, new.updates),
        iif(instr(new.missing_columns, '"transaction_lifecycle_event"'), cur.transaction_lifecycle_event, new.transaction_lifecycle_event),
        iif(instr(new.missing_columns, '"third_party_request"'), cur.third_party_request, new.third_party_request),
        iif(instr(new.missing_columns, '"third_party_response"'), cur.third_party_response, new.third_party_response),
        iif(instr(new.missing_columns, '"notification"'), cur.notification, new.notification),
        iif(instr(new.missing_columns, '"created_at"'), cur.created_at, new.created_at),
        iif(instr(new.missing_columns, '"notification_type"'), cur.notification_type, new.notification_type),
        iif(instr(new.missing_columns, '"error_details"'), cur.error_details, new.error_details),
        iif(instr(new.missing_columns, '"delivered"'), cur.delivered, new.delivered),
        iif(instr(new.missing_columns, '"notification_config_id"'), cur.notification_config_id, new.notification_config_id),
        iif(instr(new.missing_columns, '"connection_callback_request_id"'), cur.connection_callback_request_id, new.connection_callback_request_id),
        iif(instr(new.missing_columns, '"transaction_request_id"'), cur.transaction_request_id, new.transaction_request_id),
        iif(instr(new.missing_columns, '"old_event_id"'), cur.old_event_id, new.old_event_id),
        iif(instr(new.missing_columns, '"payment_id"'), cur.payment_id, new.payment_id),
        iif(instr(new.missing_columns, '"reason"'), cur.reason, new.reason),
        iif(instr(new.missing_columns, '"connection_id"'), cur.connection_id, new.connection_id),
        -- unknown columns: those the change carries replace the current ones, a null included
        case
            when cur.extra_columns is null then new.extra_columns
            when new.extra_columns is null then cur.extra_columns
            else (
                select json_group_object(merged.key, json(merged.value))
                from (
                    select kept.key, cur.extra_columns -> kept.fullkey as value
                    from json_each(cur.extra_columns) as kept
                    where kept.key not in (select key from json_each(new.extra_columns))
                    union all
                    select carried.key, new.extra_columns -> carried.fullkey
                    from json_each(new.extra_columns) as carried
                ) as merged
            )
        end,
        new.change_seq
    from (select 1)
    left join current_event as cur
        on new.kind = 'update' and cur.id = coalesce(new.old_key, new.id)
    where true
    on conflict (id) do update set
        event_sort_id = excluded.event_sort_id,
        date = excluded.date,
        event_type = excluded.event_type,
        flow_id = excluded.flow_id,
        transaction_id = excluded.transaction_id,
        updates = excluded.updates,
        transaction_lifecycle_event = excluded.transaction_lifecycle_event,
        third_party_request = excluded.third_party_request,
        third_party_response = excluded.third_party_response,
        notification = excluded.notification,
        created_at = excluded.created_at,
        notification_type = excluded.notification_type,
        error_details = excluded.error_details,
        delivered = excluded.delivered,
        notification_config_id = excluded.notification_config_id,
        connection_callback_request_id = excluded.connection_callback_request_id,
        transaction_request_id = excluded.transaction_request_id,
        old_event_id = excluded.old_event_id,
        payment_id = excluded.payment_id,
        reason = excluded.reason,
        connection_id = excluded.connection_id,
        extra_columns = excluded.extra_columns,
        changed_by_seq = excluded.changed_by_seq;

    -- A key-changing update moves the row: the old key is gone.
    delete from current_event
    where new.kind = 'update' and id = new.old_key and new.old_key <> new.id;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-event-folds-delete splitStatements:false
-- comment: Applies a landed event delete: the row under the key from oldkeys is gone.
create trigger if not exists stg_event_folds_delete
after insert on stg_event
when new.kind = 'delete'
begin
    delete from current_event where id = new.old_key;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-transaction-folds-upsert splitStatements:false
-- comment: Applies a landed transaction insert or update to current_transaction, in landing order (docs/reference.md#folding).
create trigger if not exists stg_transaction_folds_upsert
after insert on stg_transaction
when new.kind in ('insert', 'update')
begin
    -- An insert puts the row as it comes. An update overlays what it carries on the row
    -- found under its old key (or its key when it has no oldkeys); a column it leaves out
    -- (an unchanged TOAST value) keeps its current value.
    insert into current_transaction (
        transaction_id,
        processor_transaction_id,
        transaction_type,
        date,
        processor_merchant_account_id,
        merchant_reference,
        amount,
        currency_code,
        direction,
        status,
        risk_data,
        sale_transaction_id,
        created_at,
        updated_at,
        external_risk_data,
        network_transaction_id,
        payment_id,
        token_id,
        statement_descriptor,
        extra_columns,
        changed_by_seq
    )
    select
        new.transaction_id,
        iif(instr(new.missing_columns, '"processor_transaction_id"'), cur.processor_transaction_id, new.processor_transaction_id),
        iif(instr(new.missing_columns, '"transaction_type"'), cur.transaction_type, new.transaction_type),
        iif(instr(new.missing_columns, '"date"'), cur.date, new.date),
        iif(instr(new.missing_columns, '"processor_merchant_account_id"'), cur.processor_merchant_account_id, new.processor_merchant_account_id),
        iif(instr(new.missing_columns, '"merchant_reference"'), cur.merchant_reference, new.merchant_reference),
        iif(instr(new.missing_columns, '"amount"'), cur.amount, new.amount),
        iif(instr(new.missing_columns, '"currency_code"'), cur.currency_code, new.currency_code),
        iif(instr(new.missing_columns, '"direction"'), cur.direction, new.direction),
        iif(instr(new.missing_columns, '"status"'), cur.status, new.status),
        iif(instr(new.missing_columns, '"risk_data"'), cur.risk_data, new.risk_data),
        iif(instr(new.missing_columns, '"sale_transaction_id"'), cur.sale_transaction_id, new.sale_transaction_id),
        iif(instr(new.missing_columns, '"created_at"'), cur.created_at, new.created_at),
        iif(instr(new.missing_columns, '"updated_at"'), cur.updated_at, new.updated_at),
        iif(instr(new.missing_columns, '"external_risk_data"'), cur.external_risk_data, new.external_risk_data),
        iif(instr(new.missing_columns, '"network_transaction_id"'), cur.network_transaction_id, new.network_transaction_id),
        iif(instr(new.missing_columns, '"payment_id"'), cur.payment_id, new.payment_id),
        iif(instr(new.missing_columns, '"token_id"'), cur.token_id, new.token_id),
        iif(instr(new.missing_columns, '"statement_descriptor"'), cur.statement_descriptor, new.statement_descriptor),
        -- unknown columns: those the change carries replace the current ones, a null included
        case
            when cur.extra_columns is null then new.extra_columns
            when new.extra_columns is null then cur.extra_columns
            else (
                select json_group_object(merged.key, json(merged.value))
                from (
                    select kept.key, cur.extra_columns -> kept.fullkey as value
                    from json_each(cur.extra_columns) as kept
                    where kept.key not in (select key from json_each(new.extra_columns))
                    union all
                    select carried.key, new.extra_columns -> carried.fullkey
                    from json_each(new.extra_columns) as carried
                ) as merged
            )
        end,
        new.change_seq
    from (select 1)
    left join current_transaction as cur
        on new.kind = 'update' and cur.transaction_id = coalesce(new.old_key, new.transaction_id)
    where true
    on conflict (transaction_id) do update set
        processor_transaction_id = excluded.processor_transaction_id,
        transaction_type = excluded.transaction_type,
        date = excluded.date,
        processor_merchant_account_id = excluded.processor_merchant_account_id,
        merchant_reference = excluded.merchant_reference,
        amount = excluded.amount,
        currency_code = excluded.currency_code,
        direction = excluded.direction,
        status = excluded.status,
        risk_data = excluded.risk_data,
        sale_transaction_id = excluded.sale_transaction_id,
        created_at = excluded.created_at,
        updated_at = excluded.updated_at,
        external_risk_data = excluded.external_risk_data,
        network_transaction_id = excluded.network_transaction_id,
        payment_id = excluded.payment_id,
        token_id = excluded.token_id,
        statement_descriptor = excluded.statement_descriptor,
        extra_columns = excluded.extra_columns,
        changed_by_seq = excluded.changed_by_seq;

    -- A key-changing update moves the row: the old key is gone.
    delete from current_transaction
    where new.kind = 'update' and transaction_id = new.old_key and new.old_key <> new.transaction_id;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-transaction-folds-delete splitStatements:false
-- comment: Applies a landed transaction delete: the row under the key from oldkeys is gone.
create trigger if not exists stg_transaction_folds_delete
after insert on stg_transaction
when new.kind = 'delete'
begin
    delete from current_transaction where transaction_id = new.old_key;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-transaction-request-folds-upsert splitStatements:false
-- comment: Applies a landed transaction_request insert or update to current_transaction_request, in landing order (docs/reference.md#folding).
create trigger if not exists stg_transaction_request_folds_upsert
after insert on stg_transaction_request
when new.kind in ('insert', 'update')
begin
    -- An insert puts the row as it comes. An update overlays what it carries on the row
    -- found under its old key (or its key when it has no oldkeys); a column it leaves out
    -- (an unchanged TOAST value) keeps its current value.
    insert into current_transaction_request (
        transaction_request_id,
        idempotency_key,
        transaction_request_type,
        transaction_id,
        processor_merchant_account_id,
        user_id,
        created_at,
        amount,
        currency_code,
        submit_for_settlement,
        billing_address,
        reference,
        final,
        reason,
        sale_transaction_id,
        customer_details,
        recurring,
        flow_id,
        vault_options,
        token_id,
        payment_request_id,
        statement_descriptor,
        metadata,
        extra_columns,
        changed_by_seq
    )
    select
        new.transaction_request_id,
        iif(instr(new.missing_columns, '"idempotency_key"'), cur.idempotency_key, new.idempotency_key),
        iif(instr(new.missing_columns, '"transaction_request_type"'), cur.transaction_request_type, new.transaction_request_type),
        iif(instr(new.missing_columns, '"transaction_id"'), cur.transaction_id, new.transaction_id),
        iif(instr(new.missing_columns, '"processor_merchant_account_id"'), cur.processor_merchant_account_id, new.processor_merchant_account_id),
        iif(instr(new.missing_columns, '"user_id"'), cur.user_id, new.user_id),
        iif(instr(new.missing_columns, '"created_at"'), cur.created_at, new.created_at),
        iif(instr(new.missing_columns, '"amount"'), cur.amount, new.amount),
        iif(instr(new.missing_columns, '"currency_code"'), cur.currency_code, new.currency_code),
        iif(instr(new.missing_columns, '"submit_for_settlement"'), cur.submit_for_settlement, new.submit_for_settlement),
        iif(instr(new.missing_columns, '"billing_address"'), cur.billing_address, new.billing_address),
        iif(instr(new.missing_columns, '"reference"'), cur.reference, new.reference),
        iif(instr(new.missing_columns, '"final"'), cur.final, new.final),
        iif(instr(new.missing_columns, '"reason"'), cur.reason, new.reason),
        iif(instr(new.missing_columns, '"sale_transaction_id"'), cur.sale_transaction_id, new.sale_transaction_id),
        iif(instr(new.missing_columns, '"customer_details"'), cur.customer_details, new.customer_details),
        iif(instr(new.missing_columns, '"recurring"'), cur.recurring, new.recurring),
        iif(instr(new.missing_columns, '"flow_id"'), cur.flow_id, new.flow_id),
        iif(instr(new.missing_columns, '"vault_options"'), cur.vault_options, new.vault_options),
        iif(instr(new.missing_columns, '"token_id"'), cur.token_id, new.token_id),
        iif(instr(new.missing_columns, '"payment_request_id"'), cur.payment_request_id, new.payment_request_id),
        iif(instr(new.missing_columns, '"statement_descriptor"'), cur.statement_descriptor, new.statement_descriptor),
        iif(instr(new.missing_columns, '"metadata"'), cur.metadata, new.metadata),
        -- unknown columns: those the change carries replace the current ones, a null included
        case
            when cur.extra_columns is null then new.extra_columns
            when new.extra_columns is null then cur.extra_columns
            else (
                select json_group_object(merged.key, json(merged.value))
                from (
                    select kept.key, cur.extra_columns -> kept.fullkey as value
                    from json_each(cur.extra_columns) as kept
                    where kept.key not in (select key from json_each(new.extra_columns))
                    union all
                    select carried.key, new.extra_columns -> carried.fullkey
                    from json_each(new.extra_columns) as carried
                ) as merged
            )
        end,
        new.change_seq
    from (select 1)
    left join current_transaction_request as cur
        on new.kind = 'update' and cur.transaction_request_id = coalesce(new.old_key, new.transaction_request_id)
    where true
    on conflict (transaction_request_id) do update set
        idempotency_key = excluded.idempotency_key,
        transaction_request_type = excluded.transaction_request_type,
        transaction_id = excluded.transaction_id,
        processor_merchant_account_id = excluded.processor_merchant_account_id,
        user_id = excluded.user_id,
        created_at = excluded.created_at,
        amount = excluded.amount,
        currency_code = excluded.currency_code,
        submit_for_settlement = excluded.submit_for_settlement,
        billing_address = excluded.billing_address,
        reference = excluded.reference,
        final = excluded.final,
        reason = excluded.reason,
        sale_transaction_id = excluded.sale_transaction_id,
        customer_details = excluded.customer_details,
        recurring = excluded.recurring,
        flow_id = excluded.flow_id,
        vault_options = excluded.vault_options,
        token_id = excluded.token_id,
        payment_request_id = excluded.payment_request_id,
        statement_descriptor = excluded.statement_descriptor,
        metadata = excluded.metadata,
        extra_columns = excluded.extra_columns,
        changed_by_seq = excluded.changed_by_seq;

    -- A key-changing update moves the row: the old key is gone.
    delete from current_transaction_request
    where new.kind = 'update' and transaction_request_id = new.old_key and new.old_key <> new.transaction_request_id;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-transaction-request-folds-delete splitStatements:false
-- comment: Applies a landed transaction_request delete: the row under the key from oldkeys is gone.
create trigger if not exists stg_transaction_request_folds_delete
after insert on stg_transaction_request
when new.kind = 'delete'
begin
    delete from current_transaction_request where transaction_request_id = new.old_key;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-payment-instrument-token-folds-upsert splitStatements:false
-- comment: Applies a landed payment_instrument_token insert or update to current_payment_instrument_token, in landing order (docs/reference.md#folding).
create trigger if not exists stg_payment_instrument_token_folds_upsert
after insert on stg_payment_instrument_token
when new.kind in ('insert', 'update')
begin
    -- An insert puts the row as it comes. An update overlays what it carries on the row
    -- found under its old key (or its key when it has no oldkeys); a column it leaves out
    -- (an unchanged TOAST value) keeps its current value.
    insert into current_payment_instrument_token (
        token_id,
        analytics_id,
        merchant_analytics_id,
        token_type,
        payment_instrument_type,
        payment_instrument_data,
        vault_data,
        three_d_secure_authentication,
        multi_use_token_id,
        extra_columns,
        changed_by_seq
    )
    select
        new.token_id,
        iif(instr(new.missing_columns, '"analytics_id"'), cur.analytics_id, new.analytics_id),
        iif(instr(new.missing_columns, '"merchant_analytics_id"'), cur.merchant_analytics_id, new.merchant_analytics_id),
        iif(instr(new.missing_columns, '"token_type"'), cur.token_type, new.token_type),
        iif(instr(new.missing_columns, '"payment_instrument_type"'), cur.payment_instrument_type, new.payment_instrument_type),
        iif(instr(new.missing_columns, '"payment_instrument_data"'), cur.payment_instrument_data, new.payment_instrument_data),
        iif(instr(new.missing_columns, '"vault_data"'), cur.vault_data, new.vault_data),
        iif(instr(new.missing_columns, '"three_d_secure_authentication"'), cur.three_d_secure_authentication, new.three_d_secure_authentication),
        iif(instr(new.missing_columns, '"multi_use_token_id"'), cur.multi_use_token_id, new.multi_use_token_id),
        -- unknown columns: those the change carries replace the current ones, a null included
        case
            when cur.extra_columns is null then new.extra_columns
            when new.extra_columns is null then cur.extra_columns
            else (
                select json_group_object(merged.key, json(merged.value))
                from (
                    select kept.key, cur.extra_columns -> kept.fullkey as value
                    from json_each(cur.extra_columns) as kept
                    where kept.key not in (select key from json_each(new.extra_columns))
                    union all
                    select carried.key, new.extra_columns -> carried.fullkey
                    from json_each(new.extra_columns) as carried
                ) as merged
            )
        end,
        new.change_seq
    from (select 1)
    left join current_payment_instrument_token as cur
        on new.kind = 'update' and cur.token_id = coalesce(new.old_key, new.token_id)
    where true
    on conflict (token_id) do update set
        analytics_id = excluded.analytics_id,
        merchant_analytics_id = excluded.merchant_analytics_id,
        token_type = excluded.token_type,
        payment_instrument_type = excluded.payment_instrument_type,
        payment_instrument_data = excluded.payment_instrument_data,
        vault_data = excluded.vault_data,
        three_d_secure_authentication = excluded.three_d_secure_authentication,
        multi_use_token_id = excluded.multi_use_token_id,
        extra_columns = excluded.extra_columns,
        changed_by_seq = excluded.changed_by_seq;

    -- A key-changing update moves the row: the old key is gone.
    delete from current_payment_instrument_token
    where new.kind = 'update' and token_id = new.old_key and new.old_key <> new.token_id;
end;

-- changeset wal-metrics-loader:005-create-trigger-stg-payment-instrument-token-folds-delete splitStatements:false
-- comment: Applies a landed payment_instrument_token delete: the row under the key from oldkeys is gone.
create trigger if not exists stg_payment_instrument_token_folds_delete
after insert on stg_payment_instrument_token
when new.kind = 'delete'
begin
    delete from current_payment_instrument_token where token_id = new.old_key;
end;
