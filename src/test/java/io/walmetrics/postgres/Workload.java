package io.walmetrics.postgres;

import io.walmetrics.postgres.SourceSchema.Column;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A randomized stream of PostgreSQL transactions against the four source tables, all of it
 * decided by one seed: payment flows whose rows arrive in any order over many transactions
 * (an event committed before its transaction, a request before its token), updates of join
 * columns, metric columns and plain columns, updates that leave the large out-of-line jsonb
 * columns alone (so wal2json omits them) and updates that change them, primary-key changes,
 * deletes, re-inserts of deleted keys, statements that change several rows, several requests per
 * flow with equal, different and NULL created_at, several statements per transaction, rolled-back
 * transactions, and changes wal2json writes that the loader must ignore (another table, a
 * logical decoding message).
 *
 * <p>The Java side only tracks which keys exist, to aim its statements; what the rows hold is
 * PostgreSQL's business, and the test reads it back from PostgreSQL.
 */
final class Workload {

    private static final List<String> DECLINE_REASONS = List.of("INSUFFICIENT_FUNDS", "DO_NOT_HONOR", "EXPIRED_CARD",
            "LOST_OR_STOLEN_CARD", "Refusé \"hard\" \\ decline", "カード拒否", "card 💳 declined", "line\nbreak\ttab", "",
            " padded ");
    private static final List<String> DECLINE_TYPES = List.of("SOFT_DECLINE", "HARD_DECLINE");
    private static final List<String> PAYMENT_METHODS = List.of("NEVER", "ON_SUCCESS", "ALWAYS");
    private static final List<String> INSTRUMENT_TYPES = List.of("PAYMENT_CARD", "PAYPAL_ORDER", "APPLE_PAY", "Überweisung");
    private static final List<String> CURRENCIES = List.of("GBP", "EUR", "USD", "GBP", "EUR", "EU");

    /** The columns an update picks from, per source: join and metric columns, plain ones, one large jsonb. */
    private static final Map<String, List<String>> UPDATED_COLUMNS = Map.of(
            "event", List.of("transaction_id", "flow_id", "error_details", "transaction_lifecycle_event", "created_at",
                    "event_sort_id", "reason", "delivered", "third_party_response"),
            "transaction", List.of("amount", "currency_code", "transaction_type", "processor_merchant_account_id", "status",
                    "updated_at", "risk_data"),
            "transaction_request", List.of("flow_id", "token_id", "created_at", "vault_options", "amount", "final", "metadata"),
            "payment_instrument_token", List.of("vault_data", "three_d_secure_authentication", "payment_instrument_type",
                    "analytics_id", "payment_instrument_data"));

    private final Random random;
    private final SourceSchema schema;
    private Connection connection;
    private final List<String> merchantAccounts;
    private final List<String> timestamps = new ArrayList<>();

    /** Keys in the table now, and keys deleted from it (candidates for a re-insert), per table. */
    private final Map<String, List<String>> live = new HashMap<>();
    private final Map<String, List<String>> deleted = new HashMap<>();
    /** Every flow, transaction id and token id made so far (inserted or still to come): what join columns point at. */
    private final List<String> flows = new ArrayList<>();
    private final List<String> transactionIds = new ArrayList<>();
    private final List<String> tokenIds = new ArrayList<>();
    /** Inserts held back until a later transaction (by number): partners that arrive late. */
    private final TreeMap<Integer, List<Row>> later = new TreeMap<>();

    private int transactionNo;
    /** What the workload did, by kind of statement, for the summary. */
    final Map<String, Integer> counts = new TreeMap<>();

    private record Row(String table, Map<String, Object> values) {
    }

    Workload(long seed, SourceSchema schema, Connection connection) throws SQLException {
        // one seed gives each naming a workload of its own (String.hashCode is the same in every JVM)
        this.random = new Random(seed * 1_000_003L + schema.event.hashCode());
        this.schema = schema;
        this.connection = connection;
        connection.setAutoCommit(false);
        this.merchantAccounts = List.of(uuid(), uuid(), uuid());
        for (int minute = 0; minute < 10; minute++) {
            for (int second = 0; second < 60; second += 15) {
                timestamps.add("2024-05-01 10:%02d:%02d".formatted(minute, second));
            }
        }
        for (String table : schema.tables().keySet()) {
            live.put(table, new ArrayList<>());
            deleted.put(table, new ArrayList<>());
        }
    }

