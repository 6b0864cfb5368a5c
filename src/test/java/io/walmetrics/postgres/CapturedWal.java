package io.walmetrics.postgres;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The wal2json records a slot gave, as read back by the test (its own small JSON reader, not the
 * loader's), with what the test needs to know about them: which updates left columns out (the
 * unchanged TOAST values), which changes the loader should ignore. Written to a file as minute
 * batches: a JSON array of arrays of records, the records exactly as PostgreSQL wrote them.
 */
final class CapturedWal {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> ROW_KINDS = Set.of("insert", "update", "delete");

    private final List<String> records;
    private final List<Map<String, Object>> changes = new ArrayList<>();

    CapturedWal(List<String> records) {
        this.records = List.copyOf(records);
        for (String record : records) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> recordChanges = (List<Map<String, Object>>) ((Map<String, Object>) parse(record)).get("change");
            changes.addAll(recordChanges);
        }
    }

    /**
     * The nextlsn (as a 64-bit number) of each record that changed a source table: the records
     * must have been taken with positions ({@link Wal2jsonSlot#take(boolean)}).
     */
    List<Long> positionsOfSourceChanges(SourceSchema schema) {
        List<Long> positions = new ArrayList<>();
        for (String record : records) {
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = (Map<String, Object>) parse(record);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> recordChanges = (List<Map<String, Object>>) parsed.get("change");
            if (recordChanges.stream().anyMatch(change -> schema.tables().containsKey(String.valueOf(change.get("table"))))) {
                String lsn = (String) parsed.get("nextlsn");
                int slash = lsn.indexOf('/');
                positions.add((Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16));
            }
        }
        return positions;
    }

    int records() {
        return records.size();
    }

    int changes() {
        return changes.size();
    }

    /** Records with an empty change array (transactions that changed no row, such as DDL). */
    long emptyRecords() {
        return records.stream().filter(r -> r.replace(" ", "").equals("{\"change\":[]}")).count();
    }

    /** Changes of the four sources, by table and kind: "event_v2_data update" and so on. */
    Map<String, Integer> kinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        for (Map<String, Object> change : changes) {
            kinds.merge(change.get("table") + " " + change.get("kind"), 1, Integer::sum);
        }
        return kinds;
    }

    /** Changes of other tables, and of other kinds (messages): the loader counts them as ignored. */
    long ignorable(SourceSchema schema) {
        return changes.stream()
                .filter(c -> !ROW_KINDS.contains(c.get("kind")) || !schema.tables().containsKey((String) c.get("table")))
                .count();
    }

    /**
     * For each "table.column", the number of updates that left it out: wal2json's unchanged
     * TOASTed values. Empty means the run never exercised them.
     */
    Map<String, Integer> columnsLeftOutOfUpdates(SourceSchema schema) {
        Map<String, Integer> leftOut = new TreeMap<>();
        for (Map<String, Object> change : changes) {
            String table = (String) change.get("table");
            if (!"update".equals(change.get("kind")) || !schema.tables().containsKey(table)) {
                continue;
            }
            List<?> carried = (List<?>) change.get("columnnames");
            for (SourceSchema.Column column : schema.tables().get(table)) {
                if (!carried.contains(column.name())) {
                    leftOut.merge(table + "." + column.name(), 1, Integer::sum);
                }
            }
        }
        return leftOut;
    }

    /** Writes the records as minute batches of 1 to {@code maxBatch} records (sizes from the seed). */
    Path writeBatches(Path file, Random random, int maxBatch) {
        StringBuilder out = new StringBuilder("[");
        int next = 0;
        while (next < records.size()) {
            int end = Math.min(records.size(), next + 1 + random.nextInt(maxBatch));
            out.append(next == 0 ? "\n[" : ",\n[")
                    .append(String.join(",\n ", records.subList(next, end)))
                    .append(']');
            next = end;
        }
        out.append("\n]\n");
        try {
            return Files.writeString(file, out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return records.size() + " records, " + changes.size() + " changes " + kinds().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", "(", ")"));
    }

    // A JSON value as Map / List / String / number text / Boolean / null.

    private static Object parse(String json) {
        try (JsonParser parser = JSON.createParser(json)) {
            parser.nextToken();
            return value(parser);
        } catch (IOException e) {
            throw new UncheckedIOException("wal2json wrote something that is not JSON: " + json, e);
        }
    }

    private static Object value(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    object.put(name, value(parser));
                }
                return object;
            }
            case START_ARRAY: {
                List<Object> array = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(parser));
                }
                return array;
            }
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return parser.getText();
            case VALUE_TRUE:
            case VALUE_FALSE:
                return parser.getBooleanValue();
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected " + token);
        }
    }
}
