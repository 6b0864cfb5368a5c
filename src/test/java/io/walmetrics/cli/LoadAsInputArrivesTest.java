package io.walmetrics.cli;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code load} while its input is still being written, and what it shows on the way: standard
 * input commits each batch as it arrives, and the progress line is for terminals only.
 */
class LoadAsInputArrivesTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void standardInputCommitsEachBatchBeforeTheNextArrives() throws Exception {
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        Process load = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "io.walmetrics.cli.Main", "load", "--db", "metrics.db", "-")
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        try (OutputStream stdin = load.getOutputStream()) {
            List<String> records = flows(2).toStream().lines().toList();  // one record a batch on standard input

            write(stdin, records.get(0));
            awaitLedgerRows(db, load, 1);
            assertTrue(load.isAlive(), "the first batch is committed while standard input is still open");

            write(stdin, records.get(1));
            awaitLedgerRows(db, load, 2);
        }
        assertTrue(load.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "exits once standard input is closed");
        assertEquals(0, load.exitValue(), Files.readString(dir.resolve("stderr.txt"), UTF_8));
        assertEquals(1, db.number("select count(*) from metrics"));
    }

    @Test
    void showsNoProgressWhenStandardErrorIsNotATerminal() throws IOException {
        flows(3_000).writeTo(dir.resolve("wal.json"));
        try (LoaderProcess load = LoaderProcess.start(dir, "load", "--db", "metrics.db", "wal.json")) {
            assertEquals(0, load.awaitExit(PATIENCE), load.describe());
            assertFalse(load.stderr().contains("\r"), load.describe());
            assertFalse(load.stderr().contains("changes/s"), load.describe());
            assertTrue(load.stderr().startsWith("wal.json -> metrics.db"), load.describe());
        }
    }

    @Test
    void logsEachBatchAppliedWithVerboseAndOnlyThen() throws IOException {
        flows(2).writeTo(dir.resolve("wal.json"));
        try (LoaderProcess quiet = LoaderProcess.start(dir, "load", "--db", "metrics.db", "wal.json")) {
            assertEquals(0, quiet.awaitExit(PATIENCE), quiet.describe());
            assertFalse(quiet.stderr().contains(" applied: "), quiet.describe());
        }
        try (LoaderProcess verbose = LoaderProcess.start(dir, "load", "--db", "metrics.db", "--reprocess", "--verbose", "wal.json")) {
            assertEquals(0, verbose.awaitExit(PATIENCE), verbose.describe());
            assertEquals(2, verbose.stderrLines().stream().filter(line -> line.contains("wal.json: batch ") && line.contains(" applied: ")).count(),
                    verbose.describe());
        }
    }

    /** Each batch (record) a flow of four rows; the second batch's event joins the first's rows. */
    private static WalFile flows(int batches) {
        WalFile wal = new WalFile();
        wal.batch().record(token("k"), request("r", "f", "k"), transaction("t"));
        for (int i = 1; i < batches; i++) {
            wal.batch().record(event("e" + i, "t", "f"));
        }
        return wal;
    }

    private static void write(OutputStream stdin, String line) throws IOException {
        stdin.write((line + "\n").getBytes(UTF_8));
        stdin.flush();
    }

    private static void awaitLedgerRows(SqliteFile db, Process load, long rows) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (db.peekNumber("select count(*) from batch_ledger").orElse(0L) < rows) {
            if (!load.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no " + rows + " batches in the ledger; the loader " + (load.isAlive() ? "still runs" : "exited"));
            }
            Thread.sleep(50);
        }
    }
}
