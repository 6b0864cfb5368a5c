package io.walmetrics.cli;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.testing.Change;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * A load that waits for another connection's write lock says so after a second, and names the lock
 * when it gives up; a load stopped by SIGTERM or SIGINT says where it stopped, and a rerun goes on
 * from there. Real child processes, real signals, a real sqlite3 shell.
 */
class WaitingAndStoppingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Path SAMPLE = Path.of("data/wal.json").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void when_another_connection_holds_the_write_lock_then_load_says_after_a_second_that_it_waits_and_goes_on_once_released()
            throws Exception {
        TestDb db = TestDb.in(dir);
        LoaderProcess load;
        long noticeAfterNanos;
        try (Connection other = new SQLiteConfig().createConnection("jdbc:sqlite:" + db.file());
             Statement statement = other.createStatement()) {
            statement.execute("begin immediate");
            long started = System.nanoTime();
            load = LoaderProcess.start(dir, "load", "--db", "metrics.db", "--lock-timeout", "45", SAMPLE.toString());
            awaitTrue(() -> load.stderr().contains("waiting for"), load);
            noticeAfterNanos = System.nanoTime() - started;
            statement.execute("rollback");
        }

        assertEquals(ExitCode.OK, load.awaitExit(PATIENCE), load.describe());
        assertEquals("metrics.db: waiting for the database's write lock, held by another connection, for at most 45 s"
                + " (--lock-timeout)", load.stderrLines().get(0), load.describe());
        assertEquals(SAMPLE + " -> metrics.db", load.stderrLines().get(1), load.describe());
        assertTrue(noticeAfterNanos >= TimeUnit.SECONDS.toNanos(1), "the notice came after " + noticeAfterNanos / 1e6 + " ms");
        assertEquals(71, db.count("metrics"));
    }

    @Test
    void when_a_sqlite3_shell_holds_the_write_lock_past_the_lock_timeout_then_load_fails_naming_the_lock_not_a_loader()
            throws Exception {
        Path sqlite3 = Path.of("/usr/bin/sqlite3");
        Assumptions.assumeTrue(Files.isExecutable(sqlite3), "no stock sqlite3 here");
        TestDb db = TestDb.in(dir);
        Process shell = new ProcessBuilder(sqlite3.toString(), db.file().toString()).redirectErrorStream(true).start();
        LoaderProcess load;
        try (OutputStream stdin = shell.getOutputStream()) {
            stdin.write("begin immediate;\n".getBytes(UTF_8));
            stdin.flush();
            awaitTrue(() -> writeLockTaken(db.file()), null);

            load = LoaderProcess.run(dir, PATIENCE, "load", "--db", "metrics.db", "--lock-timeout", "2", SAMPLE.toString());

            stdin.write("rollback;\n.quit\n".getBytes(UTF_8));
        } finally {
            shell.waitFor(10, TimeUnit.SECONDS);
            shell.destroyForcibly();
        }

        assertEquals(ExitCode.FAILED, load.exitCode(), load.describe());
        // then the summary of what was committed
        assertEquals(List.of(
                        "metrics.db: waiting for the database's write lock, held by another connection, for at most 2 s (--lock-timeout)",
                        "metrics.db: the database's write lock stayed held by another connection for 2 s (--lock-timeout);"
                                + " nothing of the batch in hand was applied, run the same command again"),
                load.stderrLines().subList(0, 2), load.describe());
        assertTrue(load.elapsed().toMillis() >= 2_000, load.describe());
        assertEquals(0, db.count("batch_ledger"));
    }

    /**
     * The file is a named pipe the test feeds for as long as the loader reads it, so the load cannot
     * finish before the signal whatever the machine's speed; the signal goes once a group of batches
     * is committed. The rerun reads a plain file at the same path holding more batches than the
     * stopped load applied.
     */
    @Test
    void when_load_of_a_file_gets_sigterm_then_it_commits_the_batch_in_hand_says_where_it_stopped_and_a_rerun_finishes()
            throws Exception {
        TestDb.in(dir);
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        Path wal = mkfifo(dir.resolve("wal.json"));

        LoadedPipe feeder;
        int exit;
        LoaderProcess load = LoaderProcess.start(dir, "load", "--db", "metrics.db", "wal.json");
        try {
            feeder = LoadedPipe.feed(wal);
            awaitTrue(() -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) > 0, load);
            exit = load.terminate(PATIENCE);
        } finally {
            load.close();
        }
        long written = feeder.awaitEnd(PATIENCE);

        assertEquals(143, exit, "SIGTERM ends it as a signal does (128 + 15)\n" + load.describe());
        List<String> lines = load.stderrLines();
        Matcher stopped = Pattern.compile("wal\\.json: stopped by a signal after batch ([0-9,]+), which is committed with every"
                + " batch before it; the same command again continues at batch ([0-9,]+)").matcher(lines.get(lines.size() - 1));
        assertTrue(stopped.matches(), load.describe());
        long stoppedAfter = Long.parseLong(stopped.group(1).replace(",", ""));
        assertEquals(stoppedAfter + 1, Long.parseLong(stopped.group(2).replace(",", "")));
        assertTrue(stoppedAfter < written, stoppedAfter + " batches applied of " + written + " written\n" + load.describe());
        assertEquals(stoppedAfter, db.number("select count(*) from batch_ledger"), "the batches it says are committed");
        assertEquals(stoppedAfter, db.number("select max(batch_no) from batch_ledger"));

        int more = 100;
        Files.delete(wal);
        try (Writer file = Files.newBufferedWriter(wal, UTF_8)) {
            for (int i = 1; i <= stoppedAfter + more; i++) {
                file.write(streamRecord(i));
            }
        }
        LoaderProcess rerun = LoaderProcess.run(dir, PATIENCE, "load", "--db", "metrics.db", "--json", "wal.json");
        assertEquals(ExitCode.OK, rerun.exitCode(), rerun.describe());
        assertEquals(stoppedAfter, rerun.jsonSummary().get("batches_skipped").longValue());
        assertEquals(more, rerun.jsonSummary().get("batches_applied").longValue());
    }

    /**
     * A signal that lands once the last batch is committed changes nothing: the load says it got to
     * the end and exits as a completed run does. The loader's standard error is a pipe the test
     * reads only after the signal, and the summary is longer than a pipe holds (one drift line for
     * each of many long column names), so the loader is still running, every batch committed, when
     * the signal lands.
     */
    @Test
    void when_sigterm_lands_after_the_last_batch_is_committed_then_load_says_the_whole_input_is_applied_and_exits_as_done()
            throws Exception {
        Change wide = transaction("t");
        for (int i = 1; i <= 1_000; i++) {
            wide.set(String.format(Locale.ROOT, "extra_%04d_", i) + "x".repeat(300), "v");
        }
        new WalFile().batch().record(wide).writeTo(dir.resolve("wal.json"));
        TestDb.in(dir);
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        LoaderProcess completed = LoaderProcess.run(dir, PATIENCE, "load", "--db", "completed.db", "wal.json");
        assertEquals(ExitCode.OK, completed.exitCode(), completed.describe());

        Process load = new ProcessBuilder(LoaderProcess.command("load", "--db", "metrics.db", "wal.json"))
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .start();
        String stderr;
        try {
            awaitTrue(() -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) == 1 || !load.isAlive(), null);
            assertTrue(load.isAlive(), "the loader waits for its standard error to be read");
            // (not Process.destroy(), which closes the streams the test still reads)
            Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(load.pid())).start();
            assertEquals(0, kill.waitFor());
            stderr = new String(load.getErrorStream().readAllBytes(), UTF_8);
            assertTrue(load.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "exits once its output is read");
        } finally {
            load.destroyForcibly();
        }

        List<String> expected = new ArrayList<>(withoutTime(completed.stderrLines()).stream()
                .map(line -> line.replace("completed.db", "metrics.db")).toList());
        expected.add("wal.json: stopped by a signal after its last batch, batch 1: the whole input is applied");
        assertEquals(expected, withoutTime(stderr.lines().toList()));
        assertEquals(completed.exitCode(), load.exitValue(), "the exit code of a completed run");
        assertEquals(1, db.number("select count(*) from batch_ledger"));
    }
    @Test
    void when_load_of_standard_input_waits_for_more_and_gets_sigint_then_it_stops_at_once_and_says_where() throws Exception {
        TestDb.in(dir);
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        Process load = new ProcessBuilder(LoaderProcess.command("load", "--db", "metrics.db", "-"))
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        try (OutputStream stdin = load.getOutputStream()) {
            for (String record : flows(3).toStream().lines().toList()) {
                stdin.write((record + "\n").getBytes(UTF_8));
            }
            stdin.flush();
            awaitTrue(() -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) == 3, null);

            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(load.pid())).start();
            assertEquals(0, kill.waitFor());
            assertTrue(load.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "stops without more input");
        } finally {
            load.destroyForcibly();
        }

        assertEquals(130, load.exitValue(), "SIGINT ends it as a signal does (128 + 2)");
        assertEquals(List.of("<stdin>: stopped by a signal after batch 3, which is committed with every batch before it;"
                        + " the same stream piped again continues at batch 4"),
                Files.readAllLines(dir.resolve("stderr.txt"), UTF_8));
        assertEquals(3, db.number("select count(*) from batch_ledger"));
    }

    /** The line of batch {@code i} of a stream of {@link #flows}'s rows, a record a batch: three rows of a flow, then its events. */
    private static String streamRecord(int i) {
        Change change = switch (i) {
            case 1 -> token("k");
            case 2 -> request("r", "f", "k");
            case 3 -> transaction("t");
            default -> event("e" + i, "t", "f");
        };
        return new WalFile().batch().record(change).toStream();
    }

    private static Path mkfifo(Path path) throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(mkfifo.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
                "mkfifo " + path + ": " + new String(mkfifo.getInputStream().readAllBytes(), UTF_8));
        return path;
    }

    /** The summary's lines with the time it took left out. */
    private static List<String> withoutTime(List<String> lines) {
        return lines.stream().map(line -> line.replaceFirst("^  took     [0-9.]+ s$", "  took     (time)")).toList();
    }

    /**
     * Writes {@link #streamRecord}s into a named pipe on a thread of its own until the reader is gone
     * (the write fails), so that the input never ends while the loader reads it.
     */
    private static final class LoadedPipe {
        private final Thread thread;
        private final AtomicLong written = new AtomicLong();

        private LoadedPipe(Path pipe) {
            this.thread = new Thread(() -> {
                try (OutputStream out = Files.newOutputStream(pipe)) {
                    for (int i = 1; ; i++) {
                        out.write(streamRecord(i).getBytes(UTF_8));
                        out.flush();
                        written.set(i);
                    }
                } catch (IOException readerGone) {
                    // the loader ended: the pipe has no reader any more
                }
            }, "fifo-feeder");
            thread.setDaemon(true);
        }

        static LoadedPipe feed(Path pipe) {
            LoadedPipe feeder = new LoadedPipe(pipe);
            feeder.thread.start();
            return feeder;
        }

        /** How many records were written whole, once the reader is gone. */
        long awaitEnd(Duration patience) throws InterruptedException {
            thread.join(patience.toMillis());
            assertTrue(!thread.isAlive(), "the feeder still writes " + patience.toSeconds() + " s after the loader ended");
            return written.get();
        }
    }

    /** Each batch (record) a flow of four rows, then an event a batch joining them. */
    private static WalFile flows(int batches) {
        WalFile wal = new WalFile();
        wal.batch().record(token("k"), request("r", "f", "k"), transaction("t"));
        for (int i = 1; i < batches; i++) {
            wal.batch().record(event("e" + i, "t", "f"));
        }
        return wal;
    }

    private static boolean writeLockTaken(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(0);
        try (Connection probe = config.createConnection("jdbc:sqlite:" + file);
             Statement statement = probe.createStatement()) {
            statement.execute("begin immediate");
            statement.execute("rollback");
            return false;
        } catch (SQLException busy) {
            return true;
        }
    }

    private static void awaitTrue(BooleanSupplier condition, LoaderProcess process) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || process != null && !process.isAlive()) {
                throw new AssertionError("not so within " + PATIENCE.toSeconds() + " s"
                        + (process != null ? "\n" + process.describe() : ""));
            }
            Thread.sleep(20);
        }
    }
}
