package io.walmetrics.load;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.testing.JsonDoc;
import io.walmetrics.testing.SequentialModel;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalOp;
import io.walmetrics.wal.Json;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalReader;
import io.walmetrics.wal.WalValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sequential model's metrics for a WAL file (every change applied once, in file order), and
 * the loaded metrics in the same terms, so that a test can compare the two whole.
 */
final class ModelOfWal {

    /** The model after every change of the file, and how many changes it applied. */
    record Expected(Map<String, Map<String, Object>> metrics, int changes) {
    }

    private ModelOfWal() {
    }

    static Expected of(Path wal) {
        SequentialModel model = new SequentialModel();
        int changes = 0;
        try (WalReader reader = new WalReader(Files.newInputStream(wal), wal.toString(), null)) {
            while (reader.nextBatch()) {
                for (WalChange change = reader.nextChange(); change != null; change = reader.nextChange()) {
                    model.apply(walOp(change));
                    changes++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Map<String, Object>> expected = new LinkedHashMap<>();
        model.metrics().forEach((id, metric) -> {
            Map<String, Object> row = DifferentialTest.normalized(metric);
            row.replaceAll((column, value) -> value instanceof Number number ? (Object) number.longValue() : value);
            expected.put(id, row);
        });
        return new Expected(expected, changes);
    }

    /** The metrics table without its batch stamps, numbers as longs. */
    static Map<String, Map<String, Object>> loaded(TestDb db) {
        Map<String, Map<String, Object>> loaded = new LinkedHashMap<>();
        DifferentialTest.metricsTable(db).forEach((id, row) -> {
            Map<String, Object> spec = new LinkedHashMap<>(row);
            spec.remove("updated_in_batch");
            spec.replaceAll((column, value) -> value instanceof Number number ? (Object) number.longValue() : value);
            loaded.put(id, spec);
        });
        return loaded;
    }

    /** The change in the model's terms: values as Java values, jsonb with its top-level fields. */
    private static WalOp walOp(WalChange change) throws IOException {
        Map<String, Object> carried = values(change.columnNames(), change.columnTypes(), change.columnValues());
        Map<String, Object> oldKeys = change.oldKeys() == null ? null
                : values(change.oldKeys().keyNames(), change.oldKeys().keyTypes(), change.oldKeys().keyValues());
        return new WalOp(change.kind(), change.table(), carried, oldKeys);
    }

    private static Map<String, Object> values(List<String> names, List<String> types, List<WalValue> values)
            throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            WalValue value = values.get(i);
            boolean json = types.get(i).equals("jsonb") || types.get(i).equals("json");
            row.put(names.get(i), switch (value.type()) {
                case NULL -> null;
                case INTEGER -> Long.parseLong(value.text());
                case TRUE -> Boolean.TRUE;
                case FALSE -> Boolean.FALSE;
                case STRING -> json ? jsonDoc(value.text()) : value.text();
                default -> value.text();
            });
        }
        return row;
    }

    private static JsonDoc jsonDoc(String text) throws IOException {
        try (JsonParser parser = Json.FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return JsonDoc.notAnObject(text);
            }
            Map<String, Object> fields = new LinkedHashMap<>();
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                fields.put(name, switch (value) {
                    case VALUE_STRING -> parser.getText();
                    case VALUE_NUMBER_INT -> parser.getLongValue();
                    case VALUE_NULL -> JsonDoc.JSON_NULL;
                    default -> {
                        parser.skipChildren();
                        yield new JsonDoc.Raw("(not read)");
                    }
                });
            }
            return JsonDoc.read(text, fields);
        }
    }
}
