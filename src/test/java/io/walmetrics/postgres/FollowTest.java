package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code follow} against the real PostgreSQL 15 with wal2json: real follow processes read a real
 * replication slot into a real SQLite file, and the result must equal PostgreSQL's own tables and
 * join. Needs the server of {@code .ci/postgres-setup.sh} (skipped without it unless
 * WALMETRICS_POSTGRES_REQUIRED=1).
 */
@Tag("postgres")
class FollowTest {

    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_workload_in_many_transactions_while_follow_runs_ends_equal_to_postgresql(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(11, dir)) {
            run.startReference();
            LoaderProcess follow = run.start("--create-slot", "--json");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            for (int round = 0; round < 6; round++) {
                run.workload.run(60);
                Thread.sleep(150);
            }
            run.awaitEqual(CATCH_UP, follow);
            CapturedWal reference = run.referenceWal();
            long expected = reference.changes() - reference.ignorable(run.schema);
            assertTrue(expected > 300, run.context() + ": the workload made only " + expected + " changes");
            assertEquals(expected, run.changesLandedFromTheSlot(), run.context() + ": changes landed from the slot, against"
                    + " what PostgreSQL decoded (more is a change applied twice, fewer one lost)");
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            assertEquals(expected, follow.jsonSummary().get("changes_landed").longValue(), follow.describe());
            assertEquals(List.of("batches_applied", "changes_landed", "confirmed_lsn", "seconds"),
                    List.copyOf(follow.jsonSummary().keySet()), "every name of the summary, in order: " + follow.describe());

            // status asks the server for the slot: its confirmed LSN, and the WAL kept for it
            String confirmed;
            try (Statement statement = run.reader.createStatement();
                 var rows = statement.executeQuery("select confirmed_flush_lsn::text from pg_replication_slots where slot_name = '"
                         + run.slot + "'")) {
                rows.next();
                confirmed = rows.getString(1);
            }
            try (LoaderProcess status = LoaderProcess.start(dir, FollowRun.credentials(), "status", "--db", "metrics.db")) {
                assertEquals(0, status.awaitExit(Duration.ofSeconds(30)), status.describe());
                List<String> lines = status.stdout().lines().filter(line -> line.startsWith("  follow")).toList();
                assertEquals(1, lines.size(), status.describe());
                String pattern = java.util.regex.Pattern.quote("  follow    slot " + run.slot + " of " + run.url
                        + ", snapshot done (0 rows): confirmed up to LSN " + confirmed + ", ")
                        + "[0-9,]+" + java.util.regex.Pattern.quote(" bytes of WAL behind the server, not being read");
                assertTrue(lines.get(0).matches(pattern), lines.get(0) + "\n does not match " + pattern);
            }
            try (LoaderProcess status = LoaderProcess.start(dir, FollowRun.credentials(), "status", "--db", "metrics.db", "--json")) {
                assertEquals(0, status.awaitExit(Duration.ofSeconds(30)), status.describe());
                String stdout = status.stdout();
                assertEquals("\"follow_slots\":[{\"slot\":\"" + run.slot + "\",\"source\":\"" + run.url + "\",\"snapshot_state\":\"done\","
                        + "\"confirmed_lsn\":\"" + confirmed + "\",\"lag_bytes\":N,\"active\":false,\"problem\":null}]}\n",
                        stdout.substring(stdout.indexOf("\"follow_slots\":")).replaceFirst("\"lag_bytes\":[0-9]+,", "\"lag_bytes\":N,"),
                        "the slot in status --json, byte for byte but the WAL kept, at the end of the line");
            }
        }
    }

    @Test
    void rows_from_before_the_slot_and_writes_during_the_snapshot_end_equal(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(23, dir)) {
            run.startReference();
            run.workload.run(400);
            try (Writer writer = Writer.start(run, 3)) {
                LoaderProcess follow = run.start("--create-slot");
                FollowRun.awaitFollowing(follow, Duration.ofSeconds(60));
                writer.stopAndCheck();
                run.awaitEqual(CATCH_UP, follow);
                assertTrue(follow.stderr().contains("snapshot: "), follow.describe());
                Map<String, Object> slot = run.sqlite().rows("select snapshot_state, snapshot_rows > 0 as some from follow_source").get(0);
                assertEquals(Map.of("snapshot_state", "done", "some", 1), slot, run.context());
                assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            }
            // the same source rows landed from wal2json's own changes: every column equal to the snapshot's
            Path changesDir = Files.createDirectories(dir.resolve("from-changes"));
            TestDb fromChanges = new TestDb(changesDir);
            CapturedWal wal = run.referenceWal();
            fromChanges.load(wal.writeBatches(changesDir.resolve("wal.json"), new Random(23), 20));
            for (var table : Map.of("event", SourceSchema.EVENT, "transaction", SourceSchema.TRANSACTION,
                    "transaction_request", SourceSchema.REQUEST, "payment_instrument_token", SourceSchema.TOKEN).entrySet()) {
                String sql = "select " + String.join(", ", table.getValue().stream().map(SourceSchema.Column::name).toList())
                        + " from current_" + table.getKey();
                Map<String, List<String>> snapshot = EndToEndRun.sqliteRowsById(run.sqlite().jdbi(), sql);
                assertEquals(EndToEndRun.sqliteRowsById(fromChanges.jdbi(), sql), snapshot,
                        run.context() + ": current_" + table.getKey() + " landed from the snapshot and from the changes");
                assertTrue(snapshot.size() > 10, run.context() + ": current_" + table.getKey() + " has " + snapshot.size() + " rows");
            }
        }
    }

    @Test
    void kill_9_at_seeded_moments_then_restart_loses_nothing_and_applies_nothing_twice(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("follow.seed", System.nanoTime() % 100_000);
        Random random = new Random(seed);
        try (FollowRun run = FollowRun.create(seed, dir)) {
            String where = "seed " + seed + " (re-run: -Dfollow.seed=" + seed + ")";
            run.startReference();
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            try (Writer writer = Writer.start(run, 2)) {
                for (int kill = 0; kill < 4; kill++) {
                    Thread.sleep(200 + random.nextInt(1_200));
                    assertEquals(LoaderProcess.KILLED_BY_SIGKILL, follow.kill(), where + ": " + follow.describe());
                    assertConfirmedNotAheadOfSqlite(run, where + ", kill " + (kill + 1));
                    follow = run.start("--create-slot"); // as a service restarts it, with the same command line
                    FollowRun.awaitFollowing(follow, CATCH_UP);
                }
                // on a slow machine the kills may all land before a batch commits: let the writes go on
                // until the restarted follow has applied a few, so that the ranges below say something
                awaitBatches(run, 3, CATCH_UP);
                writer.stopAndCheck();
            }
            run.awaitEqual(CATCH_UP, follow);
            CapturedWal reference = run.referenceWal();
            assertEquals(reference.changes() - reference.ignorable(run.schema), run.changesLandedFromTheSlot(),
                    where + ": changes landed from the slot, against what PostgreSQL decoded");
            assertLedgerRangesOnce(run, where);
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        }
    }

    @Test
    void a_terminated_walsender_and_a_restarted_postgresql_are_reconnected_to(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(37, dir)) {
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.workload.run(80);
            run.awaitEqual(CATCH_UP, follow);

            try (Statement statement = run.reader.createStatement()) {
                statement.execute("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = '" + run.slot + "'");
            }
            run.workload.run(80);
            run.awaitEqual(CATCH_UP, follow);
            assertTrue(follow.stderr().lines().anyMatch(line -> line.contains("; reconnecting in 1 s (attempt 1)")), follow.describe());

            Process restart = new ProcessBuilder("pg_ctlcluster", "15", "walmetrics", "restart").inheritIO().start();
            assertEquals(0, restart.waitFor(), "pg_ctlcluster 15 walmetrics restart");
            PostgresServer.awaitUp(Duration.ofSeconds(30));
            run.reader.close();
            run.writer.close();
            run.reader = run.database.connect();
            run.writer = run.database.connect();
            run.workload.reconnect(run.writer);
            run.workload.run(80);
            run.awaitEqual(Duration.ofSeconds(60), follow);
            assertLedgerRangesOnce(run, run.context());
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        }
    }

    @Test
    void traffic_on_other_tables_only_moves_the_slot_on(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(41, dir)) {
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            long before = run.confirmedFlush();
            long batches = run.sqlite().count("batch_ledger");
            try (Statement statement = run.writer.createStatement()) {
                for (int i = 0; i < 200; i++) {
                    statement.execute("insert into " + SourceSchema.OTHER_TABLE + " (note) values (repeat('x', 2000))");
                    run.writer.commit();
                }
            }
            long trafficEnd = run.currentWal();
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (run.confirmedFlush() < trafficEnd && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            long after = run.confirmedFlush();
            assertTrue(after >= trafficEnd, run.context() + ": the slot's confirmed LSN stayed at " + after + " (before the traffic "
                    + before + "), below the end of the other tables' traffic " + trafficEnd + "\n" + follow.describe());
            assertEquals(batches, run.sqlite().count("batch_ledger"), run.context() + ": other tables' traffic applied batches");
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        }
    }

    @Test
    void each_setup_error_is_one_line_naming_the_fix(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(5, dir)) {
            String server = run.url.substring("jdbc:postgresql://".length());
            assertOneLine(1, server + ": replication slot " + run.slot + " does not exist: create it with follow --create-slot"
                    + " (on a new database, so that the rows before it are copied first)", run, Map.of());
            assertOneLine(1, server + ": password authentication failed for user " + PostgresServer.USER
                    + ": set PGPASSWORD (or --password-file) to that role's password", run, Map.of("PGPASSWORD", "wrong"));
            String role = "wmf_norepl_" + run.slot.substring(4);
            PostgresServer.asSuperuser("create role " + role + " login password 'pw'");
            try {
                assertOneLine(1, server + ": role " + role + " may not read replication slots: run ALTER ROLE " + role
                                + " REPLICATION as a superuser (see README, Following a PostgreSQL slot)", run,
                        Map.of("PGUSER", role, "PGPASSWORD", "pw"), "--create-slot");
            } finally {
                PostgresServer.asSuperuser("drop role " + role);
            }
            LoaderProcess usage = LoaderProcess.run(dir, Duration.ofSeconds(30), "follow", "--source", run.url + "?password=x",
                    "--slot", run.slot);
            assertEquals(2, usage.exitCode(), usage.describe());
            assertEquals("--source must not carry the password (anyone can read a command line): put it in PGPASSWORD or a"
                    + " --password-file", usage.stderrLines().get(0), usage.describe());
        }
    }

    @Test
    void an_interrupted_snapshot_is_refused_on_restart_and_drop_slot_releases_the_slot(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(53, dir)) {
            run.workload.run(1_500);
            LoaderProcess follow = run.start("--create-slot");
            long until = System.nanoTime() + CATCH_UP.toNanos();
            while (!follow.stderr().contains("created replication slot") && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            follow.kill();
            if (follow.stderr().contains("snapshot: ")) {
                return; // the snapshot finished before the kill landed: nothing to refuse (rare on a slow machine)
            }
            String server = run.url.substring("jdbc:postgresql://".length());
            assertOneLine(1, server + ": the initial snapshot of slot " + run.slot + " into this database was interrupted (its"
                    + " exported snapshot ended with its session) and cannot be resumed: drop the slot (follow --drop-slot)"
                    + " and start again with --create-slot and a new --db", run, Map.of(), "--create-slot");
            LoaderProcess drop = run.start("--drop-slot");
            assertEquals(0, drop.awaitExit(Duration.ofSeconds(30)), drop.describe());
            assertEquals(List.of("dropped replication slot " + run.slot + " on " + server
                    + "; the server no longer keeps WAL for it"), drop.stderrLines());
            assertEquals(-1, run.confirmedFlush(), "the slot is gone");
        }
    }

    @Test
    void the_readme_role_with_nothing_but_replication_and_select_follows(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int block = readme.indexOf("```sql\ncreate role walmetrics_follow");
        assertTrue(block >= 0, "README.md has no sql block that creates the role walmetrics_follow");
        String sql = readme.substring(block + "```sql\n".length(), readme.indexOf("```", block + 6));
        String role = "wmf_readme_" + Integer.toHexString(new Random().nextInt(1 << 20));
        String password = "pw-" + role;
        try {
            try (FollowRun run = FollowRun.create(61, dir, SourceSchema.seed())) {
                run.workload.run(150);
                // as written, but in the test's database and with a role and password of its own
                PostgresServer.asSuperuser(run.database.name(), sql.replace("walmetrics_follow", role)
                        .replace("'change-me'", "'" + password + "'"));
                LoaderProcess follow = run.start(Map.of("PGUSER", role, "PGPASSWORD", password), "--create-slot");
                FollowRun.awaitFollowing(follow, CATCH_UP);
                run.workload.run(100);
                run.awaitEqual(CATCH_UP, follow);
                assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            }
        } finally {
            PostgresServer.asSuperuser("walmetrics", "drop role if exists " + role);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertOneLine(int exitCode, String line, FollowRun run, Map<String, String> environment,
                                      String... extra) {
        java.util.Map<String, String> env = new java.util.HashMap<>(FollowRun.credentials());
        env.putAll(environment);
        List<String> args = new ArrayList<>(List.of("follow", "--source", run.url, "--slot", run.slot, "--db", "metrics.db"));
        args.addAll(List.of(extra));
        try (LoaderProcess process = LoaderProcess.start(run.dir, env, args.toArray(String[]::new))) {
            assertEquals(exitCode, process.awaitExit(Duration.ofSeconds(30)), process.describe());
            assertEquals(List.of(line), process.stderrLines(), process.describe());
        }
    }

    /** Every transaction of ours at or below the slot's confirmed LSN is in the SQLite database. */
    private static void awaitBatches(FollowRun run, int batches, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (run.sqlite().count("batch_source_positions") < batches && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static void assertConfirmedNotAheadOfSqlite(FollowRun run, String where) throws Exception {
        long confirmed = run.confirmedFlush();
        long highest = run.sqlite().jdbi().withHandle(handle -> handle.createQuery(
                "select coalesce(max(last_lsn), 0) from batch_source_positions").mapTo(Long.class).one());
        long ours = run.referenceWal().positionsOfSourceChanges(run.schema).stream()
                .filter(lsn -> lsn <= confirmed).mapToLong(Long::longValue).max().orElse(0);
        assertTrue(ours <= highest, where + ": the slot confirmed " + confirmed + ", which covers a transaction at " + ours
                + ", but the SQLite database holds only up to " + highest);
    }

    /**
     * Each batch is in the ledger once, and each goes further than the one before. (A batch re-sent
     * after a kill may start at or below the last one's end: those records were skipped by the LSN
     * rule, which the change count against the reference proves.)
     */
    private static void assertLedgerRangesOnce(FollowRun run, String where) {
        List<Map<String, Object>> ranges = run.sqlite().rows(
                "select batch_id, first_lsn, last_lsn from batch_source_positions order by batch_id");
        assertTrue(ranges.size() > 2, where + ": only " + ranges.size() + " batches");
        for (int i = 1; i < ranges.size(); i++) {
            long previousLast = ((Number) ranges.get(i - 1).get("last_lsn")).longValue();
            long last = ((Number) ranges.get(i).get("last_lsn")).longValue();
            assertTrue(last > previousLast, where + ": batch " + ranges.get(i) + " goes no further than " + ranges.get(i - 1));
        }
        assertEquals(List.of(), run.sqlite().rows("select input, count(*) as times from batch_ledger group by input having count(*) > 1"),
                where + ": ledger inputs applied more than once");
    }

    /** The workload written by a thread of its own, a few transactions at a time, until stopped. */
    private static final class Writer implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failed = new AtomicReference<>();
        private final Thread thread;

        private Writer(FollowRun run, int transactionsAtATime) {
            thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        run.workload.run(transactionsAtATime);
                        Thread.sleep(5);
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "workload");
        }

        static Writer start(FollowRun run, int transactionsAtATime) {
            Writer writer = new Writer(run, transactionsAtATime);
            writer.thread.start();
            return writer;
        }

        void stopAndCheck() throws InterruptedException {
            stop.set(true);
            thread.join();
            if (failed.get() != null) {
                throw new AssertionError("the workload failed", failed.get());
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }
}
