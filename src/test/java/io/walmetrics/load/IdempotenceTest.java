package io.walmetrics.load;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.walmetrics.testing.Change;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.transform.FoldTriggerException;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once (docs/reference.md#the-ledger): the ledger knows each applied batch of a file by its position and
 * content hash, so loading again applies only what is new, and a rewritten file is refused.
 */
class IdempotenceTest {

    private static final LoadOptions DEFAULTS = new LoadOptions(null, false);
    private static final LoadOptions REPROCESS = new LoadOptions(null, true);

    @TempDir
    Path dir;

    @Test
    void when_the_same_file_is_loaded_twice_then_the_second_load_applies_nothing() {
        TestDb db = TestDb.in(dir);
        Path file = twoBatches().writeTo(dir.resolve("wal.json"));
        db.load(file);
        var before = state(db);

        LoadReport again = db.load(file);

        assertEquals(2, again.batchesRead());
        assertEquals(2, again.batchesSkipped());
        assertEquals(0, again.batchesApplied());
        assertEquals(0, again.changesLanded());
        assertEquals(0, again.metricsUpserted() + again.metricsDeleted());
        assertEquals(2, again.metricRows());
        assertEquals(before, state(db));
    }

    @Test
    void when_a_file_has_grown_then_only_the_new_batches_are_applied() {
        TestDb db = TestDb.in(dir);
        Path file = dir.resolve("wal.json");
        db.load(twoBatches().writeTo(file));

        LoadReport grown = db.load(twoBatches().batch().record(Change.delete(EVENT, "e1")).writeTo(file));

        assertEquals(3, grown.batchesRead());
        assertEquals(2, grown.batchesSkipped());
        assertEquals(1, grown.batchesApplied());
        assertEquals(1, grown.changesLanded());
        assertEquals(1, grown.metricsDeleted());
        assertEquals(List.of(1L, 2L, 3L), longs(db, "select batch_no from batch_ledger order by batch_id"));
        assertEquals(List.of("e2"), texts(db, "select id from metrics"));
        assertEquals(3, db.count("stg_event"), "e1, e2, then the delete of e1: nothing landed twice");
    }

    @Test
    void when_a_file_is_loaded_again_with_reprocess_then_every_batch_is_applied_again() {
        TestDb db = TestDb.in(dir);
        Path file = twoBatches().writeTo(dir.resolve("wal.json"));
        db.load(file);
        var metricsBefore = texts(db, METRIC_CONTENT);
        long stagedBefore = stagedChanges(db);

        LoadReport again = db.load(file, REPROCESS);

        assertEquals(2, again.batchesApplied());
        assertEquals(0, again.batchesSkipped());
        assertEquals(5, again.changesLanded());
        assertEquals(2 * stagedBefore, stagedChanges(db));
        assertEquals(List.of(1L, 2L, 1L, 2L), longs(db, "select batch_no from batch_ledger order by batch_id"));
        assertEquals(metricsBefore, texts(db, METRIC_CONTENT), "the same changes again give the same metrics");
    }

    @Test
    void when_a_batch_at_a_known_position_was_rewritten_then_the_load_fails_and_changes_nothing() throws IOException {
        TestDb db = TestDb.in(dir);
        Path file = dir.resolve("wal.json");
        db.load(twoBatches().writeTo(file));
        var before = state(db);

        new WalFile()
                .batch().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .batch().record(event("e2", "t1", "f1").set("transaction_lifecycle_event", "CAPTURE_SUCCEEDED"))
                .batch().record(event("e3", "t1", "f1"))
                .writeTo(file);
        LoadFailedException failure = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(file.toString()), DEFAULTS));

        assertInstanceOf(BatchConflictException.class, failure.getCause());
        assertTrue(failure.getMessage().contains("batch 2"), failure.getMessage());
        assertEquals(0, failure.partialReport().batchesApplied());
        assertEquals(before, state(db));
    }

    @Test
    void when_a_rewritten_file_is_loaded_with_reprocess_then_it_applies() {
        TestDb db = TestDb.in(dir);
        Path file = dir.resolve("wal.json");
        db.load(twoBatches().writeTo(file));

        new WalFile().record(event("e1", "t1", "f1").set("transaction_lifecycle_event", "CAPTURE_SUCCEEDED")).writeTo(file);
        LoadReport report = db.load(file, REPROCESS);

        assertEquals(1, report.batchesApplied());
        assertEquals("CAPTURE_SUCCEEDED", db.metric("e1").get("transaction_lifecycle_event"));
    }

    @Test
    void when_the_same_batches_are_written_in_another_whitespace_layout_then_they_are_recognised_as_applied() {
        TestDb db = TestDb.in(dir);
        Path file = dir.resolve("wal.json");
        WalFile wal = twoBatches();
        db.load(wal.writeTo(file));
        var before = state(db);

        write(file, prettyPrinted(wal.toJson()));
        LoadReport again = db.load(file);

        assertEquals(2, again.batchesSkipped());
        assertEquals(0, again.batchesApplied());
        assertEquals(before, state(db));
    }

    @Test
    void when_the_same_batches_are_written_in_another_whitespace_layout_then_their_content_hashes_are_equal() {
        TestDb compact = TestDb.in(dir.resolve("compact"));
        TestDb pretty = TestDb.in(dir.resolve("pretty"));
        WalFile wal = twoBatches();

        compact.load(wal.writeTo(dir.resolve("compact.json")));
        pretty.load(write(dir.resolve("pretty.json"), prettyPrinted(wal.toJson())));

        List<String> hashes = texts(compact, "select content_hash from batch_ledger order by batch_id");
        assertEquals(hashes, texts(pretty, "select content_hash from batch_ledger order by batch_id"));
        assertNotEquals(hashes.get(0), hashes.get(1), "different batches, different hashes");
    }

    @Test
    void when_a_trigger_is_left_on_a_staging_table_then_the_load_is_refused_naming_it_and_the_fix() {
        TestDb db = TestDb.in(dir);
        db.load(twoBatches());
        db.jdbi().useHandle(handle -> handle.execute(
                "create trigger stg_event_folds_upsert after insert on stg_event begin select 1; end"));

        FoldTriggerException refused = assertThrows(FoldTriggerException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(twoBatches().writeTo(dir.resolve("again.json")).toString()),
                        new LoadOptions(null, false)));

        assertEquals("trigger stg_event_folds_upsert on stg_event would fold its changes twice (the loader folds them"
                + " itself since migration 013; an older `schema` changeset may have created it): drop it with"
                + " `drop trigger stg_event_folds_upsert;` and load again", refused.getMessage());
        assertEquals(2, db.count("batch_ledger"), "nothing of the second file applied");
    }

    @Test
    void when_batches_fold_as_one_group_then_the_groups_last_batch_carries_its_metric_counts_and_stamps_its_rows() {
        TestDb db = TestDb.in(dir);
        Path file = new WalFile()
                .batch().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .batch().record(transaction("t1").asUpdate().set("amount", 99))
                .batch().record(transaction("t2"), token("k2"), request("r2", "f2", "k2"), event("e2", "t2", "f2"))
                .batch().record(Change.delete(EVENT, "e2"))
                .writeTo(dir.resolve("wal.json"));

        LoadReport report = db.load(file, new LoadOptions(null, false).withGroupBatches(4));

        assertEquals(List.of("batch 1: 0 upserted, 0 deleted", "batch 2: 0 upserted, 0 deleted",
                        "batch 3: 0 upserted, 0 deleted", "batch 4: 1 upserted, 0 deleted"),
                texts(db, """
                        select 'batch ' || batch_id || ': ' || metrics_upserted || ' upserted, ' || metrics_deleted || ' deleted'
                        from batch_ledger order by batch_id"""));
        assertEquals(List.of("e1: amount 99, updated in batch 4"),
                texts(db, "select id || ': amount ' || amount || ', updated in batch ' || updated_in_batch from metrics"));
        assertEquals(1, report.metricsUpserted());
        assertEquals(0, report.metricsDeleted());
    }

    @Test
    void when_batches_are_applied_then_each_is_recorded_in_the_ledger_with_its_hash_and_counts() throws IOException {
        TestDb db = TestDb.in(dir);
        Path file = new WalFile()
                .batch()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .record(Change.insert("audit_log").set("id", "a1"), transaction("t2").set("amount", "abc"))
                .batch()
                .record(Change.delete(EVENT, "e1"))
                .writeTo(dir.resolve("wal.json"));

        db.load(file, new LoadOptions(null, false).withGroupBatches(1));

        var ledger = db.rows("""
                select batch_id, input, batch_no, records, changes_landed, changes_ignored, changes_rejected,
                       metrics_upserted, metrics_deleted
                from batch_ledger order by batch_id""");
        String input = file.toRealPath().toString();
        assertEquals(List.of(
                ledgerRow(1, input, 1, 2, 4, 1, 1, 1, 0),
                ledgerRow(2, input, 2, 1, 1, 0, 0, 0, 1)), ledger);
        List<String> hashes = texts(db, "select content_hash from batch_ledger order by batch_id");
        assertTrue(hashes.stream().allMatch(hash -> hash.matches("[0-9a-f]{64}")), hashes.toString());
        assertNotEquals(hashes.get(0), hashes.get(1));
        assertEquals(longs(db, """
                        select max(change_seq) from (
                            select change_seq from stg_event union all select change_seq from stg_transaction
                            union all select change_seq from stg_transaction_request
                            union all select change_seq from stg_payment_instrument_token
                            union all select change_seq from rejected_changes)"""),
                longs(db, "select last_change_seq from batch_ledger where batch_id = 2"));
    }

    @Test
    void when_a_truncated_file_is_completed_then_only_the_batches_it_lacked_are_applied() throws IOException {
        TestDb db = TestDb.in(dir);
        Path file = dir.resolve("wal.json");
        WalFile wal = twoBatches().batch().record(event("e3", "t1", "f1"));
        String whole = wal.toJson();
        write(file, whole.substring(0, whole.length() - 40));

        LoadFailedException failure = assertThrows(LoadFailedException.class,
                () -> new Loader(db.jdbi()).load(WalInput.of(file.toString()), DEFAULTS));
        assertEquals(2, failure.partialReport().batchesApplied());
        assertEquals(2, db.count("batch_ledger"));

        LoadReport completed = db.load(write(file, whole));

        assertEquals(2, completed.batchesSkipped());
        assertEquals(1, completed.batchesApplied());
        assertEquals(List.of("e1", "e2", "e3"), texts(db, "select id from metrics order by id"));
        assertEquals(3, db.count("stg_event"));
    }

    @Test
    void when_a_batch_larger_than_the_read_ahead_is_loaded_twice_then_the_second_load_skips_it() {
        TestDb db = TestDb.in(dir);
        Change[] tokens = new Change[10_050];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = token("k" + i);
        }
        Path file = new WalFile().record(tokens).batch().record(transaction("t1")).writeTo(dir.resolve("big.json"));
        LoadReport first = db.load(file);
        assertEquals(10_051, first.changesLanded());

        LoadReport again = db.load(file);

        assertEquals(2, again.batchesSkipped());
        assertEquals(0, again.changesLanded());
        assertEquals(10_050, db.count("stg_payment_instrument_token"));
    }

    // ---- helpers

    private static final String METRIC_CONTENT = """
            select id || '|' || flow_id || '|' || transaction_lifecycle_event || '|' || amount || '|'
                   || payment_method || '|' || customer_id
            from metrics order by id""";

    /** Two batches: the four rows of e1's metric, then a second event e2 of the same transaction. */
    private static WalFile twoBatches() {
        return new WalFile()
                .batch().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .batch().record(event("e2", "t1", "f1"));
    }

    /** What a load could change: the metrics whole, and how many rows every other table holds. */
    private static Map<String, Object> state(TestDb db) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("metrics", db.rows("select * from metrics order by id"));
        for (String table : List.of("stg_event", "stg_transaction", "stg_transaction_request", "stg_payment_instrument_token",
                "current_event", "current_transaction", "current_transaction_request", "current_payment_instrument_token",
                "rejected_changes", "batch_ledger")) {
            state.put(table, db.count(table));
        }
        return state;
    }

    private static Map<String, Object> ledgerRow(int batchId, String input, int batchNo, int records, int landed,
                                                 int ignored, int rejected, int upserted, int deleted) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("batch_id", batchId);
        row.put("input", input);
        row.put("batch_no", batchNo);
        row.put("records", records);
        row.put("changes_landed", landed);
        row.put("changes_ignored", ignored);
        row.put("changes_rejected", rejected);
        row.put("metrics_upserted", upserted);
        row.put("metrics_deleted", deleted);
        return row;
    }

    /** The same JSON tokens, re-laid out with indentation and line breaks everywhere. */
    private static String prettyPrinted(String json) {
        StringWriter out = new StringWriter();
        try (JsonParser parser = Json.FACTORY.createParser(json);
             JsonGenerator generator = Json.FACTORY.createGenerator(out).useDefaultPrettyPrinter()) {
            parser.nextToken();
            generator.copyCurrentStructure(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertNotEquals(json.strip(), out.toString().strip());
        return out.toString();
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long stagedChanges(TestDb db) {
        return db.count("stg_event") + db.count("stg_transaction") + db.count("stg_transaction_request")
                + db.count("stg_payment_instrument_token");
    }

    private static List<String> texts(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(String.class).list());
    }

    private static List<Long> longs(TestDb db, String sql) {
        return db.jdbi().withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).list());
    }
}
