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
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch} as it runs in production: one long-lived child JVM polling a folder, files written
 * into the folder while it runs, the database read beside it, and SIGTERM to stop it.
 */
class WatchCommandTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path inbox;
    private SqliteFile db;

    @BeforeEach
    void makeTheInbox() throws IOException {
        inbox = Files.createDirectory(dir.resolve("inbox"));
        db = new SqliteFile(dir.resolve("metrics.db"));
    }

    @Test
    void appliesTheFilesPresentAtStartAndTheFilesAddedWhileItRuns() throws IOException {
        flows("a", 2).writeTo(inbox.resolve("2026-11-24T1000.json"));
        try (LoaderProcess watch = startWatch()) {
            awaitMetrics(watch, 2);
            placeAtomically(flows("b", 3), "2026-11-24T1001.json");
            awaitMetrics(watch, 5);

            assertEquals(0, stop(watch), watch.describe());
            assertTrue(watch.stderrLines().contains("inbox/2026-11-24T1000.json: 2 batches applied, 8 changes landed, 2 metric rows now"),
                    watch.describe());
            assertTrue(watch.stderrLines().contains("inbox/2026-11-24T1001.json: 3 batches applied, 12 changes landed, 5 metric rows now"),
                    watch.describe());
        }
    }

    @Test
    void appliesEachFileExactlyOnceAcrossPollsAndAcrossARestart() throws IOException {
        flows("a", 2).writeTo(inbox.resolve("1.json"));
        flows("b", 1).writeTo(inbox.resolve("2.json"));
        try (LoaderProcess first = startWatch()) {
            awaitMetrics(first, 3);
            sleep(Duration.ofMillis(2_500));  // two polls more
            assertEquals(0, stop(first), first.describe());
            assertEquals(2, appliedLines(first).size(), first.describe());
        }
        assertEquals(3, db.number("select count(*) from batch_ledger"));

        try (LoaderProcess second = startWatch()) {
            await(second, "its first poll", () -> second.stderr().contains("watching"));
            sleep(Duration.ofMillis(2_500));
            assertEquals(0, stop(second), second.describe());
            assertEquals(List.of(), appliedLines(second), second.describe());
        }
        assertEquals(3, db.number("select count(*) from batch_ledger"));
        assertEquals(3, db.number("select count(*) from metrics"));
    }

    @Test
    void appliesOnlyTheNewBatchesOfAFileThatGrows() throws IOException {
        Path stream = inbox.resolve("stream.jsonl");
        Files.writeString(stream, flows("a", 2).toStream(), UTF_8);
        try (LoaderProcess watch = startWatch()) {
            awaitMetrics(watch, 2);
            Files.writeString(stream, flows("b", 3).toStream(), UTF_8, StandardOpenOption.APPEND);
            awaitMetrics(watch, 5);
            assertEquals(0, stop(watch), watch.describe());

            assertEquals(List.of("inbox/stream.jsonl: 2 batches applied, 8 changes landed, 2 metric rows now",
                    "inbox/stream.jsonl: 3 batches applied, 12 changes landed, 5 metric rows now"), appliedLines(watch));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L),
                db.column("select batch_no from batch_ledger order by batch_id").stream().map(n -> ((Number) n).longValue()).toList());
    }

    @Test
    void reportsAMalformedFileOnceKeepsGoingAndRetriesItWhenItChanges() throws IOException {
        flows("a", 1).writeTo(inbox.resolve("1.json"));
        Files.writeString(inbox.resolve("2.json"), "[[{\"change\":[", UTF_8);
        flows("c", 1).writeTo(inbox.resolve("3.json"));
        try (LoaderProcess watch = startWatch()) {
            awaitMetrics(watch, 2);
            sleep(Duration.ofMillis(2_500));  // two polls more: still one line about the broken file
            List<String> aboutTheBrokenFile = watch.stderrLines().stream().filter(line -> line.startsWith("inbox/2.json")).toList();
            assertEquals(1, aboutTheBrokenFile.size(), watch.describe());
            assertTrue(aboutTheBrokenFile.get(0).endsWith("skipped until the file changes"), watch.describe());
            assertTrue(watch.isAlive(), watch.describe());

            placeAtomically(flows("b", 1), "2.json");
            awaitMetrics(watch, 3);
            assertEquals(0, stop(watch), watch.describe());
        }
    }

    @Test
    void reportsAFileWithOtherChangesAtAppliedPositionsOnceAndKeepsGoing() throws IOException {
        Files.writeString(inbox.resolve("1.json"), positioned("0/100", 1) + positioned("0/200", 2), UTF_8);
        Files.writeString(inbox.resolve("2.json"), positioned("0/200", 20) + positioned("0/300", 30), UTF_8);
        try (LoaderProcess watch = startWatch()) {
            await(watch, "the first file", () -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) >= 2);
            // a file placed after the refusal is applied at a later poll, which would have tried 2.json again first
            Files.writeString(inbox.resolve(".3.json.tmp"), positioned("0/400", 40), UTF_8);
            Files.move(inbox.resolve(".3.json.tmp"), inbox.resolve("3.json"), StandardCopyOption.ATOMIC_MOVE);
            await(watch, "the third file", () -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) >= 3);
            assertEquals(0, stop(watch), watch.describe());

            assertEquals(List.of("inbox/2.json: batch 1, record 1: position 0/200 was applied before with other changes"
                            + " (from " + inbox.resolve("1.json").toRealPath() + ", batch 2): refusing this input; nothing of"
                            + " batch 1 applied; skipped until the file changes"),
                    watch.stderrLines().stream().filter(line -> line.startsWith("inbox/2.json")).toList(), watch.describe());
        }
        assertEquals(List.of(1L, 2L, 40L), db.column("select amount from stg_transaction order by change_seq").stream()
                .map(n -> ((Number) n).longValue()).toList());
    }

    /** A record with its source position, inserting one transaction, as a line. */
    private static String positioned(String lsn, int amount) {
        return "{\"xid\":" + amount + ",\"nextlsn\":\"" + lsn + "\",\"change\":[{\"kind\":\"insert\",\"schema\":\"public\","
                + "\"table\":\"transaction\",\"columnnames\":[\"transaction_id\",\"amount\"],\"columntypes\":[\"uuid\",\"integer\"],"
                + "\"columnvalues\":[\"7d0c6e0e-9b55-4c1a-8f55-0000000000" + String.format("%02d", amount % 100) + "\"," + amount + "]}]}\n";
    }

    @Test
    void stopsOnSigtermAfterTheBatchInHandAndARestartFinishesTheJob() throws IOException {
        // about six changes a batch: more than two groups of 50,000 changes however fast the machine, so that
        // the first commit is seen while the rest of the file is still to come
        int batches = 20_000;
        flows("a", batches).writeTo(inbox.resolve("backfill.json"));
        try (LoaderProcess watch = startWatch()) {
            await(watch, "the first committed batches", () -> db.peekNumber("select count(*) from batch_ledger").orElse(0L) > 0);
            assertEquals(0, stop(watch), watch.describe());
            assertEquals("stopped", watch.stderrLines().get(watch.stderrLines().size() - 1), watch.describe());
        }
        assertEquals(List.of("ok"), db.integrityCheck());
        assertLedgerMatchesWhatIsStaged();
        long applied = db.number("select count(*) from batch_ledger");
        assertTrue(applied < batches, "stopped in the middle of the file, not after it: " + applied);
        assertEquals(applied, db.number("select max(batch_no) from batch_ledger"), "the batches applied are the first ones, each once");
        assertEquals(applied, db.number("select count(*) from metrics"), "one metric a batch, no half batch");

        try (LoaderProcess restarted = startWatch()) {
            awaitMetrics(restarted, batches);
            assertEquals(0, stop(restarted), restarted.describe());
        }
        assertEquals(batches, db.number("select count(*) from batch_ledger"));
        assertLedgerMatchesWhatIsStaged();
    }

    // ---- helpers

    /** Each batch one flow: a token, a request, a transaction and an event, which make one metric. */
    private static WalFile flows(String prefix, int batches) {
        WalFile wal = new WalFile();
        for (int i = 1; i <= batches; i++) {
            String id = prefix + i;
            wal.batch().record(token("k" + id), request("r" + id, "f" + id, "k" + id), transaction("t" + id),
                    event("e" + id, "t" + id, "f" + id));
        }
        return wal;
    }

    /** As a well-behaved writer does: write under a dot name, then rename into place. */
    private void placeAtomically(WalFile wal, String name) throws IOException {
        Path temporary = wal.writeTo(inbox.resolve("." + name + ".tmp"));
        Files.move(temporary, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private LoaderProcess startWatch() {
        return LoaderProcess.start(dir, "watch", "--db", "metrics.db", "--interval", "1", "inbox");
    }

    private static int stop(LoaderProcess watch) {
        return watch.terminate(PATIENCE);
    }

    private void awaitMetrics(LoaderProcess watch, long rows) {
        await(watch, rows + " metric rows", () -> db.peekNumber("select count(*) from metrics").orElse(0L) >= rows);
    }

    private static void await(LoaderProcess watch, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (!watch.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("waited for " + what + " in vain\n" + watch.describe());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    private static List<String> appliedLines(LoaderProcess watch) {
        return watch.stderrLines().stream().filter(line -> line.contains(" batches applied")).toList();
    }

    private void assertLedgerMatchesWhatIsStaged() {
        long staged = db.number("select (select count(*) from stg_event) + (select count(*) from stg_transaction)"
                + " + (select count(*) from stg_transaction_request) + (select count(*) from stg_payment_instrument_token)");
        assertEquals(db.number("select sum(changes_landed) from batch_ledger"), staged, "every landed change is staged, and no other");
        assertEquals(0, db.number("select count(*) from (select input, batch_no from batch_ledger group by 1, 2 having count(*) > 1)"),
                "no batch applied twice");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
