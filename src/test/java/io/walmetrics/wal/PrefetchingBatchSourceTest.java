package io.walmetrics.wal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.testing.GeneratedWal;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prefetching source against the plain reader on the same files, driven call by call in
 * lockstep: every call must give both the same value, or the same exception.
 */
class PrefetchingBatchSourceTest {

    @TempDir
    Path dir;

    private final List<PrefetchingBatchSource> opened = new ArrayList<>();

    @AfterEach
    void noReaderThreadOutlivesItsSource() throws Exception {
        for (PrefetchingBatchSource source : opened) {
            source.close();
            source.thread().join(5_000);
            assertFalse(source.thread().isAlive(), "the wal-reader thread still runs after close");
        }
    }

    // ---- helpers

    /** What one call gave: a value, or an exception's class, message and (for WAL faults) place. */
    private record Outcome(Object value, String thrown, String message, List<Object> place) {

        static Outcome of(Object value) {
            return new Outcome(value, null, null, null);
        }

        static Outcome of(Throwable e) {
            List<Object> place = e instanceof WalFormatException wal
                    ? List.of(wal.input(), wal.batchNo(), wal.line(), wal.column(), wal.reason()) : null;
            return new Outcome(null, e.getClass().getName(), e.getMessage(), place);
        }

        boolean failed() {
            return thrown != null;
        }
    }

    private interface Call<T> {
        T on(BatchSource source) throws Exception;
    }

    /** A plain reader and a prefetching one over the same file, called alike. */
    private final class Pair {
        final WalReader plain;
        final PrefetchingBatchSource prefetching;
        final String label;

        Pair(Path file, Integer batchSize, String label) throws IOException {
            this.label = label;
            this.plain = new WalReader(Files.newInputStream(file), file.getFileName().toString(), batchSize);
            this.prefetching = new PrefetchingBatchSource(
                    new WalReader(Files.newInputStream(file), file.getFileName().toString(), batchSize));
            opened.add(prefetching);
        }

        <T> Outcome both(String what, Call<T> call) {
            Outcome expected = outcome(plain, call);
            Outcome actual = outcome(prefetching, call);
            assertEquals(expected, actual, label + ": " + what);
            return expected;
        }

        private <T> Outcome outcome(BatchSource source, Call<T> call) {
            try {
                return Outcome.of(call.on(source));
            } catch (Exception | Error e) {
                return Outcome.of(e);
            }
        }

        void close() throws IOException {
            plain.close();
            prefetching.close();
        }
    }

    /** How a drive went: batches begun and read to their end, changes given, and the failure if any. */
    private record Drive(int batches, int batchesEnded, long changes, Outcome failure) {
    }

    /**
     * Reads the whole input through both, comparing every call; {@code skipAfter} (when not
     * negative) leaves every second batch after that many changes, so nextBatch drains the rest.
     */
    private Drive drive(Pair pair, int skipAfter) throws IOException {
        int batches = 0;
        int ended = 0;
        long changes = 0;
        pair.both("batchHash before any batch", BatchSource::batchHash);
        pair.both("wasEmpty before any batch", BatchSource::wasEmpty);
        pair.both("batchNo before any batch", BatchSource::batchNo);
        while (true) {
            Outcome more = pair.both("nextBatch after batch " + batches, BatchSource::nextBatch);
            if (more.failed()) {
                return afterFailure(pair, new Drive(batches, ended, changes, more));
            }
            if (!(Boolean) more.value()) {
                break;
            }
            batches++;
            String at = "batch " + batches;
            pair.both(at + " batchNo", BatchSource::batchNo);
            pair.both(at + " recordCount at start", BatchSource::recordCount);
            pair.both(at + " wasEmpty", BatchSource::wasEmpty);
            pair.both(at + " offset at start", BatchSource::offset);
            pair.both(at + " batchHash before its end", BatchSource::batchHash);
            pair.both(at + " batchLsnRange before its end", BatchSource::batchLsnRange);
            boolean leave = skipAfter >= 0 && batches % 2 == 0;
            int inBatch = 0;
            while (true) {
                if (leave && inBatch == skipAfter) {
                    break;
                }
                Outcome change = pair.both(at + " change " + (inBatch + 1), BatchSource::nextChange);
                if (change.failed()) {
                    return afterFailure(pair, new Drive(batches, ended, changes, change));
                }
                pair.both(at + " recordCount after change " + (inBatch + 1), BatchSource::recordCount);
                if (change.value() == null) {
                    break;
                }
                inBatch++;
                changes++;
                long plainOffset = pair.plain.offset();
                long prefetchOffset = pair.prefetching.offset();
                assertTrue(prefetchOffset >= plainOffset,
                        pair.label + ": " + at + " offset " + prefetchOffset + " behind the reader's " + plainOffset);
            }
            if (leave && inBatch == skipAfter) {
                continue;
            }
            ended++;
            pair.both(at + " batchHash", BatchSource::batchHash);
            pair.both(at + " streamHash", BatchSource::streamHash);
            pair.both(at + " batchLsnRange", BatchSource::batchLsnRange);
            pair.both(at + " offset at its end", BatchSource::offset);
            pair.both(at + " nextChange after its end", BatchSource::nextChange);
        }
        pair.both("wasEmpty at the end", BatchSource::wasEmpty);
        pair.both("batchNo at the end", BatchSource::batchNo);
        pair.both("recordCount at the end", BatchSource::recordCount);
        pair.both("batchHash at the end", BatchSource::batchHash);
        pair.both("offset at the end", BatchSource::offset);
        pair.both("nextBatch again at the end", BatchSource::nextBatch);
        pair.both("nextChange at the end", BatchSource::nextChange);
        return new Drive(batches, ended, changes, null);
    }

