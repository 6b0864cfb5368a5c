package io.walmetrics.postgres;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A scratch PostgreSQL database with the source tables, a seeded {@link Workload} writing to it,
 * and real {@code follow} processes reading it through a replication slot of their own into a
 * SQLite file of the test's folder. Optionally a second, temporary wal2json slot made before any
 * write records what PostgreSQL decoded, as the reference for how many changes must be landed.
 */
final class FollowRun implements AutoCloseable {

    final long seed;
    final SourceSchema schema;
    final ScratchDatabase database;
    Connection reader;
    Connection writer;
    final Workload workload;
    final Path dir;
    final String slot;
    final String url;
    private Wal2jsonSlot reference;
    /** What the reference slot captured so far. */
    final List<String> captured = new ArrayList<>();
    private final List<LoaderProcess> processes = new ArrayList<>();
    private TestDb sqlite;
    /** The SQLite file follow writes, relative to {@link #dir}: its name is metrics.db, its folder may be another. */
    String db = "metrics.db";

    private FollowRun(long seed, Path dir, ScratchDatabase database, SourceSchema schema, String pgSchema) throws SQLException {
        this.seed = seed;
        this.schema = schema;
        this.dir = dir;
        this.database = database;
        this.reader = database.connect();
        schema.create(reader);
        this.writer = database.connect();
        if (pgSchema != null) {
            // the source tables in a schema of their own, first on the search path of the test's sessions
            String quoted = "\"" + pgSchema.replace("\"", "\"\"") + "\"";
            try (Statement statement = reader.createStatement()) {
                statement.execute("create schema " + quoted);
            }
            schema.createTables(reader, pgSchema);
            for (Connection connection : List.of(reader, writer)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("set search_path to " + quoted + ", public");
                }
            }
        }
        this.workload = new Workload(seed, schema, writer);
        this.slot = "wmf_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        this.url = PostgresServer.urlOf(database.name());
    }

    static FollowRun create(long seed, Path dir) throws SQLException {
        return create(seed, dir, SourceSchema.published());
    }

    static FollowRun create(long seed, Path dir, SourceSchema schema) throws SQLException {
        return create(seed, dir, schema, null);
    }

    /**
     * With the source tables in {@code pgSchema} as well as in public (the test's sessions see the
     * former first), or in public alone for null.
     */
    static FollowRun create(long seed, Path dir, SourceSchema schema, String pgSchema) throws SQLException {
        ScratchDatabase database = ScratchDatabase.create();
        try {
            return new FollowRun(seed, dir, database, schema, pgSchema);
        } catch (SQLException | RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Starts the reference slot: from now on every change is recorded as PostgreSQL decodes it. */
    void startReference() throws SQLException {
        reference = Wal2jsonSlot.create(database);
    }

    /** The reference capture up to now. */
    CapturedWal referenceWal() throws SQLException {
        captured.addAll(reference.take(true));
        return new CapturedWal(captured);
    }

    static Map<String, String> credentials() {
        return Map.of("PGUSER", PostgresServer.USER, "PGPASSWORD", PostgresServer.PASSWORD);
    }

    /** {@code follow} of this run's slot into metrics.db, with short batches. */
    LoaderProcess start(String... extra) {
        return start(credentials(), extra);
    }

    /** The same, as another role (PGUSER and PGPASSWORD of {@code environment}). */
    LoaderProcess start(Map<String, String> environment, String... extra) {
        return start(environment, List.of(), extra);
    }

    /** The same, in a JVM with these options (a heap limit). */
    LoaderProcess start(Map<String, String> environment, List<String> jvmOptions, String... extra) {
        List<String> args = new ArrayList<>(List.of("follow", "--source", url, "--slot", slot, "--db", db,
                "--batch-seconds", "0.2"));
        args.addAll(List.of(extra));
        LoaderProcess process = LoaderProcess.start(dir, environment, jvmOptions, args.toArray(String[]::new));
        processes.add(process);
        return process;
    }

    /** Waits until the process says it streams (after its snapshot, when it makes the slot). */
    static void awaitFollowing(LoaderProcess process, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (process.stderr().contains("following slot")) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("follow ended before it streamed: " + process.describe());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("follow did not start streaming within " + timeout.toSeconds() + " s: " + process.describe());
    }

    TestDb sqlite() {
        if (sqlite == null) {
            sqlite = new TestDb(dir.resolve(db).getParent());
        }
        return sqlite;
    }

    /** Where metrics.db and PostgreSQL differ now. */
    List<String> differences() throws SQLException {
        return EndToEndRun.differences(reader, schema, sqlite().jdbi());
    }

    /**
     * Waits until metrics and every current_* table equal PostgreSQL's (follow catches up), or fails
     * with the differences.
     */
    void awaitEqual(Duration timeout, LoaderProcess process) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        List<String> differences = differences();
        while (!differences.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(200);
            differences = differences();
        }
        if (!differences.isEmpty()) {
            throw new AssertionError(context() + ": metrics.db did not catch up with PostgreSQL within " + timeout.toSeconds()
                    + " s; " + differences.size() + " differences:" + differences.stream().limit(12)
                    .collect(Collectors.joining("\n  ", "\n  ", "")) + "\n" + (process == null ? "" : process.describe()));
        }
    }

    /** The slot's confirmed position on the server, as a 64-bit number; -1 when the slot is gone. */
    long confirmedFlush() throws SQLException {
        try (PreparedStatement query = reader.prepareStatement(
                "select confirmed_flush_lsn - '0/0'::pg_lsn from pg_replication_slots where slot_name = ?")) {
            query.setString(1, slot);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getBigDecimal(1).longValueExact() : -1;
            }
        }
    }

    /** The server's WAL write position now. */
    long currentWal() throws SQLException {
        try (Statement statement = reader.createStatement();
             ResultSet rows = statement.executeQuery("select pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rows.next();
            return rows.getBigDecimal(1).longValueExact();
        }
    }

    /** Changes landed by the batches that came from the slot (not the snapshot). */
    long changesLandedFromTheSlot() {
        return sqlite().jdbi().withHandle(handle -> handle.createQuery(
                "select coalesce(sum(changes_landed), 0) from batch_ledger where input like 'postgresql://% slot %' and input not like '% snapshot at %'")
                .mapTo(Long.class).one());
    }

    /** The slots of this run's database on the server, by name. */
    List<String> slotsOfTheDatabase() throws SQLException {
        List<String> slots = new ArrayList<>();
        try (Statement statement = reader.createStatement();
             ResultSet rows = statement.executeQuery(
                     "select slot_name from pg_replication_slots where database = current_database() order by slot_name")) {
            while (rows.next()) {
                slots.add(rows.getString(1));
            }
        }
        return slots;
    }

    /** host:port/database, as follow names the source in its lines. */
    String server() {
        return url.substring("jdbc:postgresql://".length());
    }

    String context() {
        return "seed " + seed + ", slot " + slot + " of " + database.name();
    }

    @Override
    public void close() throws Exception {
        for (LoaderProcess process : processes) {
            process.close();
        }
        Connection readerNow = reader;
        Connection writerNow = writer;
        try (database; readerNow; writerNow) {
            if (reference != null) {
                reference.close();
            }
            // a slot that is not temporary outlives its sessions: drop it, or the database cannot be dropped
            for (int attempt = 0; attempt < 50; attempt++) {
                try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
                    statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
                            + slot + "'");
                    break;
                } catch (SQLException stillActive) {
                    Thread.sleep(100); // the walsender of a killed follow takes a moment to go
                }
            }
        }
    }
}
