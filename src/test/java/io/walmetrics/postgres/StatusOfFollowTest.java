package io.walmetrics.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import java.nio.file.Files;
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
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code status} says of the slots {@code follow} reads, against the real PostgreSQL: how it
 * asks the server (PGPASSWORD or {@code --password-file}) and how it words a server that refuses
 * it, one that is down, and an initial snapshot that is running now or whose process was killed.
 */
@Tag("postgres")
class StatusOfFollowTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void status_asks_with_the_password_file_and_words_a_refused_password_apart_from_a_server_that_is_down(@TempDir Path dir)
            throws Exception {
        try (FollowRun run = FollowRun.create(31, dir)) {
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, PATIENCE);
            assertEquals(0, follow.terminate(PATIENCE), follow.describe());
            String confirmed = confirmedLsn(run);
            String slotLine = "  follow    slot " + run.slot + " of " + run.url + ", snapshot done (0 rows): ";
            String user = PostgresServer.USER;

            assertEquals(List.of(slotLine + "the server asks for a password for user " + user
                            + ": set PGPASSWORD or give --password-file"),
                    followLines(status(dir, Map.of("PGUSER", user))));
            assertEquals(List.of(slotLine + "password authentication failed for user " + user
                            + ": set PGPASSWORD (or --password-file) to that role's password"),
                    followLines(status(dir, Map.of("PGUSER", user, "PGPASSWORD", "not-the-password"))));

            Files.writeString(dir.resolve("password"), PostgresServer.PASSWORD + "\n", UTF_8);
            List<String> lines = followLines(status(dir, Map.of("PGUSER", user, "PGPASSWORD", "not-the-password"),
                    "--password-file", "password"));
            String pattern = Pattern.quote(slotLine + "confirmed up to LSN " + confirmed + ", ") + "[0-9,]+"
                    + Pattern.quote(" bytes of WAL behind the server, not being read");
            assertEquals(1, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(0).matches(pattern), lines.get(0) + "\n does not match " + pattern);

            LoaderProcess missing = status(dir, Map.of("PGUSER", user), 1, "--password-file", "no-such-file");
            assertEquals(List.of("no-such-file: cannot read the password file (no such file)"), missing.stderrLines());

            // the same slot on a port nothing listens on: a server that is down
            run.sqlite().jdbi().useHandle(handle -> handle.execute("update follow_source set source = 'jdbc:postgresql://127.0.0.1:1/nowhere'"));
            assertEquals(List.of("  follow    slot " + run.slot + " of jdbc:postgresql://127.0.0.1:1/nowhere, snapshot done (0 rows):"
                            + " server not reachable: Connection to 127.0.0.1:1 refused. Check that the hostname and port are"
                            + " correct and that the postmaster is accepting TCP/IP connections"),
                    followLines(status(dir, FollowRun.credentials())));
        }
    }

    /**
     * A transaction left open on the server holds the making of the slot (a logical slot waits for
     * the transactions running when it is made), so the snapshot is running, its process alive, for
     * as long as the test wants; then the process is killed.
     */
    @Test
    void status_tells_a_snapshot_running_now_from_one_whose_process_was_killed(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(37, dir)) {
            run.workload.run(40);
            SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
            LoaderProcess follow;
            try (Connection holder = run.database.connect()) {
                holder.setAutoCommit(false);
                try (Statement statement = holder.createStatement()) {
                    statement.execute("select pg_current_xact_id()");
                }
                follow = run.start("--create-slot");
                await("follow_source says the snapshot is running", follow,
                        () -> db.peekNumber("select count(*) from follow_source where snapshot_state = 'running'").orElse(0L) == 1);
                await("the slot is being made on the server", follow, () -> slotActive(run));

                String running = "  follow    slot " + run.slot + " of " + run.url + ", snapshot running (pid " + follow.pid()
                        + " on host " + hostName() + "): no position confirmed yet, being read";
                assertEquals(List.of(running), followLines(status(dir, FollowRun.credentials())));

                // a second follow into the same database is told the snapshot is being made, not that it was interrupted
                try (LoaderProcess second = run.start("--create-slot")) {
                    assertEquals(1, second.awaitExit(PATIENCE), second.describe());
                    assertEquals(List.of(run.url.substring("jdbc:postgresql://".length()) + ": the initial snapshot of slot "
                            + run.slot + " into this database is being made now by pid " + follow.pid() + " on host " + hostName()
                            + ": wait for it to finish, or stop that follow"), second.stderrLines());
                }

                assertEquals(LoaderProcess.KILLED_BY_SIGKILL, follow.kill(), follow.describe());
                holder.rollback();
            }
            dropSlot(run);

            List<String> expected = List.of(
                    "  follow    slot " + run.slot + " of " + run.url + ", snapshot interrupted (pid " + follow.pid() + " on host "
                            + hostName() + " is gone): no such slot on the server any more",
                    "            the initial snapshot of slot " + run.slot + " into this database was interrupted (its exported"
                            + " snapshot ended with its session) and cannot be resumed: drop the slot (follow --drop-slot) and"
                            + " start again with --create-slot and a new --db");
            assertEquals(expected, followLines(status(dir, FollowRun.credentials())));

            LoaderProcess json = status(dir, FollowRun.credentials(), 0, "--json");
            String stdout = json.stdout();
            assertEquals("\"follow_slots\":[{\"slot\":\"" + run.slot + "\",\"source\":\"" + run.url + "\","
                            + "\"snapshot_state\":\"interrupted\",\"confirmed_lsn\":null,\"lag_bytes\":null,\"active\":null,"
                            + "\"problem\":\"no such slot on the server any more; " + expected.get(1).strip() + "\"}]}\n",
                    stdout.substring(stdout.indexOf("\"follow_slots\":")));
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static LoaderProcess status(Path dir, Map<String, String> environment, String... extra) {
        return status(dir, environment, 0, extra);
    }

    private static LoaderProcess status(Path dir, Map<String, String> environment, int exitCode, String... extra) {
        List<String> args = new ArrayList<>(List.of("status", "--db", "metrics.db"));
        args.addAll(List.of(extra));
        LoaderProcess status = LoaderProcess.start(dir, environment, args.toArray(String[]::new));
        assertEquals(exitCode, status.awaitExit(PATIENCE), status.describe());
        return status;
    }

    /** The lines of a slot in status's output: its own, and the one below it that says what to do. */
    private static List<String> followLines(LoaderProcess status) {
        List<String> lines = status.stdout().lines().toList();
        List<String> slot = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("  follow") || (!slot.isEmpty() && line.startsWith("            "))) {
                slot.add(line);
            }
        }
        return slot;
    }

    private static String confirmedLsn(FollowRun run) throws SQLException {
        try (PreparedStatement query = run.reader.prepareStatement(
                "select confirmed_flush_lsn::text from pg_replication_slots where slot_name = ?")) {
            query.setString(1, run.slot);
            try (ResultSet rows = query.executeQuery()) {
                assertTrue(rows.next(), "no slot " + run.slot);
                return rows.getString(1);
            }
        }
    }

    private static boolean slotActive(FollowRun run) {
        try (Connection admin = PostgresServer.connect();
             PreparedStatement query = admin.prepareStatement("select active from pg_replication_slots where slot_name = ?")) {
            query.setString(1, run.slot);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Drops the slot once the walsender of the killed follow has let it go (it may have finished making it first). */
    private static void dropSlot(FollowRun run) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
                statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
                        + run.slot + "'");
                try (ResultSet left = statement.executeQuery("select count(*) from pg_replication_slots where slot_name = '"
                        + run.slot + "'")) {
                    left.next();
                    if (left.getLong(1) == 0) {
                        return;
                    }
                }
            } catch (SQLException stillActive) {
                if (System.nanoTime() > deadline) {
                    throw stillActive;
                }
            }
            Thread.sleep(100);
        }
    }

    private static void await(String what, LoaderProcess process, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("not so within " + PATIENCE.toSeconds() + " s: " + what + "\n" + process.describe());
            }
            Thread.sleep(50);
        }
    }

    /** The machine's name as the loader records it (the kernel's). */
    private static String hostName() throws Exception {
        return Files.readString(Path.of("/proc/sys/kernel/hostname"), UTF_8).strip();
    }
}
