package io.walmetrics.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rows of {@code metrics} as a search index holds them, read back from JSON: integers as Long, and
 * three_d_secure_authentication as the JSON value it holds, not its text.
 */
public final class MetricDocuments {

    private MetricDocuments() {
    }

    /** Every metric row by id. */
    public static Map<String, Map<String, Object>> of(TestDb db) {
        Map<String, Map<String, Object>> documents = new TreeMap<>();
        for (Map<String, Object> row : db.rows("select * from metrics")) {
            Map<String, Object> document = new LinkedHashMap<>();
            row.forEach((column, value) -> document.put(column, asReadBack(column, value)));
            documents.put((String) row.get("id"), document);
        }
        return documents;
    }

    private static Object asReadBack(String column, Object value) {
        if (value instanceof Integer number) {
            return Long.valueOf(number);
        }
        if ("three_d_secure_authentication".equals(column) && value instanceof String json) {
            return JsonValues.parse(json);
        }
        return value;
    }
}