    /** Goes on writing through another connection (after a restart of the server broke the first). */
    void reconnect(Connection replacement) throws SQLException {
        replacement.setAutoCommit(false);
        this.connection = replacement;
    }

    /** Runs this many more PostgreSQL transactions, each committed (or rolled back) before the next. */
    void run(int transactions) throws SQLException {
        for (int i = 0; i < transactions; i++) {
            transactionNo++;
            if (chance(0.03)) {
                rolledBack();
                continue;
            }
            for (Row due : dueNow()) {
                insert(due);
            }
            int operations = chance(0.5) ? 1 : chance(0.5) ? 2 : 3 + random.nextInt(3);
            for (int op = 0; op < operations; op++) {
                operation();
            }
            connection.commit();
        }
    }

    /** Inserts still held back: the next run, or the end of the test, flushes them. */
    int heldBack() {
        return later.values().stream().mapToInt(List::size).sum();
    }

    // ---------------------------------------------------------------------------------------------
    // Operations

    private void operation() throws SQLException {
        int pick = random.nextInt(100);
        if (pick < 16 || flows.isEmpty()) {
            newFlow();
        } else if (pick < 22) {
            anotherRequestInAFlow();
        } else if (pick < 70) {
            updateSomeColumns(pickTable());
        } else if (pick < 74) {
            updateSeveralRowsAtOnce();
        } else if (pick < 80) {
            changeKey(pickTable());
        } else if (pick < 87) {
            delete(pickTable());
        } else if (pick < 93) {
            reinsert(pickTable());
        } else if (pick < 97) {
            onlyTheLargeColumnOf(pickTable());
        } else {
            ignoredByTheLoader();
        }
    }

    /**
     * A token (or an existing one), a request, a transaction and one to three events of a new
     * flow; each row now or some transactions later, in any order.
     */
    private void newFlow() throws SQLException {
        String flowId = uuid();
        String transactionId = uuid();
        flows.add(flowId);
        transactionIds.add(transactionId);
        List<Row> rows = new ArrayList<>();
        String tokenId;
        if (!tokenIds.isEmpty() && chance(0.2)) {
            tokenId = pick(tokenIds);
        } else {
            tokenId = tokenId();
            tokenIds.add(tokenId);
            rows.add(new Row(schema.token, row(schema.token, tokenId)));
        }
        Map<String, Object> request = row(schema.request, uuid());
        request.put("flow_id", flowId);
        request.put("token_id", tokenId);
        request.put("transaction_id", transactionId);
        rows.add(new Row(schema.request, request));
        rows.add(new Row(schema.transaction, row(schema.transaction, transactionId)));
        for (int i = random.nextInt(3); i >= 0; i--) {
            Map<String, Object> event = row(schema.event, uuid());
            event.put("flow_id", flowId);
            event.put("transaction_id", transactionId);
            rows.add(new Row(schema.event, event));
        }
        Collections.shuffle(rows, random);
        for (Row row : rows) {
            if (chance(0.55)) {
                insert(row);
            } else {
                later.computeIfAbsent(transactionNo + 1 + random.nextInt(20), n -> new ArrayList<>()).add(row);
                count("insert held back");
            }
        }
    }

    /** Another request in a flow: same created_at as one already there, another one, or NULL. */
    private void anotherRequestInAFlow() throws SQLException {
        String flowId = pick(flows);
        Map<String, Object> request = row(schema.request, uuid());
        request.put("flow_id", flowId);
        if (chance(0.5)) {
            String existing = firstCreatedAtOfFlow(flowId);
            if (existing != null) {
                request.put("created_at", existing);
                count("request with a created_at equal to another's in its flow");
            }
        }
        insert(new Row(schema.request, request));
    }

