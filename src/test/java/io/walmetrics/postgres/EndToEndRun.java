package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One end-to-end run: a scratch PostgreSQL database with the source tables, a wal2json slot
 * created before any row is written, a seeded {@link Workload}, and a real SQLite database the
 * real loader fills from what the slot captured. After each capture and load, the loader's
 * metrics table must equal PostgreSQL's own join of its own tables, and the loader's current_*
 * tables must equal PostgreSQL's tables, column by column.
 */
final class EndToEndRun implements AutoCloseable {

    /** The fifteen columns of docs/reference.md#the-metric, in order. */
    static final List<String> METRIC_COLUMNS = List.of("id", "flow_id", "created_at", "transaction_lifecycle_event",
            "decline_reason", "decline_type", "payment_method", "transaction_id", "transaction_type", "amount",
            "currency_code", "processor_merchant_account_id", "three_d_secure_authentication",
            "payment_instrument_type", "customer_id");
    /** Records in a minute batch: 1 to this many. */
    private static final int MAX_BATCH = 20;
    /**
     * Batches the loader folds together, chosen by the seed and the table names, so that the suite
     * covers one at a time, a few and a whole capture at once.
     */
    private static final int[] GROUPS = {1, 4, Integer.MAX_VALUE};
    private static final int DIFFERENCES_SHOWN = 12;
    /** Where the WAL of a failed comparison is kept, to replay by hand. */
    private static final Path FAILURES = Path.of("target", "postgres-e2e-failures");

    final long seed;
    /** Null for a randomized run; the test method's name for a scenario written out by hand. */
    private final String scenario;
    final SourceSchema schema;
    private final Path dir;
    private final ScratchDatabase database;
    private final Connection writer;
    private final Connection reader;
    private final Wal2jsonSlot slot;
    final Workload workload;
    final TestDb sqlite;
    private final Random batching;
    private final List<Path> walFiles = new ArrayList<>();
    /** Over every capture so far: "table.column" → updates that left it out. */
    final Map<String, Integer> leftOutOfUpdates = new TreeMap<>();
    long changesCaptured;

    private final int groupBatches;

    private EndToEndRun(long seed, String scenario, SourceSchema schema, Path dir, ScratchDatabase database) throws SQLException {
        this.seed = seed;
        this.scenario = scenario;
        this.schema = schema;
        this.dir = dir;
        this.database = database;
        this.reader = database.connect();
        schema.create(reader);
        this.slot = Wal2jsonSlot.create(database);
        this.writer = database.connect();
        this.workload = new Workload(seed, schema, writer);
        this.sqlite = TestDb.in(dir.resolve("sqlite"));
        this.batching = new Random(seed ^ 0x5DEECE66DL);
        this.groupBatches = GROUPS[(int) Math.floorMod(seed + schema.event.length(), (long) GROUPS.length)];
    }

    /** A new database with the source tables and a slot, for a seeded workload; nothing written yet. */
    static EndToEndRun start(long seed, SourceSchema schema, Path dir) throws SQLException {
        return start(seed, null, schema, dir);
    }

    /** The same for a scenario the test method writes out by hand ({@link #execute}). */
    static EndToEndRun scenario(String testMethod, SourceSchema schema, Path dir) throws SQLException {
        return start(0, testMethod, schema, dir);
    }

