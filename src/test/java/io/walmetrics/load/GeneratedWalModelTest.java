package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What {@code generate} writes loads to the metrics the sequential model gives for the same
 * changes: the generator's realistic flows (late transactions, omitted TOAST columns, key changes,
 * full-identity deletes, re-inserts) checked the way the differential test checks random streams.
 */
class GeneratedWalModelTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}, groups of {1} batches")
    @CsvSource({"11, 1", "12, 7", "13, 2147483647"})
    void generated_streams_load_to_the_same_metrics_as_the_sequential_model(long seed, int group) throws IOException {
        Path wal = dir.resolve("generated.json");
        try (OutputStream out = Files.newOutputStream(wal)) {
            WalGenerator.write(new WalGenerator.Options(seed, 400, Naming.PUBLISHED, Shape.BATCHES), out);
        }
        ModelOfWal.Expected model = ModelOfWal.of(wal);
        TestDb db = TestDb.in(dir.resolve("db"));

        LoadReport report = db.load(wal, new LoadOptions(null, false).withGroupBatches(group));

        assertEquals(model.changes(), report.changesLanded(), "seed " + seed);
        Map<String, Map<String, Object>> expected = model.metrics();
        Map<String, Map<String, Object>> loaded = ModelOfWal.loaded(db);
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
}