    private void updateSomeColumns(String table) throws SQLException {
        if (live.get(table).isEmpty()) {
            newFlow();
            return;
        }
        List<String> candidates = new ArrayList<>(UPDATED_COLUMNS.get(source(table)));
        Collections.shuffle(candidates, random);
        Map<String, Object> set = new LinkedHashMap<>();
        for (String column : candidates.subList(0, 1 + random.nextInt(3))) {
            set.put(column, value(table, column));
        }
        update(table, set, pick(live.get(table)));
        count("update " + source(table));
    }

    /** One statement that changes every row of a flow (events, or requests). */
    private void updateSeveralRowsAtOnce() throws SQLException {
        String flowId = pick(flows);
        String table = chance(0.5) ? schema.event : schema.request;
        String column = table.equals(schema.event) ? "transaction_lifecycle_event" : "token_id";
        try (PreparedStatement update = connection.prepareStatement("update " + table + " set " + column + " = "
                + cast(table, column) + " where flow_id = cast(? as uuid)")) {
            bind(update, 1, value(table, column));
            update.setString(2, flowId);
            count("update of every " + source(table) + " of a flow (" + update.executeUpdate() + " rows)");
        }
    }

    /** The primary key changes, with another column now and then; partners pointing at the old key dangle. */
    private void changeKey(String table) throws SQLException {
        if (live.get(table).isEmpty()) {
            return;
        }
        String oldKey = pick(live.get(table));
        String newKey = table.equals(schema.token) ? tokenId() : uuid();
        Map<String, Object> set = new LinkedHashMap<>();
        set.put(schema.keyOf(table), newKey);
        if (chance(0.3)) {
            String column = pick(UPDATED_COLUMNS.get(source(table)));
            set.put(column, value(table, column));
        }
        update(table, set, oldKey);
        live.get(table).set(live.get(table).indexOf(oldKey), newKey);
        if (table.equals(schema.transaction)) {
            transactionIds.add(newKey);
        } else if (table.equals(schema.token)) {
            tokenIds.add(newKey);
        }
        count("primary key change of " + source(table));
    }

    private void delete(String table) throws SQLException {
        if (live.get(table).isEmpty()) {
            return;
        }
        String key = live.get(table).remove(random.nextInt(live.get(table).size()));
        try (PreparedStatement delete = connection.prepareStatement("delete from " + table + " where "
                + schema.keyOf(table) + " = " + cast(table, schema.keyOf(table)))) {
            delete.setString(1, key);
            delete.executeUpdate();
        }
        deleted.get(table).add(key);
        count("delete " + source(table));
    }

    /** A deleted key comes back, with new values. */
    private void reinsert(String table) throws SQLException {
        if (deleted.get(table).isEmpty()) {
            delete(table);
            return;
        }
        String key = deleted.get(table).remove(random.nextInt(deleted.get(table).size()));
        insert(new Row(table, row(table, key)));
        count("re-insert " + source(table));
    }

    /** An update of nothing but a large jsonb column: the TOASTed value itself changes. */
    private void onlyTheLargeColumnOf(String table) throws SQLException {
        if (live.get(table).isEmpty()) {
            return;
        }
        String column = switch (source(table)) {
            case "event" -> "third_party_response";
            case "transaction" -> "risk_data";
            case "transaction_request" -> "metadata";
            default -> "payment_instrument_data";
        };
        update(table, Map.of(column, large("replaced")), pick(live.get(table)));
        count("update of a large column of " + source(table));
    }

    /** Changes wal2json writes that are none of the loader's business: another table, a message. */
    private void ignoredByTheLoader() throws SQLException {
        try (PreparedStatement note = connection.prepareStatement("insert into " + SourceSchema.OTHER_TABLE + " (note) values (?)");
             PreparedStatement message = connection.prepareStatement("select pg_logical_emit_message(true, 'walmetrics', ?)")) {
            note.setString(1, "note " + transactionNo);
            note.executeUpdate();
            message.setString(1, "message " + transactionNo);
            message.executeQuery().close();
        }
        count("insert into another table, and a message");
    }

    /** A transaction that changes rows and is rolled back: wal2json must not show it at all. */
    private void rolledBack() throws SQLException {
        insert(new Row(schema.event, row(schema.event, uuid())), false);
        if (!live.get(schema.transaction).isEmpty()) {
            update(schema.transaction, Map.of("amount", 1), pick(live.get(schema.transaction)));
        }
        connection.rollback();
        count("rolled-back transaction");
    }

