package io.walmetrics.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The four source tables in PostgreSQL, with the published columns and types (those of
 * {@code migrations/001_create_source_catalog.sql}, which a load checks: any other type would be
 * reported as schema drift), in one of the two namings of docs/reference.md#source-tables.
 *
 * <p>Every jsonb column is stored out of line without compression ({@code SET STORAGE EXTERNAL}),
 * so a value of a few KB goes to TOAST and an update that leaves it alone omits it from the WAL.
 * Some tables have {@code REPLICA IDENTITY FULL}, so their updates and deletes carry every old
 * column in {@code oldkeys}. No foreign keys: partners may arrive in any order.
 */
final class SourceSchema {

    record Column(String name, String type) {

        boolean isJson() {
            return type.equals("jsonb");
        }
    }

    /** The enum types of the published schema, with values of this workload's choosing. */
    static final Map<String, List<String>> ENUMS = orderedMap(
            "event_type", List.of("TRANSACTION_LIFECYCLE_EVENT", "NOTIFICATION"),
            "transaction_lifecycle_event_type", List.of("AUTHORIZATION_SUBMITTED", "AUTHORIZED", "AUTHORIZATION_FAILED",
                    "CAPTURE_SUBMITTED", "CAPTURED", "CANCELLED", "REFUNDED"),
            "notification_type", List.of("WEBHOOK", "EMAIL"),
            "transaction_type", List.of("SALE", "REFUND", "VERIFICATION"),
            "transaction_direction", List.of("DEBIT", "CREDIT"),
            "transaction_status", List.of("PENDING", "AUTHORIZED", "DECLINED", "SETTLED", "CANCELLED"),
            "transaction_request_type", List.of("AUTHORIZATION_REQUEST", "CAPTURE_REQUEST", "REFUND_REQUEST"),
            "token_type", List.of("SINGLE_USE", "MULTI_USE"));

    /** The event's columns; its key is {@code id}, or {@code event_id} in {@code event_v2_data}. */
    static final List<Column> EVENT = List.of(
            new Column("id", "uuid"),
            new Column("event_sort_id", "bigint"),
            new Column("date", "timestamp without time zone"),
            new Column("event_type", "event_type"),
            new Column("flow_id", "uuid"),
            new Column("transaction_id", "uuid"),
            new Column("updates", "jsonb"),
            new Column("transaction_lifecycle_event", "transaction_lifecycle_event_type"),
            new Column("third_party_request", "jsonb"),
            new Column("third_party_response", "jsonb"),
            new Column("notification", "jsonb"),
            new Column("created_at", "timestamp without time zone"),
            new Column("notification_type", "notification_type"),
            new Column("error_details", "jsonb"),
            new Column("delivered", "boolean"),
            new Column("notification_config_id", "uuid"),
            new Column("connection_callback_request_id", "text"),
            new Column("transaction_request_id", "uuid"),
            new Column("old_event_id", "uuid"),
            new Column("payment_id", "uuid"),
            new Column("reason", "character varying(255)"),
            new Column("connection_id", "character varying(255)"));

    static final List<Column> TRANSACTION = List.of(
            new Column("transaction_id", "uuid"),
            new Column("processor_transaction_id", "character varying(255)"),
            new Column("transaction_type", "transaction_type"),
            new Column("date", "timestamp without time zone"),
            new Column("processor_merchant_account_id", "uuid"),
            new Column("merchant_reference", "character varying(255)"),
            new Column("amount", "integer"),
            new Column("currency_code", "character(3)"),
            new Column("direction", "transaction_direction"),
            new Column("status", "transaction_status"),
            new Column("risk_data", "jsonb"),
            new Column("sale_transaction_id", "uuid"),
            new Column("created_at", "timestamp without time zone"),
            new Column("updated_at", "timestamp without time zone"),
            new Column("external_risk_data", "jsonb"),
            new Column("network_transaction_id", "character varying(255)"),
            new Column("payment_id", "uuid"),
            new Column("token_id", "character varying(36)"),
            new Column("statement_descriptor", "character varying(255)"));

    static final List<Column> REQUEST = List.of(
            new Column("transaction_request_id", "uuid"),
            new Column("idempotency_key", "character varying(255)"),
            new Column("transaction_request_type", "transaction_request_type"),
            new Column("transaction_id", "uuid"),
            new Column("processor_merchant_account_id", "uuid"),
            new Column("user_id", "uuid"),
            new Column("created_at", "timestamp without time zone"),
            new Column("amount", "integer"),
            new Column("currency_code", "character(3)"),
            new Column("submit_for_settlement", "boolean"),
            new Column("billing_address", "jsonb"),
            new Column("reference", "character varying(255)"),
            new Column("final", "boolean"),
            new Column("reason", "character varying(255)"),
            new Column("sale_transaction_id", "uuid"),
            new Column("customer_details", "jsonb"),
            new Column("recurring", "jsonb"),
            new Column("flow_id", "uuid"),
            new Column("vault_options", "jsonb"),
            new Column("token_id", "character varying(36)"),
            new Column("payment_request_id", "uuid"),
            new Column("statement_descriptor", "character varying(255)"),
            new Column("metadata", "jsonb"));

    static final List<Column> TOKEN = List.of(
            new Column("token_id", "character varying(36)"),
            new Column("analytics_id", "character varying(44)"),
            new Column("merchant_analytics_id", "character varying(44)"),
            new Column("token_type", "token_type"),
            new Column("payment_instrument_type", "character varying(255)"),
            new Column("payment_instrument_data", "jsonb"),
            new Column("vault_data", "jsonb"),
            new Column("three_d_secure_authentication", "jsonb"),
            new Column("multi_use_token_id", "character varying(36)"));

