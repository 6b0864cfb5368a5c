package io.walmetrics.testing;

import io.walmetrics.wal.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A jsonb value written by a generated test: its JSON text as wal2json sends it, and, when the
 * text is an object, the top-level fields it holds. A test model reads nested fields from the
 * fields it built, never by parsing the text, so it does not share a JSON reader with the loader.
 *
 * <p>Field values: String, Long, {@link #JSON_NULL}, or {@link Raw} (JSON text kept as is, never
 * read as a field by the model).
 */
public final class JsonDoc {

    /** A JSON null held by a field: {@code {"decline_reason": null}}. */
    public static final Object JSON_NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** JSON text for a field the model never reads (nested objects, arrays). */
    public record Raw(String json) {
    }

    private final String text;
    private final Map<String, Object> fields;

    private JsonDoc(String text, Map<String, Object> fields) {
        this.text = text;
        this.fields = fields;
    }

    /** An object with these fields in this order; {@code spaced} writes ": " and ", " as PostgreSQL does. */
    public static JsonDoc object(Map<String, Object> fields, boolean spaced) {
        StringBuilder out = new StringBuilder("{");
        String separator = spaced ? ", " : ",";
        String colon = spaced ? ": " : ":";
        boolean first = true;
        for (var field : fields.entrySet()) {
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(Json.quote(field.getKey())).append(colon).append(fieldJson(field.getValue()));
        }
        return new JsonDoc(out.append('}').toString(), new LinkedHashMap<>(fields));
    }

    /** JSON text read from elsewhere (a generated file), with the top-level fields read from it. */
    public static JsonDoc read(String text, Map<String, Object> fields) {
        return new JsonDoc(text, fields == null ? null : new LinkedHashMap<>(fields));
    }

    /** JSON text that is not an object (the JSON null, an array, a string): it has no fields. */
    public static JsonDoc notAnObject(String text) {
        return new JsonDoc(text, null);
    }

    public String text() {
        return text;
    }

    /**
     * What SQLite's {@code cast(json_extract(text, '$.field') as text)} gives, worked out from the
     * fields: a string as is, an integer as its decimal digits, null for a JSON null, a missing
     * field or a value that is not an object.
     */
    public String field(String name) {
        if (fields == null || !fields.containsKey(name)) {
            return null;
        }
        Object value = fields.get(name);
        if (value == JSON_NULL) {
            return null;
        }
        if (value instanceof String || value instanceof Long) {
            return value.toString();
        }
        throw new IllegalStateException("the model reads no " + value + " field");
    }

    private static String fieldJson(Object value) {
        if (value == JSON_NULL) {
            return "null";
        }
        if (value instanceof String string) {
            return Json.quote(string);
        }
        if (value instanceof Long number) {
            return number.toString();
        }
        if (value instanceof Raw raw) {
            return raw.json();
        }
        throw new IllegalArgumentException("no JSON form for " + value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonDoc doc && doc.text.equals(text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