    // ---------------------------------------------------------------------------------------------
    // Statements

    private void insert(Row row) throws SQLException {
        insert(row, true);
    }

    private void insert(Row row, boolean remember) throws SQLException {
        List<String> columns = new ArrayList<>(row.values().keySet());
        try (PreparedStatement insert = connection.prepareStatement("insert into " + row.table() + " ("
                + String.join(", ", columns) + ") values ("
                + columns.stream().map(c -> cast(row.table(), c)).collect(Collectors.joining(", ")) + ")")) {
            for (int i = 0; i < columns.size(); i++) {
                bind(insert, i + 1, row.values().get(columns.get(i)));
            }
            insert.executeUpdate();
        }
        if (remember) {
            live.get(row.table()).add((String) row.values().get(schema.keyOf(row.table())));
            count("insert " + source(row.table()));
        }
    }

    private void update(String table, Map<String, Object> set, String key) throws SQLException {
        List<String> columns = new ArrayList<>(set.keySet());
        String keyColumn = schema.keyOf(table);
        try (PreparedStatement update = connection.prepareStatement("update " + table + " set "
                + columns.stream().map(c -> c + " = " + cast(table, c)).collect(Collectors.joining(", "))
                + " where " + keyColumn + " = " + cast(table, keyColumn))) {
            for (int i = 0; i < columns.size(); i++) {
                bind(update, i + 1, set.get(columns.get(i)));
            }
            update.setString(columns.size() + 1, key);
            update.executeUpdate();
        }
    }