    /** A table none of the sources is: wal2json writes its changes, the loader counts them as ignored. */
    static final String OTHER_TABLE = "merchant_note";

    final String event;
    final String eventKey;
    final String transaction = "transaction";
    final String request = "transaction_request";
    final String token;
    /** Tables with REPLICA IDENTITY FULL; the others keep the default (the primary key). */
    final Set<String> fullIdentity;

    private SourceSchema(String event, String eventKey, String token, Set<String> fullIdentity) {
        this.event = event;
        this.eventKey = eventKey;
        this.token = token;
        this.fullIdentity = fullIdentity;
    }

    /** event_v2_data (key event_id) and payment_instrument_token_data, as the published WAL names them. */
    static SourceSchema published() {
        return new SourceSchema("event_v2_data", "event_id", "payment_instrument_token_data",
                Set.of("event_v2_data", "transaction"));
    }

    /** event (key id) and payment_instrument_token, as the challenge's first draft names them. */
    static SourceSchema seed() {
        return new SourceSchema("event", "id", "payment_instrument_token",
                Set.of("transaction_request", "payment_instrument_token"));
    }

    /** The columns of each table as this naming calls them, in table order. */
    Map<String, List<Column>> tables() {
        return orderedMap(
                event, EVENT.stream().map(c -> c.name().equals("id") ? new Column(eventKey, c.type()) : c).toList(),
                transaction, TRANSACTION,
                request, REQUEST,
                token, TOKEN);
    }

    String keyOf(String table) {
        return tables().get(table).get(0).name();
    }

    void create(Connection connection) throws SQLException {
        try (Statement ddl = connection.createStatement()) {
            for (var type : ENUMS.entrySet()) {
                ddl.execute("create type " + type.getKey() + " as enum ("
                        + type.getValue().stream().map(v -> "'" + v + "'").collect(Collectors.joining(", ")) + ")");
            }
            createTables(connection, null);
            ddl.execute("create table " + OTHER_TABLE + " (id bigserial primary key, note text not null)");
        }
    }

    /**
     * The four tables alone, in {@code pgSchema} (quoted as given; null for the first schema of the
     * search path), with the enum types of the search path.
     */
    void createTables(Connection connection, String pgSchema) throws SQLException {
        String prefix = pgSchema == null ? "" : "\"" + pgSchema.replace("\"", "\"\"") + "\".";
        try (Statement ddl = connection.createStatement()) {
            for (var table : tables().entrySet()) {
                String name = prefix + table.getKey();
                List<Column> columns = table.getValue();
                ddl.execute("create table " + name + " (\n    "
                        + columns.stream().map(c -> c.name() + " " + c.type()).collect(Collectors.joining(",\n    "))
                        + ",\n    primary key (" + columns.get(0).name() + ")\n)");
                for (Column column : columns) {
                    if (column.isJson()) {
                        ddl.execute("alter table " + name + " alter column " + column.name() + " set storage external");
                    }
                }
                if (fullIdentity.contains(table.getKey())) {
                    ddl.execute("alter table " + name + " replica identity full");
                }
            }
        }
    }

    /**
     * PostgreSQL's own answer to docs/reference.md#the-metric on its own tables: the fifteen metric columns as text
     * (amount as a number), one row per event that joins, by id. Of several requests in a flow the
     * one with the greatest created_at (NULL lowest), then the greatest id as text.
     */
    String metricsQuery() {
        return """
                with chosen_request as (
                    select distinct on (flow_id) flow_id, token_id, vault_options
                    from transaction_request
                    order by flow_id, created_at desc nulls last, transaction_request_id::text desc
                )
                select
                    e.%1$s::text as id,
                    e.flow_id::text,
                    e.created_at::text,
                    e.transaction_lifecycle_event::text,
                    e.error_details ->> 'decline_reason' as decline_reason,
                    e.error_details ->> 'decline_type' as decline_type,
                    r.vault_options ->> 'payment_method' as payment_method,
                    t.transaction_id::text,
                    t.transaction_type::text,
                    t.amount,
                    t.currency_code,
                    t.processor_merchant_account_id::text,
                    p.three_d_secure_authentication::text,
                    p.payment_instrument_type,
                    p.vault_data ->> 'customer_id' as customer_id
                from %2$s as e
                join transaction as t on t.transaction_id = e.transaction_id
                join chosen_request as r on r.flow_id = e.flow_id
                join %3$s as p on p.token_id = r.token_id
                order by 1
                """.formatted(eventKey, event, token);
    }

    /**
     * Every row of a table, every column as the loader keeps it in its current_* table: text as
     * PostgreSQL prints it (char(n) padded, jsonb in its canonical form), booleans as 0 and 1.
     */
    String rowsQuery(String table) {
        return "select " + tables().get(table).stream().map(SourceSchema::asLoaded).collect(Collectors.joining(", "))
                + " from " + table + " order by 1";
    }

    private static String asLoaded(Column column) {
        return switch (column.type()) {
            case "boolean" -> column.name() + "::int";
            case "integer", "bigint", "character(3)" -> column.name();
            default -> column.name() + "::text";
        };
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> orderedMap(Object... keysAndValues) {
        Map<String, V> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
        }
        return map;
    }
}
