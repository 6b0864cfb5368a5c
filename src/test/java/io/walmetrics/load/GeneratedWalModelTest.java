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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
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

    /**
     * The same, with truncates of source tables put before changes picked at random (the seed says
     * which): what generate writes has none, since wal2json's format 1 cannot show one.
     */
    @ParameterizedTest(name = "seed {0}, groups of {1} batches, with truncates")
    @CsvSource({"14, 1", "15, 5", "16, 2147483647"})
    void generated_streams_with_truncates_at_random_points_load_to_the_same_metrics_as_the_sequential_model(long seed, int group)
            throws IOException {
        Path generated = dir.resolve("generated.json");
        try (OutputStream out = Files.newOutputStream(generated)) {
            WalGenerator.write(new WalGenerator.Options(seed, 400, Naming.PUBLISHED, Shape.BATCHES), out);
        }
        List<String> truncated = new ArrayList<>();
        Path wal = Files.writeString(dir.resolve("with-truncates.json"),
                withTruncates(Files.readString(generated), new Random(seed), TRUNCATES, truncated));
        String what = "seed " + seed + ", groups of " + group + ", truncates before changes " + truncated;
        ModelOfWal.Expected model = ModelOfWal.of(wal);
        TestDb db = TestDb.in(dir.resolve("db"));

        LoadReport report = db.load(wal, new LoadOptions(null, false).withGroupBatches(group));

        assertEquals(model.changes(), report.changesLanded(), what);
        assertEquals(TRUNCATES, db.count("stg_truncate"), what);
        Map<String, Map<String, Object>> expected = model.metrics();
        assertTrue(expected.size() > 0, what + ": the stream should leave metrics");
        assertEquals(expected, ModelOfWal.loaded(db), what + ": the loader and the sequential model differ");
    }

    private static final int TRUNCATES = 3;

    /**
     * The WAL text with {@code count} truncates, each put before a change picked at random and
     * truncating that change's table; {@code where} gets the changes' numbers (1-based, in the file).
     */
    private static String withTruncates(String wal, Random random, int count, List<String> where) {
        List<Integer> starts = new ArrayList<>();
        for (int at = wal.indexOf(CHANGE_START); at >= 0; at = wal.indexOf(CHANGE_START, at + 1)) {
            starts.add(at);
        }
        TreeSet<Integer> picked = new TreeSet<>();
        while (picked.size() < count) {
            picked.add(random.nextInt(starts.size()));
        }
        StringBuilder out = new StringBuilder(wal);
        for (int change : picked.descendingSet()) {
            int at = starts.get(change);
            int tableAt = wal.indexOf(TABLE_FIELD, at) + TABLE_FIELD.length();
            String table = wal.substring(tableAt, wal.indexOf('"', tableAt));
            out.insert(at, "{\"kind\":\"truncate\",\"schema\":\"public\",\"table\":\"" + table + "\"},");
            where.add(0, (change + 1) + " (" + table + ")");
        }
        return out.toString();
    }

    private static final String CHANGE_START = "{\"kind\":\"";
    private static final String TABLE_FIELD = "\"table\":\"";

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
