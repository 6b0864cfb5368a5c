package io.walmetrics.load;

import static io.walmetrics.testing.SequentialModel.EVENT;
import static io.walmetrics.testing.SequentialModel.KEY_COLUMN;
import static io.walmetrics.testing.SequentialModel.METRIC_COLUMNS;
import static io.walmetrics.testing.SequentialModel.REQUEST;
import static io.walmetrics.testing.SequentialModel.TOKEN;
import static io.walmetrics.testing.SequentialModel.TRANSACTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.JsonDoc;
import io.walmetrics.testing.RandomWal;
import io.walmetrics.testing.SequentialModel;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalOp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomized differential test of the sequential meaning of a load (docs/reference.md#folding): streams generated from a seed
 * ({@link RandomWal}) are loaded through the real loader into real SQLite files, and the metrics
 * table (the fifteen columns of docs/reference.md#the-metric, and updated_in_batch) and the four current_* tables must equal
 * what {@link SequentialModel} gets by applying every change one at a time in file order and
 * joining from scratch. Each stream is loaded three ways: as one file; cut into two or three files
 * loaded one after another (compared after each, and with the one-file load at the end); and its
 * first batches one file each (compared after every batch). Wherever the tables are compared, the
 * metric rows every batch so far upserted and deleted (batch_ledger) are compared too.
 *
 * <p>Re-run one seed (the seed is in every failure message):
 * <pre>
 *   mvn -B -q -o test -Dtest=DifferentialTest -Ddifferential.seed=1234
 *   DIFFERENTIAL_SEED=1234 mvn -B -q -o test -Dtest=DifferentialTest
 * </pre>
 * {@code -Ddifferential.batches=N} overrides the number of batches of a stream.
 */
class DifferentialTest {

    private static final long[] SEEDS = {
            1L, 42L, 2024L, 7_777L, 31_337L, 271_828L, 1_000_003L, 9_876_543_210L};
    private static final int MIN_BATCHES = 200;
    private static final int MAX_BATCHES = 250;
    /** The first batches of a stream, loaded and compared one at a time (a file each costs a load). */
    private static final int BATCHES_CHECKED_ONE_BY_ONE = 80;
    private static final int DIFFERENCES_SHOWN = 12;
    private static final Map<String, TestDb> ONE_FILE_LOADS = new HashMap<>();

    @TempDir
    static Path sharedDir;

    /**
     * Batches of a file folded together: one at a time, a few, and the whole file at once; the
     * tables must be the same, and a metric's stamp is the last batch of the group it changed in.
     */
    private static final int[] GROUPS = {1, 3, Integer.MAX_VALUE};

    static LongStream seeds() {
        String one = System.getProperty("differential.seed", System.getenv("DIFFERENTIAL_SEED"));
        return one == null || one.isBlank() ? LongStream.of(SEEDS) : LongStream.of(Long.parseLong(one.trim()));
    }

    static Stream<Arguments> seedsAndGroups() {
        return seeds().boxed().flatMap(seed -> Arrays.stream(GROUPS).mapToObj(group -> Arguments.of(seed, group)));
    }

    @ParameterizedTest(name = "seed {0}, groups of {1} batches")
    @MethodSource("seedsAndGroups")
    void generated_streams_load_to_the_same_metrics_as_applying_each_change_in_order(long seed, int group) {
        RandomWal.Stream stream = stream(seed);
        Replay model = new Replay(stream);
        model.applyBatches(0, stream.batches().size(), group);

        TestDb db = loadedAsOneFile(seed, stream, group);

        assertSameAsModel(db, model, seed, "after one file of " + stream.batches().size() + " batches");
        assertTrue(model.mostMetricRows > 0, "seed " + seed + ": the stream never made a metric row, so it tests little");
        System.out.printf("DifferentialTest seed %d: %d batches, %d changes, %s; metric rows: %d at the end, %.1f on average, at most %d%n",
                seed, stream.batches().size(), stream.changeCount(), kinds(stream), model.metrics.size(),
                (double) model.metricRowsSummedOverBatches / model.batchesApplied, model.mostMetricRows);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void a_stream_loaded_as_several_files_matches_the_model_after_each_and_ends_as_one_file_does(long seed, @TempDir Path dir) {
        RandomWal.Stream stream = stream(seed);
        List<Integer> cuts = cuts(seed, stream.batches().size());
        int group = 2 + (int) Math.floorMod(seed, 7L);
        Replay model = new Replay(stream);

        TestDb several = TestDb.in(dir);
        for (int part = 0; part + 1 < cuts.size(); part++) {
            int from = cuts.get(part);
            int to = cuts.get(part + 1);
            model.applyBatches(from, to, group);
            load(several, stream, from, to, group);
            assertSameAsModel(several, model, seed, "after file " + (part + 1) + " of " + (cuts.size() - 1)
                    + " (batches " + (from + 1) + " to " + to + ")");
        }

        assertEquals(withoutStamps(metricsTable(loadedAsOneFile(seed, stream, 1))), withoutStamps(metricsTable(several)),
                "seed " + seed + ": the stream in one file and in the files cut at batches " + cuts + ", groups of " + group
                        + " give different metrics" + rerun(seed));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void the_tables_equal_the_model_after_every_batch_when_each_batch_comes_in_a_file_of_its_own(long seed, @TempDir Path dir) {
        RandomWal.Stream stream = stream(seed);
        int batches = Math.min(BATCHES_CHECKED_ONE_BY_ONE, stream.batches().size());
        Replay model = new Replay(stream);

        TestDb db = TestDb.in(dir);
        for (int b = 0; b < batches; b++) {
            model.applyBatches(b, b + 1, 1);
            load(db, stream, b, b + 1, 1);
            assertSameAsModel(db, model, seed, "after batch " + (b + 1) + " in a file of its own");
        }
    }

    /**
     * The stream loaded as one file into a database of its own; both tests read it, so it is
     * loaded once a seed (loading is most of the suite's time).
     */
    private static synchronized TestDb loadedAsOneFile(long seed, RandomWal.Stream stream, int group) {
        return ONE_FILE_LOADS.computeIfAbsent(seed + "/" + group, key -> {
            TestDb db = TestDb.in(sharedDir.resolve("one-file-seed-" + seed + "-groups-of-" + group));
            load(db, stream, 0, stream.batches().size(), group);
            return db;
        });
    }

    /** Metric rows without updated_in_batch, which depends on how batches were grouped. */
    private static Map<String, Map<String, Object>> withoutStamps(Map<String, Map<String, Object>> metrics) {
        Map<String, Map<String, Object>> stripped = new TreeMap<>();
        metrics.forEach((id, row) -> {
            Map<String, Object> copy = new LinkedHashMap<>(row);
            copy.remove("updated_in_batch");
            stripped.put(id, copy);
        });
        return stripped;
    }

    /** Loads batches [from, to) as one file; every batch applies and every change lands or is ignored. */
    private static void load(TestDb db, RandomWal.Stream stream, int from, int to, int group) {
        LoadReport report;
        try {
            report = db.load(stream.walFile(from, to), new LoadOptions(null, false).withGroupBatches(group));
        } catch (AssertionError failed) {
            long applied = db.count("batch_ledger");
            throw new AssertionError("seed " + stream.seed() + ": loading batches " + (from + 1) + " to " + to
                    + " failed at batch " + (applied + 1) + rerun(stream.seed()) + ": " + failed.getMessage(), failed.getCause());
        }
        long ignored = stream.batches().subList(from, to).stream().flatMap(List::stream).flatMap(List::stream)
                .filter(change -> !KEY_COLUMN.containsKey(change.table())).count();
        long changes = stream.batches().subList(from, to).stream().flatMap(List::stream).mapToLong(List::size).sum();
        String seed = "seed " + stream.seed() + ", batches " + (from + 1) + " to " + to + ": ";
        assertEquals(0, report.changesRejected(), seed + "rejected changes " + report.firstRejections() + rerun(stream.seed()));
        assertEquals(to - from, report.batchesApplied(), seed + "batches applied" + rerun(stream.seed()));
        assertEquals(ignored, report.changesIgnored(), seed + "changes ignored" + rerun(stream.seed()));
        assertEquals(changes - ignored, report.changesLanded(), seed + "changes landed" + rerun(stream.seed()));
    }

    // ---------------------------------------------------------------------------------------------
    // The model side: the stream applied change by change, with the batch each metric last changed in

    /** The sequential model fed batch by batch, remembering the batch in which each metric row last changed. */
    private static final class Replay {

        private final RandomWal.Stream stream;
        private final SequentialModel model = new SequentialModel();
        private SortedMap<String, Map<String, Object>> metrics = new TreeMap<>();
        private final Map<String, Long> updatedInBatch = new HashMap<>();
        private int mostMetricRows;
        private long metricRowsSummedOverBatches;
        private int batchesApplied;
        /** Per batch (database batch id): metric rows new or changed, and rows gone. */
        private final Map<Long, List<Integer>> upsertedAndDeleted = new TreeMap<>();

        Replay(RandomWal.Stream stream) {
            this.stream = stream;
        }

        /**
         * Applies batches [from, to) as the loader groups them, {@code group} batches at a time: a
         * metric that changed in a group is stamped with the group's last batch, which also carries
         * the group's counts (the others carry none). Batch i of the stream is the database's batch i + 1.
         */
        void applyBatches(int from, int to, int group) {
            for (int start = from; start < to; start = (int) Math.min((long) start + group, to)) {
                applyGroup(start, (int) Math.min((long) start + group, to));
            }
        }

        private void applyGroup(int from, int to) {
            for (int b = from; b < to; b++) {
                stream.batches().get(b).forEach(record -> record.forEach(model::apply));
                upsertedAndDeleted.put(b + 1L, List.of(0, 0));
                batchesApplied++;
                int rows = model.metrics().size();
                mostMetricRows = Math.max(mostMetricRows, rows);
                metricRowsSummedOverBatches += rows;
            }
            SortedMap<String, Map<String, Object>> after = model.metrics();
            int upserted = 0;
            for (var metric : after.entrySet()) {
                if (!metric.getValue().equals(metrics.get(metric.getKey()))) {
                    updatedInBatch.put(metric.getKey(), (long) to);
                    upserted++;
                }
            }
            int deleted = (int) metrics.keySet().stream().filter(id -> !after.containsKey(id)).count();
            upsertedAndDeleted.put((long) to, List.of(upserted, deleted));
            updatedInBatch.keySet().retainAll(after.keySet());
            metrics = after;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Comparison

    private static void assertSameAsModel(TestDb db, Replay replay, long seed, String when) {
        List<String> differences = new ArrayList<>();
        compareMetrics(db, replay, differences);
        for (String table : List.of(EVENT, TRANSACTION, REQUEST, TOKEN)) {
            compareCurrentRows(db, replay.model, table, differences);
        }
        compareMetricChangesPerBatch(db, replay, differences);
        if (!differences.isEmpty()) {
            StringBuilder message = new StringBuilder("seed " + seed + ", " + when + ": the loader and the model differ in "
                    + differences.size() + " places" + rerun(seed));
            differences.stream().limit(DIFFERENCES_SHOWN).forEach(difference -> message.append("\n  ").append(difference));
            throw new AssertionError(message.toString());
        }
    }

    private static void compareMetrics(TestDb db, Replay replay, List<String> differences) {
        Map<String, Map<String, Object>> loaded = metricsTable(db);
        for (String id : union(loaded.keySet(), replay.metrics.keySet())) {
            Map<String, Object> actual = loaded.get(id);
            Map<String, Object> expected = replay.metrics.get(id);
            if (actual == null || expected == null) {
                differences.add("metrics id " + id + ": loader " + actual + ", model " + expected);
                continue;
            }
            Map<String, Object> actualSpec = new LinkedHashMap<>(actual);
            Object batch = actualSpec.remove("updated_in_batch");
            if (!actualSpec.equals(normalized(expected))) {
                differences.add("metrics id " + id + ":\n    loader " + actualSpec + "\n    model  " + normalized(expected));
            } else if (!Objects.equals(batch, replay.updatedInBatch.get(id))) {
                differences.add("metrics id " + id + ": updated_in_batch " + batch + ", but the row last changed in batch "
                        + replay.updatedInBatch.get(id));
            }
        }
    }

    /**
     * The metric rows each batch upserted and deleted, as the batch ledger recorded them: a check
     * of every batch in between the points where the tables themselves are compared.
     */
    private static void compareMetricChangesPerBatch(TestDb db, Replay replay, List<String> differences) {
        Map<Long, List<Integer>> loaded = new TreeMap<>();
        for (Map<String, Object> row : query(db, "select batch_id, metrics_upserted, metrics_deleted from batch_ledger order by batch_id")) {
            loaded.put((Long) row.get("batch_id"),
                    List.of(((Long) row.get("metrics_upserted")).intValue(), ((Long) row.get("metrics_deleted")).intValue()));
        }
        for (var batch : replay.upsertedAndDeleted.entrySet()) {
            List<Integer> actual = loaded.get(batch.getKey());
            if (!batch.getValue().equals(actual)) {
                differences.add("batch " + batch.getKey() + ": metric rows [upserted, deleted] by the loader " + actual
                        + ", by the model " + batch.getValue());
            }
        }
    }

    /** The key, and the columns the stream sets, of every current row of the source table. */
    private static void compareCurrentRows(TestDb db, SequentialModel model, String walTable, List<String> differences) {
        List<String> walColumns = RandomWal.TRACKED_COLUMNS.get(walTable);
        String walKey = KEY_COLUMN.get(walTable);
        String sql = "select " + String.join(", ", walColumns.stream().map(c -> c.equals("event_id") ? "id as event_id" : c).toList())
                + " from " + currentTable(walTable) + " order by " + (walKey.equals("event_id") ? "id" : walKey);
        Map<String, Map<String, Object>> loaded = new TreeMap<>();
        for (Map<String, Object> row : query(db, sql)) {
            loaded.put((String) row.get(walKey), row);
        }
        for (String key : union(loaded.keySet(), model.rows(walTable).keySet())) {
            Map<String, Object> actual = loaded.get(key);
            Map<String, Object> expected = model.rows(walTable).get(key);
            Map<String, Object> expectedColumns = null;
            if (expected != null) {
                expectedColumns = new LinkedHashMap<>();
                for (String column : walColumns) {
                    expectedColumns.put(column, expected.get(column));
                }
                expectedColumns = normalized(expectedColumns);
            }
            if (!Objects.equals(actual, expectedColumns)) {
                differences.add(currentTable(walTable) + " key " + key + ":\n    loader " + actual + "\n    model  " + expectedColumns);
            }
        }
    }

    /** The metrics table by id: the fifteen metric columns (docs/reference.md#the-metric) in order, then updated_in_batch. */
    static Map<String, Map<String, Object>> metricsTable(TestDb db) {
        Map<String, Map<String, Object>> byId = new TreeMap<>();
        for (Map<String, Object> row : query(db, "select " + String.join(", ", METRIC_COLUMNS)
                + ", updated_in_batch from metrics order by id")) {
            byId.put((String) row.get("id"), row);
        }
        return byId;
    }

    /** Rows with columns in select order; integers as Long, whatever width the driver picked. */
    private static List<Map<String, Object>> query(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql)
                .map((rs, ctx) -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(rs.getMetaData().getColumnLabel(i), value instanceof Number n ? (Object) n.longValue() : value);
                    }
                    return row;
                })
                .list());
    }

    /** Model values as the database holds them: jsonb as its text. */
    static Map<String, Object> normalized(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        row.forEach((column, value) -> out.put(column, value instanceof JsonDoc doc ? doc.text() : value));
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Streams

    private static RandomWal.Stream stream(long seed) {
        String batches = System.getProperty("differential.batches");
        int count = batches != null ? Integer.parseInt(batches)
                : MIN_BATCHES + new Random(seed).nextInt(MAX_BATCHES - MIN_BATCHES + 1);
        return RandomWal.generate(seed, count);
    }

    /** 0, one or two cut points, the end: two or three files of at least one batch each. */
    private static List<Integer> cuts(long seed, int batches) {
        if (batches < 3) {
            throw new IllegalArgumentException("a stream to cut in three needs three batches, not " + batches);
        }
        Random random = new Random(seed * 31 + 7);
        TreeSet<Integer> cuts = new TreeSet<>(List.of(0, batches));
        int files = 2 + random.nextInt(2);
        while (cuts.size() < files + 1) {
            cuts.add(1 + random.nextInt(batches - 1));
        }
        return new ArrayList<>(cuts);
    }

    private static String currentTable(String walTable) {
        return switch (walTable) {
            case EVENT -> "current_event";
            case TRANSACTION -> "current_transaction";
            case REQUEST -> "current_transaction_request";
            case TOKEN -> "current_payment_instrument_token";
            default -> throw new IllegalArgumentException(walTable);
        };
    }

    private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        TreeSet<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String kinds(RandomWal.Stream stream) {
        Map<String, Integer> counts = new TreeMap<>();
        stream.batches().forEach(batch -> batch.forEach(record -> record.forEach(change -> counts.merge(describe(change), 1, Integer::sum))));
        return counts.toString();
    }

    private static String describe(WalOp change) {
        if (!KEY_COLUMN.containsKey(change.table())) {
            return "ignored";
        }
        String key = KEY_COLUMN.get(change.table());
        return switch (change.kind()) {
            case "update" -> change.oldKeys() == null ? "update"
                    : !Objects.equals(change.oldKeys().get(key), change.carried().get(key)) ? "key-changing update"
                    : "update (full identity)";
            case "delete" -> change.fullIdentity() ? "delete (full identity)" : "delete";
            default -> change.kind();
        };
    }

    private static String rerun(long seed) {
        return " (re-run: mvn -B -q -o test -Dtest=DifferentialTest -Ddifferential.seed=" + seed + ")";
    }
}
