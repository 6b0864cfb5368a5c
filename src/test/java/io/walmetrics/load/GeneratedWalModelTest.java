package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.testing.JsonDoc;
import io.walmetrics.testing.SequentialModel;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalOp;
import io.walmetrics.wal.Json;
import io.walmetrics.wal.WalChange;
import io.walmetrics.wal.WalReader;
import io.walmetrics.wal.WalValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code generate} writes loads to the metrics the sequential model gives for the same
 * changes: the generator's realistic flows (late transactions, omitted TOAST columns, key changes,
 * full-identity deletes, re-inserts) checked the way the differential test checks random streams.
 */
class GeneratedWalModelTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void generated_streams_load_to_the_same_metrics_as_the_sequential_model(long seed) throws IOException {
        Path wal = dir.resolve("generated.json");
        try (OutputStream out = Files.newOutputStream(wal)) {
            WalGenerator.write(new WalGenerator.Options(seed, 400, Naming.PUBLISHED, Shape.BATCHES), out);
        }
        SequentialModel model = new SequentialModel();
        int changes = 0;
        try (WalReader reader = new WalReader(Files.newInputStream(wal), wal.toString(), null)) {
            while (reader.nextBatch()) {
                for (WalChange change = reader.nextChange(); change != null; change = reader.nextChange()) {
                    model.apply(walOp(change));
                    changes++;
                }
            }
        }
        TestDb db = TestDb.in(dir.resolve("db"));

        LoadReport report = db.load(wal);

        assertEquals(changes, report.changesLanded(), "seed " + seed);
        Map<String, Map<String, Object>> expected = new LinkedHashMap<>();
        model.metrics().forEach((id, metric) -> expected.put(id, DifferentialTest.normalized(metric)));
        Map<String, Map<String, Object>> loaded = new LinkedHashMap<>();
        DifferentialTest.metricsTable(db).forEach((id, row) -> {
            Map<String, Object> spec = new LinkedHashMap<>(row);
            spec.remove("updated_in_batch");
            spec.replaceAll((column, value) -> value instanceof Number number ? (Object) number.longValue() : value);
            loaded.put(id, spec);
        });
        expected.values().forEach(row -> row.replaceAll((column, value) ->
                value instanceof Number number ? (Object) number.longValue() : value));
        assertTrue(expected.size() > 200, "seed " + seed + ": the stream should leave many metrics, left " + expected.size());
        assertEquals(expected, loaded, "seed " + seed + ": the loader and the sequential model differ");
    }

    @org.junit.jupiter.api.Test
    void every_shape_and_naming_of_the_same_seed_loads_to_the_same_metrics() throws IOException {
        Map<String, Map<String, Map<String, Object>>> metricsByVariant = new LinkedHashMap<>();
        for (Naming naming : Naming.values()) {
            for (Shape shape : Shape.values()) {
                String variant = naming + "-" + shape;
                Path wal = dir.resolve(variant + ".json");
                try (OutputStream out = Files.newOutputStream(wal)) {
                    WalGenerator.write(new WalGenerator.Options(21, 150, naming, shape), out);
                }
                TestDb db = TestDb.in(dir.resolve(variant));
                LoadReport report = db.load(wal);
                assertEquals(0, report.changesRejected() + report.changesIgnored(), variant);
                Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
                DifferentialTest.metricsTable(db).forEach((id, row) -> {
                    Map<String, Object> spec = new LinkedHashMap<>(row);
                    spec.remove("updated_in_batch"); // batch numbers differ with the shape
                    metrics.put(id, spec);
                });
                metricsByVariant.put(variant, metrics);
            }
        }
        Map<String, Map<String, Object>> first = metricsByVariant.values().iterator().next();
        assertTrue(first.size() > 50, "the stream should leave metrics, left " + first.size());
        metricsByVariant.forEach((variant, metrics) -> assertEquals(first, metrics, variant));
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
