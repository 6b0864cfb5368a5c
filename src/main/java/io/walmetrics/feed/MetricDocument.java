package io.walmetrics.feed;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metric row as a search index stores it: the fifteen columns of docs/reference.md#the-metric and updated_in_batch.
 * The columns hold what SQLite holds; {@link #writeTo} writes the JSON column as the JSON object it is
 * (search/metrics-index.json maps it as one), every other column as its SQLite value.
 */
public record MetricDocument(Map<String, Object> fields) {

    /** The columns of metrics, in the table's order; amount and updated_in_batch are integers. */
    public static final List<String> COLUMNS = List.of(
            "id",
            "flow_id",
            "created_at",
            "transaction_lifecycle_event",
            "decline_reason",
            "decline_type",
            "payment_method",
            "transaction_id",
            "transaction_type",
            "amount",
            "currency_code",
            "processor_merchant_account_id",
            "three_d_secure_authentication",
            "payment_instrument_type",
            "customer_id",
            "updated_in_batch");

    /** The column that holds a JSON document (the source's jsonb), written as JSON, not as a string. */
    public static final String JSON_COLUMN = "three_d_secure_authentication";

    public MetricDocument {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Reads the columns of {@link #COLUMNS}, named so, from the current row of {@code rs}. */
    static MetricDocument read(ResultSet rs) throws SQLException {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String column : COLUMNS) {
            fields.put(column, rs.getObject(column));
        }
        return new MetricDocument(fields);
    }

    public void writeTo(JsonGenerator out) throws IOException {
        out.writeStartObject();
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            Object value = field.getValue();
            if (value == null) {
                out.writeNullField(field.getKey());
            } else if (JSON_COLUMN.equals(field.getKey())) {
                out.writeFieldName(field.getKey());
                writeJson(out, value.toString());
            } else if (value instanceof Integer || value instanceof Long) {
                out.writeNumberField(field.getKey(), ((Number) value).longValue());
            } else if (value instanceof Double number) {
                out.writeNumberField(field.getKey(), number);
            } else {
                out.writeStringField(field.getKey(), value.toString());
            }
        }
        out.writeEndObject();
    }

    /** The loader stores only valid JSON in a json column; anything else goes out as the string it is. */
    private static void writeJson(JsonGenerator out, String text) throws IOException {
        if (!Json.isValid(text)) {
            out.writeString(text);
            return;
        }
        try (JsonParser parser = Json.FACTORY.createParser(text)) {
            parser.nextToken();
            out.copyCurrentStructure(parser);
        }
    }
}