    private static Drive afterFailure(Pair pair, Drive drive) {
        pair.both("batchNo after the failure", BatchSource::batchNo);
        pair.both("recordCount after the failure", BatchSource::recordCount);
        pair.both("wasEmpty after the failure", BatchSource::wasEmpty);
        pair.both("batchHash after the failure", BatchSource::batchHash);
        return drive;
    }

    private Path generated(String name, long seed, int flows, Shape shape) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            WalGenerator.write(new WalGenerator.Options(seed, flows, Naming.PUBLISHED, shape), out);
        }
        return file;
    }

    /** Plain reader's count of batches and changes, to know what a drive must have seen. */
    private static long[] count(Path file, Integer batchSize) throws IOException {
        try (WalReader reader = new WalReader(Files.newInputStream(file), "count", batchSize)) {
            long batches = 0;
            long changes = 0;
            while (reader.nextBatch()) {
                batches++;
                while (reader.nextChange() != null) {
                    changes++;
                }
            }
            return new long[] {batches, changes};
        }
    }

    // ---- the same values

    @Test
    void everyCallGivesTheSameOnGeneratedWalOfEveryShapeAndBatchSize() throws IOException {
        record Case(Shape shape, Integer batchSize) {
        }
        List<Case> cases = List.of(new Case(Shape.BATCHES, null), new Case(Shape.BATCHES, 3),
                new Case(Shape.RECORDS, null), new Case(Shape.RECORDS, 7),
                new Case(Shape.STREAM, null), new Case(Shape.STREAM, 5));
        for (long seed = 1; seed <= 3; seed++) {
            for (Case c : cases) {
                Path file = generated("seed" + seed + "-" + c.shape() + ".json", seed, 200, c.shape());
                long[] expected = count(file, c.batchSize());
                for (int skipAfter : new int[] {-1, 0, 2}) {
                    String label = "seed " + seed + ", " + c + ", skipAfter " + skipAfter;
                    Pair pair = new Pair(file, c.batchSize(), label);
                    Drive drive = drive(pair, skipAfter);
                    pair.close();
                    assertNull(drive.failure(), label);
                    assertEquals(expected[0], drive.batches(), label + ": batches");
                    if (skipAfter < 0) {
                        assertEquals(expected[1], drive.changes(), label + ": changes");
                        assertEquals(drive.batches(), drive.batchesEnded(), label);
                    }
                }
            }
        }
    }

    @Test
    void theGeneratorsBatchCountIsWhatBothGive() throws IOException {
        Path file = dir.resolve("batches.json");
        int batches = GeneratedWal.write(file, 11, 400);
        Drive drive = drive(new Pair(file, null, "seed 11"), -1);
        assertEquals(new Drive(batches, batches, count(file, null)[1], null), drive);
    }

    @Test
    void emptyAndBatchlessInputsEndAlike() throws IOException {
        for (String text : List.of("", "  \n", "[]", "[[]]", "[ ]\n[]")) {
            Path file = dir.resolve("empty.json");
            Files.writeString(file, text);
            Drive drive = drive(new Pair(file, null, "input " + Arrays.toString(text.getBytes(UTF_8))), -1);
            int batches = text.equals("[[]]") ? 1 : 0;
            assertEquals(new Drive(batches, batches, 0, null), drive, text);
        }
    }

    // ---- the same failures

    @Test
    void aFileCutMidBatchFailsAlikeAfterTheSameBatches() throws IOException {
        Path whole = dir.resolve("whole.json");
        GeneratedWal.write(whole, 5, 300);
        byte[] bytes = Files.readAllBytes(whole);
        for (double cut : new double[] {0.3, 0.61, 0.999}) {
            Path file = dir.resolve("cut.json");
            Files.write(file, Arrays.copyOf(bytes, (int) (bytes.length * cut)));
            Drive drive = drive(new Pair(file, null, "cut at " + cut), -1);
            assertTrue(drive.failure() != null, "cut at " + cut + ": no failure");
            assertEquals(WalFormatException.class.getName(), drive.failure().thrown(), "cut at " + cut);
            assertEquals(drive.batches(), drive.failure().place().get(1), "cut at " + cut + ": failing batch");
            assertEquals(drive.batches() - 1, drive.batchesEnded(), "cut at " + cut);
        }
    }

    @Test
    void badJsonAtBatchKFailsAlikeAfterTheBatchesBeforeIt() throws IOException {
        Path stream = generated("stream.json", 9, 300, Shape.STREAM);
        List<String> lines = Files.readAllLines(stream);
        int batchSize = 2;
        for (int k : new int[] {1, 4, 57}) {
            List<String> broken = new ArrayList<>(lines);
            // the second record of batch k: the first is read, then the parser meets this line
            broken.set((k - 1) * batchSize + 1, "{\"change\":[{\"kind\": nope}]}");
            Path file = dir.resolve("bad-at-" + k + ".json");
            Files.write(file, broken);
            Drive drive = drive(new Pair(file, batchSize, "bad at batch " + k), -1);
            assertEquals(WalFormatException.class.getName(), drive.failure().thrown(), "batch " + k);
            assertEquals(List.of(file.getFileName().toString(), k, (long) (k - 1) * batchSize + 2, 26L,
                    drive.failure().place().get(4)), drive.failure().place(), "batch " + k);
            assertEquals(new Drive(k, k - 1, drive.changes(), drive.failure()), drive, "batch " + k);
        }
    }

    @Test
    void aBadPositionAtBatchKFailsAlike() throws IOException {
        Path file = dir.resolve("bad-lsn.json");
        Files.writeString(file, "[[{\"nextlsn\":\"0/A\",\"change\":[]}],[{\"nextlsn\":\"zz\",\"change\":[]}]]");
        Drive drive = drive(new Pair(file, null, "bad nextlsn"), -1);
        assertEquals(List.of(file.getFileName().toString(), 2, 1L, 46L,
                "record 1 of batch 2: nextlsn \"zz\" is not a PostgreSQL LSN (X/Y, two hexadecimal numbers)"),
                drive.failure().place());
        assertEquals(new Drive(2, 1, 0, drive.failure()), drive);
    }

    // ---- bounded memory, and stopping

    /** One batch of one record holding {@code changes} small inserts. */
    private Path oneHugeBatch(int changes) throws IOException {
        Path file = dir.resolve("huge.json");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("[[{\"nextlsn\":\"0/16B3748\",\"change\":[");
            for (int i = 1; i <= changes; i++) {
                out.write(i == 1 ? "\n" : ",\n");
                out.write("{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"t\",\"columnnames\":[\"id\"],"
                        + "\"columntypes\":[\"integer\"],\"columnvalues\":[" + i + "]}");
            }
            out.write("]}]]\n");
        }
        return file;
    }

    private static WalChange insert(int batchNo, int i) {
        return new WalChange(new ChangePosition(batchNo, 1, i), "insert", "public", "t", List.of("id"),
                List.of("integer"), List.of(new WalValue(WalValue.Type.INTEGER, Integer.toString(i))), null, null,
                java.util.Map.of(), Lsn.parse("0/16B3748"));
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void aBatchLargerThanTheQueueStreamsWithTheReaderNeverFurtherAheadThanTheBound() throws Exception {
        int total = 200_000;
        Path file = oneHugeBatch(total);
        PrefetchingBatchSource source = new PrefetchingBatchSource(new WalReader(Files.newInputStream(file), "huge.json", null));
        opened.add(source);
        long bound = (long) (PrefetchingBatchSource.QUEUE_CHUNKS + 2) * PrefetchingBatchSource.CHUNK_CHANGES;
        assertTrue(source.nextBatch());
        assertEquals(insert(1, 1), source.nextChange());
        // the caller stalls: the reader fills the queue and waits, the bound in hand
        waitFor("the queue to fill", () -> source.highWater() == bound);
        Thread.sleep(200);
        assertEquals(bound, source.highWater());
        assertEquals(Thread.State.WAITING, source.thread().getState());
        for (int i = 2; i <= total; i++) {
            assertEquals(insert(1, i), source.nextChange());
            if (i % 20_000 == 0) {
                Thread.sleep(50); // stall again now and then
            }
        }
        assertNull(source.nextChange());
        assertEquals(1, source.recordCount());
        assertEquals(new LsnRange(Lsn.parse("0/16B3748"), Lsn.parse("0/16B3748"), true), source.batchLsnRange());
        assertFalse(source.nextBatch());
        assertEquals(bound, source.highWater());
        assertEquals(Files.size(file), source.offset());
    }

    @Test
    void closeWhileTheReaderWaitsOnAFullQueueEndsItsThreadPromptly() throws Exception {
        Path file = oneHugeBatch(100_000);
        PrefetchingBatchSource source = new PrefetchingBatchSource(new WalReader(Files.newInputStream(file), "huge.json", null));
        long bound = (long) (PrefetchingBatchSource.QUEUE_CHUNKS + 2) * PrefetchingBatchSource.CHUNK_CHANGES;
        assertTrue(source.nextBatch());
        assertEquals(insert(1, 1), source.nextChange());
        waitFor("the queue to fill", () -> source.highWater() == bound);
        long started = System.nanoTime();
        source.close();
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertFalse(source.thread().isAlive(), "the wal-reader thread outlived close");
        assertTrue(tookMillis < 500, "close took " + tookMillis + " ms");
        IOException after = assertThrows(IOException.class, source::nextChange);
        assertEquals("the WAL source is closed", after.getMessage());
        source.close(); // twice is harmless
    }

    @Test
    void closeMidFileOfManySmallBatchesEndsTheThread() throws Exception {
        Path file = generated("many.json", 3, 2_000, Shape.BATCHES);
        for (int stopAfter : new int[] {0, 1, 40}) {
            PrefetchingBatchSource source = new PrefetchingBatchSource(new WalReader(Files.newInputStream(file), "many.json", null));
            for (int b = 0; b < stopAfter; b++) {
                assertTrue(source.nextBatch());
                source.nextChange();
            }
            source.close();
            source.thread().join(2_000);
            assertFalse(source.thread().isAlive(), "stop after " + stopAfter + ": the wal-reader thread outlived close");
        }
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(PrefetchingBatchSource.THREAD_NAME) && t.isAlive())
                .filter(t -> opened.stream().noneMatch(s -> s.thread() == t))
                .map(Thread::getName).toList());
    }

    @Test
    void aFailureOfTheReaderItselfReachesTheCallerUnchanged() throws Exception {
        Path file = generated("io.json", 4, 100, Shape.BATCHES);
        // an input that fails as a disk would, after some bytes
        byte[] bytes = Files.readAllBytes(file);
        java.io.InputStream failing = new java.io.InputStream() {
            int at;

            @Override
            public int read() throws IOException {
                if (at >= bytes.length / 2) {
                    throw new IOException("Input/output error");
                }
                return bytes[at++] & 0xff;
            }
        };
        PrefetchingBatchSource source = new PrefetchingBatchSource(new WalReader(failing, "io.json", null));
        opened.add(source);
        int ended = 0;
        IOException thrown = null;
        try {
            while (source.nextBatch()) {
                while (source.nextChange() != null) {
                    // reading
                }
                ended++;
            }
        } catch (IOException e) {
            thrown = e;
        }
        assertEquals(IOException.class, Objects.requireNonNull(thrown, "no failure").getClass());
        assertEquals("Input/output error", thrown.getMessage());
        long[] plain = count(file, null);
        assertTrue(ended > 0 && ended < plain[0], ended + " of " + plain[0] + " batches");
        IOException again = assertThrows(IOException.class, source::nextBatch);
        assertEquals(thrown, again);
    }

}
