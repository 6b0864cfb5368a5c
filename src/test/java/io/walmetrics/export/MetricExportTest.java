package io.walmetrics.export;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.TRANSACTION;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.testing.Change;
import io.walmetrics.testing.JsonValues;
import io.walmetrics.testing.MetricDocuments;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.wal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export as a search-index sink sees it, on real SQLite files loaded by the real loader: what comes
 * out after a batch, and that a sink applying it ends up holding exactly the metrics table.
 */
class MetricExportTest {

    @TempDir
    Path dir;

    /** One export's output and report. */
    private record Exported(String text, MetricExport.Report report) {

        List<String> lines() {
            return text.lines().toList();
        }

        List<Map<String, Object>> actions() {
            return lines().stream().map(JsonValues::parseObject).toList();
        }

        /** op and id of each ndjson action, in order: "index e1", "delete e2". */
        List<String> opsAndIds() {
            return actions().stream().map(action -> action.get("op") + " " + action.get("id")).toList();
        }
    }

    private static Exported export(TestDb db, long since, ExportFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetricExport.Report report = new MetricExport(db.jdbi()).write(since, format, out);
        return new Exported(out.toString(UTF_8), report);
    }

    private static long lastBatch(TestDb db) {
        return db.jdbi().withHandle(handle -> handle.createQuery("select max(batch_id) from batch_ledger").mapTo(Long.class).one());
    }

    /** A metric e<n> over t<n>, f<n>, r<n>, k<n>, all in one record. */
    private static Change[] metric(int n) {
        return new Change[] {transaction("t" + n), token("k" + n), request("r" + n, "f" + n, "k" + n), event("e" + n, "t" + n, "f" + n)};
    }

    /** Metrics e1, e2, e3 in the first batch and e4 (sharing t1 and f1 with e1) in the second. */
    private static WalFile firstFile() {
        return new WalFile()
                .batch().record(metric(1)).record(metric(2)).record(metric(3))
                .batch().record(event("e4", "t1", "f1").set("transaction_lifecycle_event", "SETTLED"));
    }

    // ---- what comes out

