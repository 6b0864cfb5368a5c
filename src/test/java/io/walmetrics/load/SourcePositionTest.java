package io.walmetrics.load;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import io.walmetrics.testing.LoadedState;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.WalFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that carry their source position (wal2json's {@code nextlsn}, with {@code include-lsn})
 * are known by it wherever they come from: one at a position applied before, with the same changes,
 * is skipped, so a replication consumer that sends again what it had not confirmed, in another file
 * or on standard input, applies nothing twice ({@link PositionAcrossInputsTest}: other changes there).
 */
class SourcePositionTest {

    private static final LoadOptions DEFAULTS = new LoadOptions(null, false);

    @TempDir
    Path dir;

    /** A generated stream as pg_recvlogical writes it with include-xids and include-lsn: a record a line. */
    private List<String> records;
    private int firstRepeated;
    private int firstNew;

    @BeforeEach
    void generateRecordsWithPositions() throws IOException {
        Path raw = dir.resolve("generated.json");
        try (OutputStream out = Files.newOutputStream(raw)) {
            WalGenerator.write(new WalGenerator.Options(31, 60, Naming.PUBLISHED, Shape.STREAM), out);
        }
        records = new ArrayList<>();
        for (String line : Files.readAllLines(raw, UTF_8)) {
            if (!line.isBlank()) {
                records.add(line.strip().replaceFirst("^\\{", "{\"xid\":" + (7000 + records.size()) + ",\"nextlsn\":\""
                        + lsnOf(records.size()) + "\","));
            }
        }
        firstRepeated = records.size() * 2 / 5;
        firstNew = records.size() * 3 / 5;
    }

    @Test
    void when_records_are_delivered_again_in_a_second_file_then_each_applies_once() {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(lines("first.json", 0, firstNew));

        LoadReport second = db.load(lines("second.json", firstRepeated, records.size()));

        assertEquals(records.size() - firstRepeated, second.batchesRead());
        assertEquals(firstNew - firstRepeated, second.batchesSkipped(), "one record a batch, each applied before");
        assertEquals(records.size() - firstNew, second.batchesApplied());
        assertEquals(changesIn(firstRepeated, firstNew), second.changesSkippedByLsn());
        assertEquals(changesIn(firstNew, records.size()), second.changesLanded());
        assertEquals(lsnOf(records.size() - 1), second.lastAppliedLsn());
        assertEqualsTheWholeStreamLoadedOnce(db);
    }

    @Test
    void when_records_are_delivered_again_on_standard_input_then_each_applies_once() throws Exception {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(lines("first.json", 0, firstNew));
        byte[] again = String.join("\n", records.subList(firstRepeated, records.size())).getBytes(UTF_8);

        LoadReport second = new Loader(db.jdbi()).load(
                new WalInput("<stdin>", WalInput.STDIN, new ByteArrayInputStream(again)), DEFAULTS);

        assertEquals(firstNew - firstRepeated, second.batchesSkipped());
        assertEquals(records.size() - firstNew, second.batchesApplied());
        assertEquals(changesIn(firstRepeated, firstNew), second.changesSkippedByLsn());
        assertEquals(changesIn(firstNew, records.size()), second.changesLanded());
        assertEqualsTheWholeStreamLoadedOnce(db);
    }

    @Test
    void when_a_batch_straddles_the_applied_position_then_only_its_newer_records_apply() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(lines("first.json", 0, firstNew));
        Path oneBatch = Files.writeString(dir.resolve("one-batch.json"),
                "[" + String.join(",\n", records.subList(firstRepeated, records.size())) + "]\n");

        LoadReport second = db.load(oneBatch);

        assertEquals(1, second.batchesApplied());
        assertEquals(changesIn(firstRepeated, firstNew), second.changesSkippedByLsn());
        assertEquals(changesIn(firstNew, records.size()), second.changesLanded());
        assertEquals(List.of(List.of(lsnOf(firstRepeated).value(), lsnOf(records.size() - 1).value())),
                new SqliteFile(db.file()).rows("""
                        select first_lsn, last_lsn from batch_source_positions
                        where batch_id = (select max(batch_id) from batch_ledger)"""),
                "the ledger keeps the range of the batch as it came");
        assertEqualsTheWholeStreamLoadedOnce(db);
    }

    @Test
    void when_records_already_applied_are_loaded_with_reprocess_then_they_apply_again() {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(lines("first.json", 0, firstNew));

        LoadReport again = db.load(lines("again.json", 0, firstNew), new LoadOptions(null, true));

        assertEquals(firstNew, again.batchesApplied());
        assertEquals(0, again.changesSkippedByLsn());
        assertEquals(changesIn(0, firstNew), again.changesLanded());
    }

    @Test
    void when_a_record_carries_a_nextlsn_that_is_not_an_lsn_then_the_input_is_malformed() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        Path file = Files.writeString(dir.resolve("bad-lsn.json"), "{\"xid\":1,\"nextlsn\":\"0/XYZ\",\"change\":[]}\n");

        LoadFailedException failure = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(file.toString()), DEFAULTS));

        WalFormatException malformed = assertInstanceOf(WalFormatException.class, failure.getCause());
        assertEquals(file + ": line 1, column 20 (batch 1): record 1 of batch 1: nextlsn \"0/XYZ\" is not a PostgreSQL"
                + " LSN (X/Y, two hexadecimal numbers)", malformed.getMessage());
        assertEquals(0, db.count("batch_ledger"));
    }

    // ---- helpers

    /** Positions that grow from record to record and cross the 32-bit half, as a server's do. */
    private static Lsn lsnOf(int recordIndex) {
        return new Lsn(0xFFFF_F000L + 0x100L * recordIndex);
    }

    private Path lines(String name, int from, int to) {
        try {
            return Files.writeString(dir.resolve(name), String.join("\n", records.subList(from, to)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long changesIn(int from, int to) {
        return ModelOfWal.of(lines("count-" + from + "-" + to + ".json", from, to)).changes();
    }

    /** The sequential model of every record once, and the current tables of one load of them. */
    private void assertEqualsTheWholeStreamLoadedOnce(TestDb db) {
        Path whole = lines("whole.json", 0, records.size());
        assertEquals(ModelOfWal.of(whole).metrics(), ModelOfWal.loaded(db), "metrics against the sequential model");
        TestDb once = TestDb.in(dir.resolve("once"));
        once.load(whole);
        LoadedState expected = LoadedState.orderFree(new SqliteFile(once.file()));
        LoadedState actual = LoadedState.orderFree(new SqliteFile(db.file()));
        assertEquals(expected.current(), actual.current(), "current tables against one load of every record");
        assertEquals(expected.metrics(), actual.metrics());
    }
}