    private String firstCreatedAtOfFlow(String flowId) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("select created_at::text from " + schema.request
                + " where flow_id = cast(? as uuid) and created_at is not null order by transaction_request_id limit 1")) {
            query.setString(1, flowId);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private List<Row> dueNow() {
        List<Row> due = new ArrayList<>();
        while (!later.isEmpty() && later.firstKey() <= transactionNo) {
            due.addAll(later.pollFirstEntry().getValue());
        }
        return due;
    }

    private String cast(String table, String column) {
        return "cast(? as " + type(table, column) + ")";
    }

    private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setObject(index, value);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Values

    /** A whole row with the given key, every column given a value (or NULL) of its type. */
    private Map<String, Object> row(String table, String key) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Column column : schema.tables().get(table)) {
            row.put(column.name(), column.name().equals(schema.keyOf(table)) ? key : value(table, column.name()));
        }
        return row;
    }

    /** A value for a column: aimed at existing partners for join columns, varied for metric columns. */
    private Object value(String table, String column) {
        String source = source(table);
        switch (column) {
            case "flow_id":
                return chance(0.03) ? null : flows.isEmpty() || chance(0.05) ? uuid() : pick(flows);
            case "transaction_id":
                return chance(0.03) ? null : transactionIds.isEmpty() || chance(0.05) ? uuid() : pick(transactionIds);
            case "token_id":
                return chance(0.03) ? null : tokenIds.isEmpty() || chance(0.05) ? tokenId() : pick(tokenIds);
            case "created_at":
                return chance(0.08) ? null : timestamp();
            case "amount":
                return chance(0.03) ? null : chance(0.02) ? Integer.MAX_VALUE : 1 + random.nextInt(250_000);
            case "currency_code":
                return pick(CURRENCIES);
            case "processor_merchant_account_id":
                return chance(0.05) ? null : pick(merchantAccounts);
            case "payment_instrument_type":
                return chance(0.05) ? null : pick(INSTRUMENT_TYPES);
            case "error_details":
                return errorDetails();
            case "vault_options":
                return nested("payment_method", PAYMENT_METHODS);
            case "vault_data":
                return nested("customer_id", List.of("cust-1", "cust-2", "cust-" + random.nextInt(5000)));
            case "three_d_secure_authentication":
                return threeDSecure();
            default:
                break;
        }
        String type = type(table, column);
        if (SourceSchema.ENUMS.containsKey(type)) {
            boolean metric = column.equals("transaction_lifecycle_event") || column.equals("transaction_type");
            return chance(metric ? 0.03 : 0.1) ? null : pick(SourceSchema.ENUMS.get(type));
        }
        return switch (type) {
            case "uuid" -> chance(0.2) ? null : uuid();
            case "bigint" -> chance(0.02) ? Long.MAX_VALUE : random.nextLong(1, 1_000_000_000_000L);
            case "integer" -> random.nextInt(1_000_000);
            case "boolean" -> chance(0.1) ? null : random.nextBoolean();
            case "timestamp without time zone" -> timestamp();
            case "character(3)" -> pick(CURRENCIES);
            case "jsonb" -> chance(0.3) ? null : chance(0.7) ? "{\"source\": \"" + source + "\", \"n\": " + random.nextInt(100) + "}"
                    : large(column);
            default -> chance(0.1) ? null : text(column.equals("analytics_id") || column.equals("merchant_analytics_id") ? 44 : 20);
        };
    }

    private String errorDetails() {
        double roll = random.nextDouble();
        if (roll < 0.3) {
            return null;
        }
        if (roll < 0.35) {
            return "null";
        }
        if (roll < 0.4) {
            return "{}";
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("source", quoted("ADYEN"));
        fields.put("decline_reason", chance(0.1) ? "null" : quoted(pick(DECLINE_REASONS)));
        if (chance(0.9)) {
            fields.put("decline_type", chance(0.1) ? "null" : quoted(pick(DECLINE_TYPES)));
        }
        if (chance(0.2)) {
            fields.put("raw_response", quoted(text(2_200 + random.nextInt(2_000))));
        }
        return object(fields);
    }

    /** An object holding the field (a value, JSON null, or missing), SQL NULL, and now and then over 2 KB. */
    private String nested(String field, List<String> values) {
        double roll = random.nextDouble();
        if (roll < 0.1) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        if (roll < 0.15) {
            fields.put(field, "null");
        } else if (roll > 0.2) {
            fields.put(field, quoted(pick(values)));
        }
        if (chance(0.2)) {
            fields.put("padding", quoted(text(2_200 + random.nextInt(2_000))));
        }
        return object(fields);
    }

    private String threeDSecure() {
        double roll = random.nextDouble();
        if (roll < 0.35) {
            return null;
        }
        if (roll < 0.4) {
            return "null";
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("response_code", quoted(chance(0.8) ? "AUTH_SUCCESS" : "AUTH_FAILED"));
        fields.put("protocol_version", quoted("2.1.0"));
        fields.put("eci", String.valueOf(random.nextInt(8)));
        fields.put("liability_shift", String.valueOf(random.nextBoolean()));
        if (chance(0.2)) {
            fields.put("message", quoted("Authentifié ✓\nétape \"2\""));
        }
        if (chance(0.25)) {
            fields.put("challenge", quoted(text(2_200 + random.nextInt(2_000))));
        }
        return object(fields);
    }

    /** A jsonb value over 2 KB: stored out of line, so updates that leave it alone omit it. */
    private String large(String what) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("what", quoted(what));
        fields.put("padding", quoted(text(2_200 + random.nextInt(2_000))));
        return object(fields);
    }

    private String timestamp() {
        String at = pick(timestamps);
        return chance(0.2) ? at + "." + String.format("%06d", random.nextInt(1_000_000)) : at;
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** Token ids are varchar(36): sometimes a uuid, sometimes another shape. */
    private String tokenId() {
        return chance(0.5) ? uuid() : "tok_" + text(20);
    }

    private String text(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static String object(Map<String, String> fields) {
        return fields.entrySet().stream().map(f -> quoted(f.getKey()) + ": " + f.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    private static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    // ---------------------------------------------------------------------------------------------

    private String pickTable() {
        List<String> tables = new ArrayList<>(schema.tables().keySet());
        // events are the metric's grain: change them most
        return chance(0.3) ? schema.event : pick(tables);
    }

    private String source(String table) {
        if (table.equals(schema.event)) {
            return "event";
        }
        return table.equals(schema.token) ? "payment_instrument_token" : table;
    }

    private String type(String table, String column) {
        return schema.tables().get(table).stream().filter(c -> c.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(table + "." + column)).type();
    }

    private boolean chance(double probability) {
        return random.nextDouble() < probability;
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }
}
