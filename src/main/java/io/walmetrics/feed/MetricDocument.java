package io.walmetrics.feed;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metric row as a search index stores it: the fifteen columns of docs/reference.md#the-metric and updated_in_batch.
 * Serialised ({@link Json#mapper()}) as the object of its fields: the JSON column as the JSON object it is
 * (search/metrics-index.json maps it as one), every other column as its SQLite value, a number or a string.
 */
public record MetricDocument(@JsonValue Map<String, Object> fields) {
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
            fields.put(column, fieldValue(column, rs.getObject(column)));
        }
        return new MetricDocument(fields);
    }

    /**
     * What a column's SQLite value is written as: a number, a string, null, or for the JSON column
     * {@link JsonText}. The loader stores only valid JSON in a json column; anything else goes out as the string it is.
     */
    private static Object fieldValue(String column, Object value) {
        if (value == null || value instanceof Number) {
            return value;
        }
        String text = value.toString();
        return JSON_COLUMN.equals(column) && Json.isValid(text) ? new JsonText(text) : text;
    }

    /**
     * A JSON text, written as the JSON value it holds (re-encoded token by token, so that a line of
     * output stays one line), not as a string. Numbers keep their text: {@code 12.3400} stays
     * {@code 12.3400} and {@code 1e400} stays {@code 1e400}, as the load stored them, where Jackson's
     * own copy would pass them through a double.
     */
    record JsonText(String text) implements JsonSerializable {

        @Override
        public void serialize(JsonGenerator out, SerializerProvider serializers) throws IOException {
            try (JsonParser parser = Json.FACTORY.createParser(text)) {
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    if (token.isNumeric()) {
                        out.writeNumber(parser.getText());
                    } else {
                        out.copyCurrentEvent(parser);
                    }
                }
            }
        }

        @Override
        public void serializeWithType(JsonGenerator out, SerializerProvider serializers, TypeSerializer typeSer) throws IOException {
            serialize(out, serializers);
        }
    }
}
