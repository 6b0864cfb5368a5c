package io.walmetrics.testing;

import io.walmetrics.wal.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A wal2json format-version 1 change written by a test, with the published schema's columns and
 * types (from the migrations' catalog), so a test names only the values that matter to it.
 *
 * <p>Values: String, Integer/Long, BigDecimal (written as its exact text), Boolean, null, or
 * {@link #json(String)} for a jsonb column (wal2json writes JSON text as a string).
 */
public final class Change {

    private final String kind;
    private final String table;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Set<String> omitted = new LinkedHashSet<>();
    private Map<String, Object> oldKeys;
    private final Map<String, String> typeOverrides = new LinkedHashMap<>();
    private String schema = "public";

    private Change(String kind, String table) {
        this.kind = kind;
        this.table = table;
    }

    /** An insert into a WAL table; every column of the table is written, null unless set. */
    public static Change insert(String table) {
        return new Change("insert", table);
    }

    public static Change update(String table) {
        return new Change("update", table);
    }

    /** A delete with primary-key identity: oldkeys holds only the key. */
    public static Change delete(String table, String key) {
        Change change = new Change("delete", table);
        change.oldKeys = new LinkedHashMap<>(Map.of(TestSchema.walKeyColumn(table), key));
        return change;
    }

    /** A TRUNCATE of the table, in the shape the loader reads (wal2json's format 1 never writes it). */
    public static Change truncate(String table) {
        return new Change("truncate", table);
    }

    public static Change kind(String kind, String table) {
        return new Change(kind, table);
    }

    /**
     * The update wal2json writes for a row this insert put: every column again, so a test sets
     * only what changes (and omits what an unchanged TOAST value would leave out).
     */
    public Change asUpdate() {
        Change update = new Change("update", table);
        update.values.putAll(values);
        update.omitted.addAll(omitted);
        update.typeOverrides.putAll(typeOverrides);
        update.schema = schema;
        return update;
    }

    /** jsonb text; wal2json writes it as a JSON string. */
    public static JsonText json(String text) {
        return new JsonText(text);
    }

    public record JsonText(String text) {
    }

    /** The change of the table of this name in another PostgreSQL schema (public unless said). */
    public Change inSchema(String schema) {
        this.schema = schema;
        return this;
    }

    public Change set(String column, Object value) {
        values.put(column, value);
        return this;
    }

    /** Leaves the column out, as wal2json does with an unchanged TOASTed value in an update. */
    public Change omit(String column) {
        omitted.add(column);
        return this;
    }

    /** Reports the column under another PostgreSQL type than the published schema's. */
    public Change type(String column, String pgType) {
        typeOverrides.put(column, pgType);
        return this;
    }

    /** oldkeys with only the key, as a key-changing update has under default identity. */
    public Change oldKey(String key) {
        oldKeys = new LinkedHashMap<>(Map.of(TestSchema.walKeyColumn(table), key));
        return this;
    }

    /** oldkeys with every column, as REPLICA IDENTITY FULL writes them. */
    public Change fullIdentity(Map<String, Object> oldRow) {
        oldKeys = new LinkedHashMap<>();
        for (String column : TestSchema.columns(table).keySet()) {
            oldKeys.put(column, oldRow.get(column));
        }
        return this;
    }

    public String kind() {
        return kind;
    }

    public String table() {
        return table;
    }

    public String toJson() {
        StringBuilder out = new StringBuilder("{\"kind\":").append(Json.quote(kind))
                .append(",\"schema\":").append(Json.quote(schema))
                .append(",\"table\":").append(Json.quote(table));
        if (!kind.equals("delete") && !kind.equals("truncate")) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<String> jsonValues = new ArrayList<>();
            Map<String, String> columns = new LinkedHashMap<>(TestSchema.columns(table));
            values.keySet().forEach(column -> columns.putIfAbsent(column, "text"));
            for (var column : columns.entrySet()) {
                if (omitted.contains(column.getKey())) {
                    continue;
                }
                names.add(Json.quote(column.getKey()));
                types.add(Json.quote(typeOverrides.getOrDefault(column.getKey(), column.getValue())));
                jsonValues.add(jsonValue(values.get(column.getKey())));
            }
            out.append(",\"columnnames\":[").append(String.join(",", names)).append(']')
                    .append(",\"columntypes\":[").append(String.join(",", types)).append(']')
                    .append(",\"columnvalues\":[").append(String.join(",", jsonValues)).append(']');
        }
        if (oldKeys != null) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<String> jsonValues = new ArrayList<>();
            for (var key : oldKeys.entrySet()) {
                names.add(Json.quote(key.getKey()));
                types.add(Json.quote(TestSchema.columns(table).getOrDefault(key.getKey(), "text")));
                jsonValues.add(jsonValue(key.getValue()));
            }
            out.append(",\"oldkeys\":{\"keynames\":[").append(String.join(",", names))
                    .append("],\"keytypes\":[").append(String.join(",", types))
                    .append("],\"keyvalues\":[").append(String.join(",", jsonValues)).append("]}");
        }
        return out.append('}').toString();
    }

    static String jsonValue(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof JsonText jsonText) {
            return Json.quote(jsonText.text());
        }
        if (value instanceof String text) {
            return Json.quote(text);
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toString();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw new IllegalArgumentException("no JSON form for " + value.getClass());
    }
}
