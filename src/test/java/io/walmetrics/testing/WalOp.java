package io.walmetrics.testing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One generated change, in the terms the sequential model applies it: its kind, WAL table, the
 * columns it carries (WAL column names; a column not in the map is left out of
 * {@code columnnames}) and its oldkeys (null when it has none; just the key, or every column
 * under REPLICA IDENTITY FULL). {@link #toChange()} writes it in the published schema.
 *
 * <p>Values: String, Long, {@link JsonDoc} for jsonb, or null.
 */
public record WalOp(String kind, String table, Map<String, Object> carried, Map<String, Object> oldKeys) {

    public WalOp {
        carried = carried == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(carried));
        oldKeys = oldKeys == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(oldKeys));
    }

    public static WalOp insert(String table, Map<String, Object> carried) {
        return new WalOp("insert", table, carried, null);
    }

    public static WalOp update(String table, Map<String, Object> carried, Map<String, Object> oldKeys) {
        return new WalOp("update", table, carried, oldKeys);
    }

    public static WalOp delete(String table, Map<String, Object> oldKeys) {
        return new WalOp("delete", table, null, oldKeys);
    }

    /** A TRUNCATE of the table: no columns, no oldkeys. */
    public static WalOp truncate(String table) {
        return new WalOp("truncate", table, null, null);
    }

    /** True when oldkeys holds more than the key: the table has REPLICA IDENTITY FULL. */
    public boolean fullIdentity() {
        return oldKeys != null && oldKeys.size() > 1;
    }

    public Change toChange() {
        String key = TestSchema.walKeyColumn(table);
        Change change;
        if (kind.equals("truncate")) {
            return Change.truncate(table);
        }
        if (kind.equals("delete")) {
            change = fullIdentity() ? Change.kind("delete", table).fullIdentity(changeValues(oldKeys))
                    : Change.delete(table, (String) oldKeys.get(key));
            return change;
        }
        change = kind.equals("insert") ? Change.insert(table) : Change.update(table);
        Map<String, String> schemaColumns = TestSchema.columns(table);
        for (String column : schemaColumns.keySet()) {
            if (carried.containsKey(column)) {
                change.set(column, changeValue(carried.get(column)));
            } else {
                change.omit(column);
            }
        }
        // a table the loader does not know: its columns are not in the schema
        carried.forEach((column, value) -> {
            if (!schemaColumns.containsKey(column)) {
                change.set(column, changeValue(value));
            }
        });
        if (oldKeys != null) {
            if (fullIdentity()) {
                change.fullIdentity(changeValues(oldKeys));
            } else {
                change.oldKey((String) oldKeys.get(key));
            }
        }
        return change;
    }

    private static Map<String, Object> changeValues(Map<String, Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((column, value) -> out.put(column, changeValue(value)));
        return out;
    }

    private static Object changeValue(Object value) {
        return value instanceof JsonDoc doc ? Change.json(doc.text()) : value;
    }

    @Override
    public String toString() {
        return toChange().toJson();
    }
}
