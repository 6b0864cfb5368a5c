package io.walmetrics.cli;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.TRANSACTION;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.JsonValues;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} and {@code export} as a user runs them: a real child JVM in a folder of the test's
 * own, against a database the real loader filled; its exit code, stdout and stderr.
 */
class StatusAndExportCommandTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private LoaderProcess run(String... args) {
        return LoaderProcess.run(dir, TIMEOUT, args);
    }

    /** data/wal.json loaded into {@code metrics.db} of the test's folder. */
    private TestDb sampleDb() {
        TestDb db = TestDb.in(dir);
        db.load(Path.of("data/wal.json").toAbsolutePath());
        return db;
    }

    private static final List<String> SOURCES = List.of("event", "payment_instrument_token", "transaction", "transaction_request");

    // ---- status

    @Test
    void status_on_a_loaded_database_shows_the_batches_and_the_rows_of_every_table() {
        TestDb db = sampleDb();

        LoaderProcess status = run("status");

        assertEquals(ExitCode.OK, status.exitCode(), status.describe());
        String out = status.stdout();
        Map<String, Object> last = db.rows("select input, applied_at from batch_ledger where batch_id = 23").get(0);
        assertTrue(out.contains("batches   23 applied; last #23: batch 23 of " + last.get("input") + ", at " + last.get("applied_at")), out);
        for (String source : SOURCES) {
            long staged = db.count("stg_" + source);
            long current = db.count("current_" + source);
            assertTrue(Pattern.compile("(?m)^    " + source + " +" + staged + " +" + current + "$").matcher(out).find(),
                    source + " " + staged + " staged, " + current + " current:\n" + out);
        }
        assertTrue(out.contains("metrics   " + db.count("metrics") + " rows"), out);
        assertTrue(out.contains("rejected  0 changes"), out);
        assertTrue(out.contains("drift     none"), out);
        assertEquals("", status.stderr());
    }

    @Test
    void status_json_is_one_object_whose_numbers_match_the_tables() {
        TestDb db = sampleDb();

        LoaderProcess status = run("status", "--json");

        assertEquals(ExitCode.OK, status.exitCode(), status.describe());
        Map<String, Object> json = JsonValues.parseObject(status.stdout());
        assertEquals(23L, json.get("batches_applied"));
        assertEquals(23L, json.get("last_batch_id"));
        assertEquals(23L, json.get("last_batch_no"));
        assertTrue(((String) json.get("last_batch_input")).endsWith("data/wal.json"), json.toString());
        Map<String, Object> staged = new LinkedHashMap<>();
        Map<String, Object> current = new LinkedHashMap<>();
        for (String source : SOURCES) {
            staged.put("stg_" + source, db.count("stg_" + source));
            current.put("current_" + source, db.count("current_" + source));
        }
        assertEquals(staged, json.get("staged_rows"));
        assertEquals(current, json.get("current_rows"));
        assertEquals(db.count("metrics"), json.get("metric_rows"));
        assertEquals(0L, json.get("changes_rejected"));
        assertEquals(Map.of(), json.get("rejected_by_reason"));
        assertEquals(0L, json.get("schema_drift_columns"));
        assertEquals(List.of(), json.get("schema_drift"));

        // the whole line, byte for byte: other tools read these names, in this order
        Map<String, Object> last = db.rows("select input, applied_at from batch_ledger where batch_id = 23").get(0);
        assertEquals("{\"database\":\"metrics.db\",\"batches_applied\":23,\"last_batch_id\":23,\"last_batch_input\":\""
                + last.get("input") + "\",\"last_batch_no\":23,\"last_batch_applied_at\":\"" + last.get("applied_at")
                + "\",\"last_applied_lsn\":null,"
                + "\"staged_rows\":{\"stg_event\":87,\"stg_payment_instrument_token\":47,\"stg_transaction\":81,\"stg_transaction_request\":48},"
                + "\"current_rows\":{\"current_event\":79,\"current_payment_instrument_token\":40,\"current_transaction\":39,"
                + "\"current_transaction_request\":41},\"metric_rows\":71,\"changes_rejected\":0,\"rejected_by_reason\":{},"
                + "\"schema_drift_columns\":0,\"schema_drift\":[],\"source_identity\":null,\"follow_slots\":[]}\n", status.stdout());
    }

    @Test
    void status_with_rejects_and_drift_counts_the_top_ten_reasons_and_lists_the_drifted_columns() {
        TestDb db = TestDb.in(dir);
        WalFile wal = new WalFile().batch()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1").set("risk_score", "high"));
        IntStream.rangeClosed(1, 12).forEach(n -> wal.record(transaction("bad" + n).set("amount", "x" + n)));
        wal.record(transaction("bad13").set("amount", "x1"));
        db.load(wal);

        LoaderProcess status = run("status");
        LoaderProcess json = run("status", "--json");

        assertEquals(ExitCode.OK, status.exitCode(), status.describe());
        String out = status.stdout();
        assertTrue(out.contains("rejected  13 changes (see the rejected_changes table)"), out);
        assertTrue(out.contains("       2  column amount of transaction: \"x1\" is not an integer"), out);
        assertEquals(10, out.lines().filter(line -> line.contains("is not an integer")).count(), "the top ten:\n" + out);
        assertTrue(out.contains("drift     1 columns"), out);
        assertTrue(out.contains("    " + EVENT + ".risk_score: text, not in the migrations (kept in extra_columns); 1 changes, batches 1 to 1"), out);

        Map<String, Object> summary = JsonValues.parseObject(json.stdout());
        assertEquals(13L, summary.get("changes_rejected"));
        Map<?, ?> reasons = (Map<?, ?>) summary.get("rejected_by_reason");
        assertEquals(10, reasons.size());
        assertEquals(2L, reasons.get("column amount of transaction: \"x1\" is not an integer"));
        assertEquals(1L, summary.get("schema_drift_columns"));
        Map<String, Object> drifted = new LinkedHashMap<>();
        drifted.put("wal_table", EVENT);
        drifted.put("column", "risk_score");
        drifted.put("observed_type", "text");
        drifted.put("expected_type", null);
        drifted.put("changes", 1L);
        drifted.put("first_batch_id", 1L);
        drifted.put("last_batch_id", 1L);
        assertEquals(List.of(drifted), summary.get("schema_drift"));
        assertEquals(1L, summary.get("metric_rows"));
        String stdout = json.stdout();
        assertEquals("\"schema_drift\":[{\"wal_table\":\"" + EVENT + "\",\"column\":\"risk_score\",\"observed_type\":\"text\","
                + "\"expected_type\":null,\"changes\":1,\"first_batch_id\":1,\"last_batch_id\":1}],\"source_identity\":null,\"follow_slots\":[]}\n",
                stdout.substring(stdout.indexOf("\"schema_drift\":[")), "the drift objects byte for byte, at the end of the line");
    }

    @Test
    void status_of_a_missing_database_is_one_line_exit_1_and_creates_nothing() {
        LoaderProcess status = run("status", "--db", "none.db");

        assertEquals(ExitCode.FAILED, status.exitCode(), status.describe());
        assertEquals(List.of("none.db: no such file"), status.stderrLines());
        assertFalse(Files.exists(dir.resolve("none.db")));
    }

    @Test
    void status_of_a_file_that_is_not_a_database_is_one_line_exit_1() throws Exception {
        Files.writeString(dir.resolve("notes.db"), "not a database at all, just some text that is long enough\n".repeat(20), UTF_8);

        LoaderProcess status = run("status", "--db", "notes.db");

        assertEquals(ExitCode.FAILED, status.exitCode(), status.describe());
        assertEquals(1, status.stderrLines().size(), status.describe());
    }

    @Test
    void status_and_export_refuse_a_sqlite_database_the_loader_did_not_make_and_leave_it_as_it_was() throws Exception {
        Path other = dir.resolve("other.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + other);
             Statement statement = connection.createStatement()) {
            statement.execute("create table notes (body text)");
        }

        LoaderProcess status = run("status", "--db", "other.db");
        LoaderProcess export = run("export", "--since", "0", "--db", "other.db");

        assertEquals(ExitCode.FAILED, status.exitCode(), status.describe());
        assertEquals(List.of("other.db: not a wal-metrics-loader database (it holds table notes); refusing to touch it"),
                status.stderrLines());
        assertEquals(ExitCode.FAILED, export.exitCode(), export.describe());
        assertEquals(status.stderrLines(), export.stderrLines());
        assertEquals(List.of(List.of("notes")), new SqliteFile(other).rows("select name from sqlite_schema"), "not migrated");
    }

    // ---- export

    @Test
    void export_writes_the_file_and_says_on_stderr_what_it_wrote_and_the_since_for_next_time() throws Exception {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().batch()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .record(transaction("t2"), token("k2"), request("r2", "f2", "k2"), event("e2", "t2", "f2")));
        db.loadBatchByBatch(new WalFile()
                .batch().record(Change.delete(TRANSACTION, "t2"))
                .batch().record(transaction("t1").asUpdate().set("amount", 5)));

        LoaderProcess export = run("export", "--since", "1", "--format", "es-bulk", "out.bulk");

        assertEquals(ExitCode.OK, export.exitCode(), export.describe());
        assertEquals("", export.stdout());
        assertEquals(List.of("metrics.db -> out.bulk: 1 index and 1 delete actions after batch 1 (es-bulk)",
                "next time: export --since 3"), export.stderrLines());
        List<String> lines = Files.readAllLines(dir.resolve("out.bulk"), UTF_8);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(Map.of("delete", Map.of("_id", "e2")), JsonValues.parseObject(lines.get(0)));
        assertEquals(Map.of("index", Map.of("_id", "e1")), JsonValues.parseObject(lines.get(1)));
        assertEquals(5L, JsonValues.parseObject(lines.get(2)).get("amount"));
        assertFalse(Files.exists(dir.resolve("out.bulk.partial")));
    }

    @Test
    void export_to_standard_output_since_0_writes_every_metric_as_ndjson() {
        TestDb db = sampleDb();

        LoaderProcess export = run("export", "--since", "0");

        assertEquals(ExitCode.OK, export.exitCode(), export.describe());
        List<Map<String, Object>> actions = export.stdout().lines().map(JsonValues::parseObject).toList();
        assertEquals(db.count("metrics"), actions.size());
        assertTrue(actions.stream().allMatch(action -> action.get("op").equals("index")));
        assertEquals(List.of("metrics.db -> <stdout>: 71 index and 0 delete actions after batch 0 (ndjson)",
                "next time: export --since 23"), export.stderrLines());
    }

    @Test
    void export_of_a_missing_database_or_folder_an_unknown_format_or_a_since_past_the_end_fails_in_one_line_and_writes_nothing() {
        LoaderProcess missing = run("export", "--since", "0", "--db", "none.db");
        assertEquals(ExitCode.FAILED, missing.exitCode(), missing.describe());
        assertEquals(List.of("none.db: no such file"), missing.stderrLines());
        assertFalse(Files.exists(dir.resolve("none.db")));

        sampleDb();
        LoaderProcess badFormat = run("export", "--since", "0", "--format", "csv");
        assertEquals(ExitCode.USAGE, badFormat.exitCode(), badFormat.describe());
        assertTrue(badFormat.stderr().contains("--format must be ndjson or es-bulk, not csv"), badFormat.describe());

        LoaderProcess pastTheEnd = run("export", "--since", "24", "out.ndjson");
        assertEquals(ExitCode.FAILED, pastTheEnd.exitCode(), pastTheEnd.describe());
        assertEquals(1, pastTheEnd.stderrLines().size(), pastTheEnd.describe());
        assertFalse(Files.exists(dir.resolve("out.ndjson")), "no file for a failed export");

        LoaderProcess noFolder = run("export", "--since", "0", "nodir/out.ndjson");
        assertEquals(ExitCode.FAILED, noFolder.exitCode(), noFolder.describe());
        assertEquals(1, noFolder.stderrLines().size(), noFolder.describe());
        assertTrue(noFolder.stderrLines().get(0).endsWith("nodir: no such file"), noFolder.describe());
    }
}
