package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.wal.WalFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source position (a record's {@code nextlsn}) means one transaction of one source. A record at a
 * position applied before is skipped only when it brings the very changes applied there; another
 * record at an applied position, or at one never applied but below what the database holds, refuses
 * the input with one line. Positions grow within an input, and the whole 64-bit range is valid.
 */
class PositionAcrossInputsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final LoadOptions DEFAULTS = new LoadOptions(null, false);

    @TempDir
    Path dir;

    @Test
    void when_a_second_file_brings_other_changes_at_applied_positions_then_it_is_refused_and_applies_nothing()
            throws IOException {
        write("first.json", record("0/100", "a1", 1), record("0/200", "a2", 2), record("0/300", "a3", 3),
                record("0/400", "a4", 4));
        // record 1 is the same transaction again; record 2 is another one at an applied position
        write("second.json", record("0/300", "a3", 3), record("0/400", "b4", 40), record("0/500", "b5", 50),
                record("0/600", "b6", 60));
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "metrics.db", "first.json").exitCode());
        SqliteFile db = new SqliteFile(dir.resolve("metrics.db"));
        List<List<Object>> staged = db.rows("select transaction_id, amount from stg_transaction order by change_seq");

        try (LoaderProcess second = LoaderProcess.run(dir, TIMEOUT, "load", "--db", "metrics.db", "second.json")) {
            assertEquals(1, second.exitCode(), second.describe());
            assertEquals("second.json: batch 2, record 1: position 0/400 was applied before with other changes"
                            + " (from " + dir.resolve("first.json").toRealPath() + ", batch 4): refusing this input;"
                            + " nothing of batch 2 applied",
                    second.stderrLines().get(0));
            assertEquals(List.of("second.json -> metrics.db",
                            "  batches  2 read, 0 applied, 1 skipped (applied before)",
                            "  changes  0 landed, 0 ignored (other tables and kinds), 0 rejected",
                            "  metrics  0 upserted, 0 deleted, 0 rows now",
                            "  source   applied up to LSN 0/400; 1 changes at or below it skipped (applied before)"),
                    second.stderrLines().subList(1, 6), second.describe());
        }
        assertEquals(staged, db.rows("select transaction_id, amount from stg_transaction order by change_seq"));
        assertEquals(4, db.number("select count(*) from batch_ledger"));
    }

    @Test
    void when_a_record_at_7FFFFFFF_FFFFFFFF_was_applied_then_a_file_below_it_is_refused_rather_than_skipped()
            throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("far.json", record("7FFFFFFF/FFFFFFFF", "f1", 1)));
        Path later = write("later.json", record("0/100", "l1", 10), record("0/200", "l2", 20));

        LoadFailedException refused = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(later.toString()), DEFAULTS));

        assertEquals(later + ": batch 1, record 1: position 0/100 was never applied here, though positions up to"
                + " 7FFFFFFF/FFFFFFFF were (from " + dir.resolve("far.json").toRealPath() + ", batch 1): refusing this"
                + " input; nothing of batch 1 applied", refused.getMessage());
        assertEquals(0, refused.partialReport().batchesSkipped());
        assertEquals(List.of("f1"), transactionIds(db));

        // above 2^63 positions go on growing: 80000000/0 follows 7FFFFFFF/FFFFFFFF
        LoadReport after = db.load(write("after.json", record("80000000/0", "h1", 100), record("FFFFFFFF/FFFFFFFF", "h2", 200)));
        assertEquals(2, after.batchesApplied());
        assertEquals(2, after.changesLanded());
        assertEquals("FFFFFFFF/FFFFFFFF", after.lastAppliedLsn().toString());
        assertEquals(List.of("f1", "h1", "h2"), transactionIds(db));
    }

    @Test
    void when_positions_go_backwards_inside_a_file_then_the_load_stops_there_naming_both_positions() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        Path back = write("back.json", record("0/300", "k1", 1), record("0/100", "k2", 2), record("0/400", "k3", 3));

        LoadFailedException failure = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(back.toString()), DEFAULTS));

        WalFormatException malformed = assertInstanceOf(WalFormatException.class, failure.getCause());
        assertEquals(back + ": line 2, column 23 (batch 2): record 1 of batch 2: nextlsn 0/100 does not follow"
                + " nextlsn 0/300 of record 1 of batch 1: positions must grow within an input", malformed.getMessage());
        assertEquals(1, failure.partialReport().batchesApplied(), "the batch before is committed");
        assertEquals(List.of("k1"), transactionIds(db));
    }

    @Test
    void when_a_position_repeats_inside_one_batch_then_the_load_stops_naming_both() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        Path twice = Files.writeString(dir.resolve("twice.json"),
                "[" + record("0/100", "r1", 1) + ",\n" + record("0/100", "r1", 1) + "]\n");

        LoadFailedException failure = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(twice.toString()), DEFAULTS));

        assertEquals(twice + ": line 2, column 23 (batch 1): record 2 of batch 1: nextlsn 0/100 does not follow"
                + " nextlsn 0/100 of record 1 of batch 1: positions must grow within an input", failure.getMessage());
        assertEquals(0, db.count("batch_ledger"));
    }

    @Test
    void when_the_same_transaction_comes_again_with_other_tables_and_another_layout_then_it_is_skipped() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/100", "s1", 1), record("0/200", "s2", 2)));
        // the same parsed changes of our tables; fields in another order, other tables' changes around them
        String reordered = "{\"nextlsn\":\"0/200\",\"change\":[" + OTHER_TABLE + ",{\"columnvalues\":[\"" + uuid("s2") + "\",2],"
                + "\"columntypes\":[\"uuid\",\"integer\"],\"columnnames\":[\"transaction_id\",\"amount\"],"
                + "\"table\":\"transaction\",\"schema\":\"public\",\"kind\":\"insert\"}," + OTHER_TABLE + "],"
                + "\"xid\":99}";
        Path again = Files.writeString(dir.resolve("again.json"),
                "[ {\"xid\":98, \"nextlsn\":\"0/100\", \"change\":[ " + change("s1", "1") + " ]},\n" + reordered + "]");

        LoadReport report = db.load(again);

        assertEquals(0, report.batchesApplied());
        assertEquals(1, report.batchesSkipped());
        assertEquals(4, report.changesSkippedByLsn());
        assertEquals(List.of("s1", "s2"), transactionIds(db));
    }

    @Test
    void when_the_same_transaction_comes_again_without_the_changes_of_another_schema_then_it_is_skipped()
            throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        // as pg_recvlogical writes it: every schema; a table of the source's name in another schema is not a source
        String shadow = change("x9", "9").replace("\"schema\":\"public\"", "\"schema\":\"shadow\"");
        db.load(Files.writeString(dir.resolve("all-schemas.json"),
                "[{\"xid\":1,\"nextlsn\":\"0/100\",\"change\":[" + change("s1", "1") + "," + shadow + "]}]"));
        // as follow receives it: add-tables names the source schema's tables only
        LoadReport report = db.load(write("source-schema-only.json", record("0/100", "s1", 1)));

        assertEquals(List.of(0, 1, 1L), List.of(report.batchesApplied(), report.batchesSkipped(), report.changesSkippedByLsn()));
        assertEquals(List.of("s1"), transactionIds(db));
    }

    @Test
    void when_a_value_comes_again_as_another_json_kind_then_it_is_another_change_and_refused() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/100", "v1", 1)));
        Path quoted = Files.writeString(dir.resolve("quoted.json"),
                "{\"xid\":1,\"nextlsn\":\"0/100\",\"change\":[" + change("v1", "\"1\"") + "]}\n");

        LoadFailedException refused = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(quoted.toString()), DEFAULTS));

        assertEquals(quoted + ": batch 1, record 1: position 0/100 was applied before with other changes (from "
                + dir.resolve("first.json").toRealPath() + ", batch 1): refusing this input; nothing of batch 1 applied",
                refused.getMessage());
    }

    @Test
    void when_a_record_without_changes_of_our_tables_sits_below_the_applied_positions_then_it_never_conflicts()
            throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/300", "e1", 1)));
        Path quiet = Files.writeString(dir.resolve("quiet.json"), """
                {"xid":1,"nextlsn":"0/100","change":[]}
                {"xid":2,"nextlsn":"0/200","change":[%s]}
                {"xid":3,"nextlsn":"0/300","change":[%s]}
                {"xid":4,"nextlsn":"0/400","change":[%s]}
                """.formatted(OTHER_TABLE, change("e1", "1"), change("e4", "4")));

        LoadReport report = db.load(quiet);

        assertEquals(1, report.batchesApplied());
        assertEquals(3, report.batchesSkipped());
        assertEquals(1, report.changesLanded());
        assertEquals(List.of("e1", "e4"), transactionIds(db));
        assertEquals(List.of("0/300 record 1", "0/400 record 1"), new SqliteFile(db.file()).column(
                "select printf('0/%X record %d', position, record_no) from applied_record order by position"),
                "nothing stored for the records without changes of our tables");
    }

    @Test
    void when_a_refused_file_is_loaded_with_reprocess_then_it_applies() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/100", "p1", 1), record("0/200", "p2", 2)));
        Path other = write("other.json", record("0/100", "q1", 10), record("0/200", "q2", 20));

        LoadReport forced = db.load(other, new LoadOptions(null, true));

        assertEquals(2, forced.batchesApplied());
        assertEquals(List.of("p1", "p2", "q1", "q2"), transactionIds(db));
        // what was applied last at a position is what a later delivery is compared with
        assertEquals(0, db.load(write("other-again.json", record("0/100", "q1", 10), record("0/200", "q2", 20))).batchesApplied());
    }

    @Test
    void when_a_stream_on_standard_input_brings_other_changes_at_applied_positions_then_it_is_refused() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/100", "i1", 1), record("0/200", "i2", 2)));
        byte[] stream = (record("0/200", "j2", 2) + "\n").getBytes(StandardCharsets.UTF_8);

        LoadFailedException refused = assertThrows(LoadFailedException.class, () -> new Loader(db.jdbi()).load(
                new WalInput("<stdin>", WalInput.STDIN, new ByteArrayInputStream(stream)), DEFAULTS));

        assertEquals("<stdin>: batch 1, record 1: position 0/200 was applied before with other changes (from "
                + dir.resolve("first.json").toRealPath() + ", batch 2): refusing this input; nothing of batch 1 applied",
                refused.getMessage());
    }

    @Test
    void when_a_database_from_before_record_hashes_is_loaded_into_then_its_old_positions_keep_the_old_rule()
            throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(write("first.json", record("0/100", "o1", 1), record("0/200", "o2", 2)));
        // as an older release left it: positions in batch_source_positions, no record hashes
        Path file = db.file();
        db.jdbi().useHandle(handle -> {
            handle.execute("drop table applied_record");
            handle.execute("drop table positions_without_record_hashes");
            handle.execute("delete from databasechangelog where id like '015-%'");
            handle.execute("delete from schema_fingerprint");
        });
        TestDb migrated = new TestDb(db.dir());
        assertEquals(0x200, new SqliteFile(file).number("select up_to_lsn from positions_without_record_hashes"));

        // at or below the old mark a record without a hash is applied already, as the old rule said
        LoadReport report = migrated.load(write("second.json", record("0/200", "x2", 20), record("0/300", "x3", 30)));

        assertEquals(1, report.batchesSkipped());
        assertEquals(1, report.batchesApplied());
        assertEquals(List.of("o1", "o2", "x3"), transactionIds(migrated));
        // above it the new rule holds
        LoadFailedException refused = assertThrows(LoadFailedException.class, () -> new Loader(migrated.jdbi()).load(
                WalInput.of(write("third.json", record("0/300", "y3", 3)).toString()), DEFAULTS));
        assertEquals(dir.resolve("third.json") + ": batch 1, record 1: position 0/300 was applied before with other"
                + " changes (from " + dir.resolve("second.json").toRealPath() + ", batch 2): refusing this input;"
                + " nothing of batch 1 applied", refused.getMessage());
    }

    @Test
    void when_a_batch_too_large_to_hold_comes_again_then_it_is_skipped_and_with_one_other_record_refused()
            throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        int records = 10_500; // more changes than a batch holds before its transaction: it streams
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= records; i++) {
            lines.add(record(Long.toHexString(i) + "/0", "a1", i));
        }
        db.load(Files.writeString(dir.resolve("first.json"), String.join("\n", lines) + "\n"));

        LoadReport again = db.load(Files.writeString(dir.resolve("again.json"), "[" + String.join(",\n", lines) + "]\n"));
        assertEquals(1, again.batchesSkipped());
        assertEquals(records, again.changesSkippedByLsn());

        lines.set(records - 2, record(Long.toHexString(records - 1) + "/0", "b4", 7));
        Path other = Files.writeString(dir.resolve("other.json"), "[" + String.join(",\n", lines) + "]\n");
        LoadFailedException refused = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(other.toString()), DEFAULTS));
        assertEquals(other + ": batch 1, record " + (records - 1) + ": position " + Long.toHexString(records - 1).toUpperCase()
                + "/0 was applied before with other changes (from " + dir.resolve("first.json").toRealPath() + ", batch "
                + (records - 1) + "): refusing this input; nothing of batch 1 applied", refused.getMessage());
        assertEquals(records, db.count("stg_transaction"));
        assertEquals(records, db.count("batch_ledger"));
    }

    @Test
    void status_shows_a_position_above_2_63_as_postgresql_writes_it() throws IOException {
        write("top.json", record("FFFFFFFF/FFFFFFFE", "t1", 1), record("FFFFFFFF/FFFFFFFF", "t2", 2));
        assertEquals(0, LoaderProcess.run(dir, TIMEOUT, "load", "--db", "metrics.db", "top.json").exitCode());
        try (LoaderProcess status = LoaderProcess.run(dir, TIMEOUT, "status", "--db", "metrics.db")) {
            assertEquals(0, status.exitCode(), status.describe());
            assertEquals(List.of("  source    applied up to LSN FFFFFFFF/FFFFFFFF"),
                    Arrays.stream(status.stdout().split("\n")).filter(line -> line.contains("LSN")).toList());
        }
        try (LoaderProcess copy = LoaderProcess.run(dir, TIMEOUT, "load", "--json", "--db", "metrics.db", "top.json")) {
            assertEquals(0, copy.exitCode(), copy.describe());
            assertEquals("FFFFFFFF/FFFFFFFF", copy.stdout().replaceAll(
                    ".*\"last_applied_lsn\":\"([^\"]*)\".*\\s*", "$1"));
        }
    }

    // ---- helpers

    private static final String OTHER_TABLE = "{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"audit_log\","
            + "\"columnnames\":[\"id\"],\"columntypes\":[\"integer\"],\"columnvalues\":[7]}";

    private static String uuid(String name) {
        String hex = String.format("%012x", Math.abs((long) name.hashCode()));
        return "7d0c6e0e-9b55-4c1a-8f55-" + hex.substring(hex.length() - 12);
    }

    private static String change(String id, String amountJson) {
        return "{\"kind\":\"insert\",\"schema\":\"public\",\"table\":\"transaction\","
                + "\"columnnames\":[\"transaction_id\",\"amount\"],\"columntypes\":[\"uuid\",\"integer\"],"
                + "\"columnvalues\":[\"" + uuid(id) + "\"," + amountJson + "]}";
    }

    private static String record(String lsn, String id, int amount) {
        return "{\"xid\":" + (1000 + amount) + ",\"nextlsn\":\"" + lsn + "\",\"change\":[" + change(id, String.valueOf(amount)) + "]}";
    }

    private Path write(String name, String... records) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", records) + "\n");
    }

    /** The transactions staged, by the names the test gave them, in landing order. */
    private static List<String> transactionIds(TestDb db) {
        List<String> ids = new ArrayList<>();
        for (var row : db.rows("select transaction_id from stg_transaction order by change_seq")) {
            String id = (String) row.get("transaction_id");
            ids.add(id);
        }
        return ids.stream().map(PositionAcrossInputsTest::nameOf).toList();
    }

    private static final List<String> NAMES = List.of("a1", "a2", "a3", "a4", "b4", "b5", "b6", "f1", "l1", "l2", "h1",
            "h2", "k1", "k2", "k3", "r1", "s1", "s2", "v1", "e1", "e4", "p1", "p2", "q1", "q2", "i1", "i2", "j2",
            "o1", "o2", "x2", "x3", "y3", "t1", "t2");

    private static String nameOf(String uuid) {
        return NAMES.stream().filter(name -> uuid(name).equals(uuid)).findFirst().orElse(uuid);
    }
}
