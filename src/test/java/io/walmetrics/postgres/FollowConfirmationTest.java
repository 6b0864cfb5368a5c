package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * follow confirms to the slot only what SQLite committed: with the database's write lock held by
 * the stock {@code sqlite3} shell past {@code --lock-timeout} while changes arrive (also for a
 * transaction that began before the confirmed position), or with the disk full, follow exits 1,
 * and the slot's confirmed position must not cover any transaction the database lacks; a rerun
 * once the lock is gone (or there is room) must end equal to PostgreSQL's own join.
 */
@Tag("postgres")
class FollowConfirmationTest {

    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_batch_that_could_not_be_committed_is_never_confirmed_and_a_rerun_applies_it(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(71, dir)) {
            run.startReference();
            LoaderProcess follow = run.start("--create-slot", "--lock-timeout", "1");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            for (int round = 1; round <= 3; round++) {
                String where = run.context() + ", round " + round;
                run.workload.run(40);
                run.awaitEqual(CATCH_UP, follow);
                assertLastLinePrintsTheConfirmedPosition(run, follow, where);
                try (SqliteShellLock lock = SqliteShellLock.take(dir.resolve("metrics.db"))) {
                    run.workload.run(60);
                    assertEquals(1, follow.awaitExit(CATCH_UP), where + ": follow with the database locked\n" + follow.describe());
                    assertConfirmedCoversOnlyWhatSqliteHolds(run, where + ", follow " + follow.describe());
                }
                follow = run.start("--create-slot", "--lock-timeout", "1");
                FollowRun.awaitFollowing(follow, CATCH_UP);
                run.awaitEqual(CATCH_UP, follow);
                CapturedWal reference = run.referenceWal();
                assertEquals(reference.changes() - reference.ignorable(run.schema), run.changesLandedFromTheSlot(),
                        where + ": changes landed from the slot, against what PostgreSQL decoded");
            }
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        }
    }

    /**
     * A transaction of ours that began before the slot's confirmed position (other tables' traffic
     * moved it on while the transaction was open) arrives while the database is locked: its first
     * message starts below what follow confirmed, which is when the JDBC driver's automatic flush
     * would move the flushed position to a keepalive's server position by itself, past the
     * transaction follow has not committed.
     */
    @Test
    void a_transaction_begun_before_the_confirmed_position_is_not_confirmed_before_it_is_committed(@TempDir Path dir)
            throws Exception {
        try (FollowRun run = FollowRun.create(79, dir); java.sql.Connection open = run.database.connect();
             java.sql.Connection other = run.database.connect()) {
            run.startReference();
            List<String> args = List.of("follow", "--source", run.url, "--slot", run.slot, "--db", "metrics.db",
                    "--batch-seconds", "3", "--lock-timeout", "1");
            LoaderProcess first = LoaderProcess.start(dir, FollowRun.credentials(), withCreateSlot(args));
            LoaderProcess follow = first;
            try {
                FollowRun.awaitFollowing(follow, CATCH_UP);
                run.workload.run(30);
                run.awaitEqual(CATCH_UP, follow);
                open.setAutoCommit(false);
                try (java.sql.Statement statement = open.createStatement()) {
                    statement.execute("insert into transaction (transaction_id, amount, currency_code) values"
                            + " (md5('open')::uuid, 42, 'GBP')");
                }
                long begun = run.currentWal();
                // other tables' traffic, committed while ours stays open, moves the slot on past where ours began
                long until = System.nanoTime() + CATCH_UP.toNanos();
                try (java.sql.Statement statement = other.createStatement()) {
                    while (run.confirmedFlush() <= begun && System.nanoTime() < until) {
                        statement.execute("insert into " + SourceSchema.OTHER_TABLE + " (note) values ('traffic')");
                        Thread.sleep(50);
                    }
                }
                assertTrue(run.confirmedFlush() > begun, "the slot did not move on past " + lsn(begun) + "\n" + follow.describe());
                try (SqliteShellLock lock = SqliteShellLock.take(dir.resolve("metrics.db"))) {
                    open.commit();
                    assertEquals(1, follow.awaitExit(CATCH_UP), run.context() + ": follow with the database locked\n" + follow.describe());
                    assertConfirmedCoversOnlyWhatSqliteHolds(run, run.context() + ", follow " + follow.describe());
                }
                follow = LoaderProcess.start(dir, FollowRun.credentials(), withCreateSlot(args));
                FollowRun.awaitFollowing(follow, CATCH_UP);
                run.awaitEqual(CATCH_UP, follow);
                assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            } finally {
                first.close();
                follow.close();
            }
        }
    }

    private static String[] withCreateSlot(List<String> args) {
        List<String> all = new java.util.ArrayList<>(args);
        all.add("--create-slot");
        return all.toArray(String[]::new);
    }

    @Test
    void a_batch_the_full_disk_refused_is_never_confirmed_and_a_rerun_with_room_applies_it(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk");
        Assumptions.assumeTrue(SmallDisk.mount(disk, "3m"), "mounting a small tmpfs needs root (CI runs as root)");
        try (FollowRun run = FollowRun.create(73, dir)) {
            run.db = "disk/metrics.db";
            run.startReference();
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            for (int i = 0; i < 100 && follow.isAlive(); i++) {
                run.workload.run(20);
            }
            assertEquals(1, follow.awaitExit(CATCH_UP), run.context() + ": follow on a full disk\n" + follow.describe());
            assertTrue(follow.stderr().contains("disk is full"), follow.describe());
            assertConfirmedCoversOnlyWhatSqliteHolds(run, run.context() + ", follow " + follow.describe());
            SmallDisk.resize(disk, "200m");
            follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.awaitEqual(CATCH_UP, follow);
            CapturedWal reference = run.referenceWal();
            assertEquals(reference.changes() - reference.ignorable(run.schema), run.changesLandedFromTheSlot(),
                    run.context() + ": changes landed from the slot, against what PostgreSQL decoded");
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        } finally {
            SmallDisk.unmount(disk);
        }
    }

    /** A small tmpfs, as FullDiskTest makes one: a disk that fills. */
    static final class SmallDisk {
        static boolean mount(Path at, String size) throws Exception {
            if (!"0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip())) {
                return false;
            }
            java.nio.file.Files.createDirectories(at);
            return run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString()) == 0;
        }

        static void resize(Path at, String size) throws Exception {
            assertEquals(0, run("mount", "-o", "remount,size=" + size, at.toString()), "remount " + at);
        }

        static void unmount(Path at) throws Exception {
            if (java.nio.file.Files.isDirectory(at)) {
                run("umount", at.toString());
            }
        }

        private static int run(String... command) throws Exception {
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        }
    }

    /**
     * A batch's line says the position it confirmed: the nextlsn after its last transaction, which
     * is the last position the ledger holds (every transaction of this workload has changes).
     */
    static void assertLastLinePrintsTheConfirmedPosition(FollowRun run, LoaderProcess follow, String where) throws Exception {
        long ledgerLast = run.sqlite().jdbi().withHandle(handle -> handle.createQuery(
                "select last_lsn from batch_source_positions order by batch_id desc limit 1").mapTo(Long.class).one());
        String printed = null;
        long until = System.nanoTime() + CATCH_UP.toNanos();
        while (System.nanoTime() < until) {
            List<String> lines = follow.stderr().lines().filter(line -> line.contains("; confirmed up to LSN ")).toList();
            if (!lines.isEmpty()) {
                String line = lines.get(lines.size() - 1);
                printed = line.substring(line.indexOf("; confirmed up to LSN ") + "; confirmed up to LSN ".length(), line.lastIndexOf(" ("));
                if (printed.equals(lsn(ledgerLast)) && run.confirmedFlush() >= ledgerLast) {
                    break;
                }
            }
            Thread.sleep(100);
        }
        assertEquals(lsn(ledgerLast), printed, where + ": the last batch's line, against the nextlsn of its last transaction\n"
                + follow.describe());
        assertTrue(run.confirmedFlush() >= ledgerLast, where + ": the slot confirmed " + lsn(run.confirmedFlush())
                + ", below the last batch's end " + lsn(ledgerLast));
    }

    /** Every transaction of ours at or below the slot's confirmed position is in SQLite. */
    static void assertConfirmedCoversOnlyWhatSqliteHolds(FollowRun run, String where) throws Exception {
        long confirmed = run.confirmedFlush();
        long highest = run.sqlite().jdbi().withHandle(handle -> handle.createQuery(
                "select coalesce(max(last_lsn), 0) from batch_source_positions").mapTo(Long.class).one());
        List<Long> ours = run.referenceWal().positionsOfSourceChanges(run.schema);
        List<Long> lost = ours.stream().filter(lsn -> lsn <= confirmed && lsn > highest).toList();
        assertEquals(List.of(), lost.stream().map(FollowConfirmationTest::lsn).toList(), where + ": the slot confirmed "
                + lsn(confirmed) + ", which covers these transactions (their nextlsn), but SQLite holds only up to "
                + lsn(highest));
        assertTrue(ours.stream().anyMatch(lsn -> lsn > highest), where + ": the changes made under the lock were all applied");
    }

    static String lsn(long value) {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xffff_ffffL).toUpperCase();
    }

    /** The stock sqlite3 shell in a process of its own, holding {@code begin exclusive} until closed. */
    static final class SqliteShellLock implements AutoCloseable {
        private final Process shell;
        private final OutputStream in;

        private SqliteShellLock(Process shell) {
            this.shell = shell;
            this.in = shell.getOutputStream();
        }

        static SqliteShellLock take(Path db) throws IOException {
            Process shell = new ProcessBuilder("sqlite3", db.toString()).redirectErrorStream(true).start();
            SqliteShellLock lock = new SqliteShellLock(shell);
            lock.send(".timeout 30000\nbegin exclusive;\n.print locked\n");
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (!"locked".equals(line)) {
                shell.destroyForcibly();
                throw new AssertionError("sqlite3 did not take the lock: " + line);
            }
            return lock;
        }

        private void send(String commands) throws IOException {
            in.write(commands.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        @Override
        public void close() throws Exception {
            send("commit;\n.quit\n");
            in.close();
            if (!shell.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
    }
}