    private static EndToEndRun start(long seed, String scenario, SourceSchema schema, Path dir) throws SQLException {
        ScratchDatabase database = ScratchDatabase.create();
        try {
            return new EndToEndRun(seed, scenario, schema, dir, database);
        } catch (SQLException | RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * Takes what the slot decoded since the last capture, writes it as minute batches, loads the
     * file into the SQLite database, and compares. {@code what} names the capture in messages.
     */
    LoadReport captureLoadAndCompare(String what) throws SQLException {
        CapturedWal wal = new CapturedWal(slot.take());
        Path file = wal.writeBatches(dir.resolve("wal-" + (walFiles.size() + 1) + ".json"), batching, MAX_BATCH);
        walFiles.add(file);
        changesCaptured += wal.changes();
        wal.columnsLeftOutOfUpdates(schema).forEach((column, n) -> leftOutOfUpdates.merge(column, n, Integer::sum));

        LoadReport report = sqlite.load(file, new LoadOptions(null, false).withGroupBatches(groupBatches));
        String where = context(what) + ", " + wal + ": ";
        assertEquals(List.of(), report.firstRejections().stream().map(r -> r.describe()).toList(), where + "rejected changes");
        assertEquals(0, report.changesRejected(), where + "rejected changes");
        assertEquals(List.of(), report.schemaDrift(), where + "schema drift: the PostgreSQL types differ from the catalog");
        assertEquals(wal.ignorable(schema), report.changesIgnored(), where + "changes ignored (other tables, messages)");
        assertEquals(wal.changes() - wal.ignorable(schema), report.changesLanded(), where + "changes landed");

        List<String> differences = new ArrayList<>();
        compareMetrics(differences);
        compareCurrentRows(differences);
        if (!differences.isEmpty()) {
            throw new AssertionError(where + "the loader and PostgreSQL differ in " + differences.size() + " places"
                    + keepWalFiles() + rerun() + differences.stream().limit(DIFFERENCES_SHOWN)
                    .collect(Collectors.joining("\n  ", "\n  ", "")));
        }
        return report;
    }

    /** Runs SQL statements in one PostgreSQL transaction, for scenarios written out by hand. */
    void execute(String... statements) throws SQLException {
        try (Statement statement = writer.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
        writer.commit();
    }

    /** PostgreSQL's metrics: id → the fifteen columns as text. */
    Map<String, List<String>> postgresMetrics() throws SQLException {
        return rowsById(reader, schema.metricsQuery());
    }

    /** Event ids in PostgreSQL now. */
    TreeSet<String> postgresEventIds() throws SQLException {
        return new TreeSet<>(rowsById(reader, "select " + schema.eventKey + "::text from " + schema.event).keySet());
    }

    String context(String what) {
        return (scenario == null ? "seed " + seed : scenario) + ", tables " + schema.event + "/" + schema.token
                + ", groups of " + (groupBatches == Integer.MAX_VALUE ? "a whole file" : groupBatches + " batches") + ", " + what;
    }

    String rerun() {
        return " (re-run: mvn -B -q -o test -Dtest=PostgresEndToEndTest"
                + (scenario == null ? " -Dpostgres.seed=" + seed : "#" + scenario) + ")";
    }

    @Override
    public void close() throws SQLException {
        try (database; reader; writer; slot) {
            // closed in reverse order: slot, writer, reader, then the database dropped
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void compareMetrics(List<String> differences) throws SQLException {
        compareMetrics(reader, schema, sqlite.jdbi(), differences);
    }

    private void compareCurrentRows(List<String> differences) throws SQLException {
        compareCurrentRows(reader, schema, sqlite.jdbi(), differences);
    }

    /**
     * Where a loader database and PostgreSQL's own tables differ: the metrics table against
     * PostgreSQL's join, every current_* table against its table; empty when they are equal.
     */
    static List<String> differences(Connection postgres, SourceSchema schema, org.jdbi.v3.core.Jdbi sqlite) throws SQLException {
        List<String> differences = new ArrayList<>();
        compareMetrics(postgres, schema, sqlite, differences);
        compareCurrentRows(postgres, schema, sqlite, differences);
        return differences;
    }

    private static void compareMetrics(Connection reader, SourceSchema schema, org.jdbi.v3.core.Jdbi sqlite,
                                       List<String> differences) throws SQLException {
        Map<String, List<String>> expected = rowsById(reader, schema.metricsQuery());
        Map<String, List<String>> actual = sqliteRowsById(sqlite, "select " + String.join(", ", METRIC_COLUMNS) + " from metrics");
        compare("metrics", METRIC_COLUMNS, expected, actual, differences);
    }

    /** Every source column of every current row (docs/reference.md#folding: the state the join is computed on). */
    private static void compareCurrentRows(Connection reader, SourceSchema schema, org.jdbi.v3.core.Jdbi sqlite,
                                           List<String> differences) throws SQLException {
        Map<String, List<SourceSchema.Column>> loaderColumns = Map.of(
                "event", SourceSchema.EVENT, "transaction", SourceSchema.TRANSACTION,
                "transaction_request", SourceSchema.REQUEST, "payment_instrument_token", SourceSchema.TOKEN);
        for (String table : schema.tables().keySet()) {
            String source = table.equals(schema.event) ? "event" : table.equals(schema.token) ? "payment_instrument_token" : table;
            List<String> columns = loaderColumns.get(source).stream().map(SourceSchema.Column::name).toList();
            Map<String, List<String>> expected = rowsById(reader, schema.rowsQuery(table));
            Map<String, List<String>> actual = sqliteRowsById(sqlite, "select " + String.join(", ", columns) + " from current_" + source);
            compare("current_" + source, columns, expected, actual, differences);
        }
    }

    private static void compare(String table, List<String> columns, Map<String, List<String>> expected,
                                Map<String, List<String>> actual, List<String> differences) {
        TreeSet<String> ids = new TreeSet<>(expected.keySet());
        ids.addAll(actual.keySet());
        for (String id : ids) {
            List<String> want = expected.get(id);
            List<String> got = actual.get(id);
            if (want == null || got == null) {
                differences.add(table + " " + id + ": " + (want == null ? "only the loader has it: " + shorten(got)
                        : "only PostgreSQL has it: " + shorten(want)));
                continue;
            }
            for (int i = 0; i < columns.size(); i++) {
                if (!Objects.equals(want.get(i), got.get(i))) {
                    differences.add(table + " " + id + " column " + columns.get(i) + ": loader " + shorten(got.get(i))
                            + ", PostgreSQL " + shorten(want.get(i)));
                }
            }
        }
    }

    static Map<String, List<String>> rowsById(Connection connection, String sql) throws SQLException {
        Map<String, List<String>> rows = new TreeMap<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    Object value = result.getObject(i);
                    row.add(value == null ? null : value.toString());
                }
                rows.put(row.get(0), row);
            }
        }
        return rows;
    }

    static Map<String, List<String>> sqliteRowsById(org.jdbi.v3.core.Jdbi sqlite, String sql) {
        Map<String, List<String>> rows = new TreeMap<>();
        for (List<String> row : sqlite.withHandle(handle -> handle.createQuery(sql).map((result, ctx) -> {
            int columns = result.getMetaData().getColumnCount();
            List<String> values = new ArrayList<>(columns);
            for (int i = 1; i <= columns; i++) {
                Object value = result.getObject(i);
                values.add(value == null ? null : value.toString());
            }
            return values;
        }).list())) {
            rows.put(row.get(0), row);
        }
        return rows;
    }

    private String keepWalFiles() {
        try {
            Path kept = Files.createDirectories(FAILURES.resolve(scenario != null ? scenario : schema.event + "-seed-" + seed));
            for (Path file : walFiles) {
                Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            return " (the WAL files loaded so far, in order, are kept in " + kept.toAbsolutePath() + ")";
        } catch (IOException e) {
            return " (the WAL files could not be kept: " + e.getMessage() + ")";
        }
    }

    private static String shorten(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 160 ? text : text.substring(0, 150) + "…(" + text.length() + " chars)";
    }
}