    @Test
    void export_since_0_gives_every_metric_as_an_index_action_with_its_row_as_the_document() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());
        db.load(new WalFile().record(Change.delete(EVENT, "e3")));

        Exported exported = export(db, 0, ExportFormat.NDJSON);

        assertEquals(List.of("index e1", "index e2", "index e4"), sorted(exported.opsAndIds()), "no deletes for an empty index");
        for (Map<String, Object> action : exported.actions()) {
            assertEquals(Map.of("op", "index", "id", action.get("id"), "doc", action.get("doc")), action);
            assertEquals(metricRow(db, (String) action.get("id")), action.get("doc"), "the document is the row");
        }
        assertEquals(new MetricExport.Report(0, 3, 0, 3), exported.report());
    }

    @Test
    void after_a_second_file_that_updates_and_deletes_export_since_the_first_files_last_batch_gives_exactly_those() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());
        long since = lastBatch(db);

        db.loadBatchByBatch(new WalFile()
                .batch().record(transaction("t1").asUpdate().set("amount", 99))  // e1 and e4
                .batch().record(Change.delete(EVENT, "e2")));

        Exported exported = export(db, since, ExportFormat.NDJSON);
        assertEquals(List.of("index e1", "index e4", "delete e2"), exported.opsAndIds(), "in batch order, e3 untouched");
        assertEquals(99L, ((Map<?, ?>) exported.actions().get(0).get("doc")).get("amount"));
        assertEquals(Map.of("op", "delete", "id", "e2"), exported.actions().get(2));
        assertEquals(new MetricExport.Report(since, 2, 1, since + 2), exported.report());

        assertEquals(List.of(), export(db, since + 2, ExportFormat.NDJSON).lines(), "nothing after the last batch");
    }

    @Test
    void a_metric_deleted_then_recreated_after_since_comes_out_as_an_index_action_with_its_latest_state() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());
        long since = lastBatch(db);

        db.loadBatchByBatch(new WalFile()
                .batch().record(Change.delete(TRANSACTION, "t3"))              // e3 no longer joins
                .batch().record(transaction("t3").set("amount", 7)));           // and joins again
        long deletedIn = since + 1;

        assertEquals(List.of("index e3"), export(db, since, ExportFormat.NDJSON).opsAndIds());
        assertEquals(List.of("index e3"), export(db, deletedIn, ExportFormat.NDJSON).opsAndIds(),
                "deleted at or before since, back after it");
        Map<?, ?> doc = (Map<?, ?>) export(db, since, ExportFormat.NDJSON).actions().get(0).get("doc");
        assertEquals(7L, doc.get("amount"));
        assertEquals(since + 2, doc.get("updated_in_batch"));
        assertEquals(List.of(Map.of("id", "e3", "deleted_in_batch", (int) deletedIn)), db.rows(
                "select id, deleted_in_batch from metric_deletions"), "the outbox remembers the deletion");

        db.load(new WalFile().record(Change.delete(EVENT, "e3")));
        assertEquals(List.of("delete e3"), export(db, since, ExportFormat.NDJSON).opsAndIds(), "deleted again: a delete");
    }

    @Test
    void both_formats_write_each_action_byte_for_byte_as_documented() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().batch().record(metric(1)).record(metric(2)));
        long since = lastBatch(db);
        db.load(new WalFile()
                .batch().record(transaction("t1").asUpdate().set("currency_code", "EUR"))
                .batch().record(Change.delete(EVENT, "e2")));
        // the two batches fold as one group: e1's row is written in the group's last batch
        long updatedIn = lastBatch(db);
        String doc = "{\"id\":\"e1\",\"flow_id\":\"f1\",\"created_at\":\"2021-06-03 07:47:50.003493\","
                + "\"transaction_lifecycle_event\":\"AUTHORIZATION_FAILED\",\"decline_reason\":\"DO_NOT_HONOR\",\"decline_type\":\"SOFT\","
                + "\"payment_method\":\"NEVER\",\"transaction_id\":\"t1\",\"transaction_type\":\"SALE\",\"amount\":58179,"
                + "\"currency_code\":\"EUR\",\"processor_merchant_account_id\":\"776249f3-a050-579b-b525-55f232140c4b\","
                + "\"three_d_secure_authentication\":{\"response_code\":\"AUTH_SUCCESS\"},\"payment_instrument_type\":\"PAYMENT_CARD\","
                + "\"customer_id\":\"cust-1\",\"updated_in_batch\":" + updatedIn + "}";

        assertEquals("{\"op\":\"index\",\"id\":\"e1\",\"doc\":" + doc + "}\n{\"op\":\"delete\",\"id\":\"e2\"}\n",
                export(db, since, ExportFormat.NDJSON).text());
        assertEquals("{\"index\":{\"_id\":\"e1\"}}\n" + doc + "\n{\"delete\":{\"_id\":\"e2\"}}\n",
                export(db, since, ExportFormat.ES_BULK).text());
    }

    @Test
    void numbers_in_the_json_column_go_out_with_the_text_they_were_loaded_with() {
        TestDb db = TestDb.in(dir);
        String authentication = "{\"score\":12.3400,\"huge\":1e400,\"tiny\":-0.0,\"count\":123456789012345678901234567890}";
        db.load(new WalFile().batch().record(transaction("t1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"),
                token("k1").set("three_d_secure_authentication", Change.json(authentication))));

        String line = export(db, 0, ExportFormat.NDJSON).lines().get(0);
        String field = "\"three_d_secure_authentication\":";
        int start = line.indexOf(field) + field.length();
        assertEquals(authentication, line.substring(start, start + authentication.length()), line);
        assertEquals(",\"payment_instrument_type\"", line.substring(start + authentication.length(),
                start + authentication.length() + ",\"payment_instrument_type\"".length()), line);
    }

    @Test
    void es_bulk_lines_parse_as_json_and_pair_each_index_action_with_its_document() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());
        long since = lastBatch(db);
        db.load(new WalFile()
                .batch().record(transaction("t2").asUpdate().set("currency_code", "EUR"))
                .batch().record(Change.delete(EVENT, "e3")));

        List<String> lines = export(db, since, ExportFormat.ES_BULK).lines();

        List<String> actions = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Map<String, Object> action = JsonValues.parseObject(lines.get(i));
            assertEquals(1, action.size(), lines.get(i));
            String op = action.keySet().iterator().next();
            String id = (String) ((Map<?, ?>) action.get(op)).get("_id");
            assertEquals(Map.of("_id", id), action.get(op));
            if (op.equals("index")) {
                Map<String, Object> doc = JsonValues.parseObject(lines.get(++i));
                assertEquals(metricRow(db, id), doc, "the line after index is that row's document");
            }
            actions.add(op + " " + id);
        }
        assertEquals(List.of("index e2", "delete e3"), actions);
    }

    @Test
    void export_refuses_a_since_past_the_ledgers_last_batch() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());

        var error = assertThrows(MetricExport.SinceOutOfRangeException.class, () -> export(db, 3, ExportFormat.NDJSON));
        assertTrue(error.getMessage().contains("past the last batch of the database (2)"), error.getMessage());
    }

    @Test
    void export_refuses_a_since_before_the_outbox_existed_but_still_gives_a_full_export() {
        TestDb db = TestDb.in(dir);
        db.load(firstFile());
        // as on a database loaded before migrations/010 recorded deletions
        db.jdbi().useHandle(handle -> handle.execute("update metric_deletions_recorded_after set batch_id = 2"));

        var error = assertThrows(MetricExport.SinceOutOfRangeException.class, () -> export(db, 1, ExportFormat.NDJSON));
        assertTrue(error.getMessage().contains("deletions are recorded only after batch 2"), error.getMessage());
        assertEquals(4, export(db, 0, ExportFormat.NDJSON).report().indexActions());
        assertEquals(0, export(db, 2, ExportFormat.NDJSON).lines().size());
    }

    // ---- a sink that follows

    @Test
    void a_sink_that_applies_each_export_after_each_batch_of_the_sample_holds_exactly_the_metrics_table() throws IOException {
        TestDb db = TestDb.in(dir);
        Map<String, Map<String, Object>> index = new TreeMap<>();
        long since = 0;
        int batches = 0;
        for (String batch : batchesOf(Path.of("data/wal.json"))) {
            Path file = Files.writeString(dir.resolve("batch-" + (++batches) + ".json"), "[" + batch + "]", UTF_8);
            db.load(file);
            Exported exported = export(db, since, ExportFormat.NDJSON);
            for (Map<String, Object> action : exported.actions()) {
                String id = (String) action.get("id");
                if (action.get("op").equals("index")) {
                    index.put(id, asMap(action.get("doc")));
                } else {
                    assertTrue(index.remove(id) != null, "batch " + batches + ": a delete of an id the index holds: " + id);
                }
            }
            since = exported.report().nextSince();
            assertEquals(metricRows(db), index, "after batch " + batches);
        }
        assertEquals(23, batches);
        assertTrue(db.count("metric_deletions") > 0, "the sample deletes metrics");
    }

    // ---- helpers

    /** Each inner array of an array of batches, as JSON text. */
    private static List<String> batchesOf(Path file) throws IOException {
        List<String> batches = new ArrayList<>();
        try (JsonParser parser = Json.FACTORY.createParser(file.toFile())) {
            assertEquals(JsonToken.START_ARRAY, parser.nextToken());
            while (parser.nextToken() == JsonToken.START_ARRAY) {
                StringWriter text = new StringWriter();
                try (JsonGenerator generator = Json.FACTORY.createGenerator(text)) {
                    generator.copyCurrentStructure(parser);
                }
                batches.add(text.toString());
            }
        }
        return batches;
    }

    private static Map<String, Map<String, Object>> metricRows(TestDb db) {
        return MetricDocuments.of(db);
    }

    private static Map<String, Object> metricRow(TestDb db, String id) {
        return metricRows(db).get(id);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return (Map<String, Object>) value;
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }
}
