package io.walmetrics.testing;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The loader's meaning written the slow, obvious way (docs/reference.md#folding, the sequential meaning): four source
 * tables as Java maps, every change (a truncate too) applied one at a time in file order, then the four-way join
 * of docs/reference.md#the-metric computed from scratch. No SQL: a randomized test compares the loader against this.
 *
 * <p>Rows are keyed by the WAL table's own key column ({@code event_id} for {@code event_v2_data})
 * and hold WAL column names; a column a row does not hold is NULL.
 */
public final class SequentialModel {

    public static final String EVENT = "event_v2_data";
    public static final String TRANSACTION = "transaction";
    public static final String REQUEST = "transaction_request";
    public static final String TOKEN = "payment_instrument_token_data";

    /** The key column of each WAL table the metric reads (docs/reference.md#source-tables); other tables are ignored. */
    public static final Map<String, String> KEY_COLUMN = Map.of(
            EVENT, "event_id",
            TRANSACTION, "transaction_id",
            REQUEST, "transaction_request_id",
            TOKEN, "token_id");

    /** The fifteen metric columns of docs/reference.md#the-metric, in order. */
    public static final java.util.List<String> METRIC_COLUMNS = java.util.List.of(
            "id", "flow_id", "created_at", "transaction_lifecycle_event", "decline_reason", "decline_type",
            "payment_method", "transaction_id", "transaction_type", "amount", "currency_code",
            "processor_merchant_account_id", "three_d_secure_authentication", "payment_instrument_type",
            "customer_id");

    /** Compares text as SQLite's BINARY collation does, NULL lowest. */
    private static final Comparator<String> TEXT_NULLS_LOWEST = Comparator.nullsFirst(Comparator.naturalOrder());

    private final Map<String, Map<String, Map<String, Object>>> tables = new HashMap<>();

    public SequentialModel() {
        KEY_COLUMN.keySet().forEach(table -> tables.put(table, new HashMap<>()));
    }

    public void apply(WalOp change) {
        Map<String, Map<String, Object>> rows = tables.get(change.table());
        if (rows == null) {
            return; // a table the metric does not read
        }
        String keyColumn = KEY_COLUMN.get(change.table());
        switch (change.kind()) {
            case "insert" -> {
                // the row is what the insert carries; any row under the key is replaced
                rows.put((String) change.carried().get(keyColumn), new HashMap<>(change.carried()));
            }
            case "update" -> {
                String newKey = (String) change.carried().get(keyColumn);
                String oldKey = change.oldKeys() == null ? newKey : (String) change.oldKeys().get(keyColumn);
                Map<String, Object> row = new HashMap<>(rows.getOrDefault(oldKey, Map.of()));
                row.putAll(change.carried()); // a column left out keeps its value
                rows.remove(oldKey);
                rows.put(newKey, row);
            }
            case "delete" -> rows.remove((String) change.oldKeys().get(keyColumn));
            case "truncate" -> rows.clear(); // every row of the table is gone; the changes after it start from nothing
            default -> throw new IllegalArgumentException("the model applies no " + change.kind());
        }
    }

    /** The current rows of a WAL table, by key. */
    public Map<String, Map<String, Object>> rows(String table) {
        return java.util.Collections.unmodifiableMap(tables.get(table));
    }

    public Optional<Map<String, Object>> row(String table, String key) {
        return Optional.ofNullable(tables.get(table).get(key));
    }

    /** The metric table as docs/reference.md#the-metric defines it over the current rows, by event id. */
    public SortedMap<String, Map<String, Object>> metrics() {
        SortedMap<String, Map<String, Object>> metrics = new TreeMap<>();
        for (Map<String, Object> event : tables.get(EVENT).values()) {
            Map<String, Object> transaction = lookUp(TRANSACTION, text(event, "transaction_id"));
            Map<String, Object> request = chosenRequest(text(event, "flow_id"));
            Map<String, Object> token = request == null ? null : lookUp(TOKEN, text(request, "token_id"));
            if (transaction == null || token == null) {
                continue;
            }
            Map<String, Object> metric = new LinkedHashMap<>();
            metric.put("id", event.get("event_id"));
            metric.put("flow_id", event.get("flow_id"));
            metric.put("created_at", event.get("created_at"));
            metric.put("transaction_lifecycle_event", event.get("transaction_lifecycle_event"));
            metric.put("decline_reason", field(event, "error_details", "decline_reason"));
            metric.put("decline_type", field(event, "error_details", "decline_type"));
            metric.put("payment_method", field(request, "vault_options", "payment_method"));
            metric.put("transaction_id", transaction.get("transaction_id"));
            metric.put("transaction_type", transaction.get("transaction_type"));
            metric.put("amount", transaction.get("amount"));
            metric.put("currency_code", transaction.get("currency_code"));
            metric.put("processor_merchant_account_id", transaction.get("processor_merchant_account_id"));
            JsonDoc threeDs = (JsonDoc) token.get("three_d_secure_authentication");
            metric.put("three_d_secure_authentication", threeDs == null ? null : threeDs.text());
            metric.put("payment_instrument_type", token.get("payment_instrument_type"));
            metric.put("customer_id", field(token, "vault_data", "customer_id"));
            metrics.put((String) event.get("event_id"), metric);
        }
        return metrics;
    }

    /**
     * Of the requests in the flow, the one with the greatest created_at (NULL lowest), ties to the
     * greatest transaction_request_id, both compared as text; null when the flow has none.
     */
    private Map<String, Object> chosenRequest(String flowId) {
        if (flowId == null) {
            return null;
        }
        Map<String, Object> chosen = null;
        for (Map<String, Object> request : tables.get(REQUEST).values()) {
            if (!flowId.equals(request.get("flow_id"))) {
                continue;
            }
            if (chosen == null || later(request, chosen)) {
                chosen = request;
            }
        }
        return chosen;
    }

    private static boolean later(Map<String, Object> request, Map<String, Object> than) {
        int byCreatedAt = TEXT_NULLS_LOWEST.compare(text(request, "created_at"), text(than, "created_at"));
        if (byCreatedAt != 0) {
            return byCreatedAt > 0;
        }
        return text(request, "transaction_request_id").compareTo(text(than, "transaction_request_id")) > 0;
    }

    private Map<String, Object> lookUp(String table, String key) {
        return key == null ? null : tables.get(table).get(key);
    }

    private static String text(Map<String, Object> row, String column) {
        return (String) row.get(column);
    }

    private static String field(Map<String, Object> row, String jsonColumn, String name) {
        JsonDoc doc = (JsonDoc) row.get(jsonColumn);
        return doc == null ? null : doc.field(name);
    }
}
