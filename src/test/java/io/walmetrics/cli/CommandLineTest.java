package io.walmetrics.cli;

import static io.walmetrics.testing.Rows.EVENT;
import static io.walmetrics.testing.Rows.TRANSACTION;
import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.Change;
import io.walmetrics.testing.WalFile;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code load} command as a user runs it: a real child JVM on the test classpath (the jar is
 * not built in the test phase), in a folder of the test's own, with its exit code, stdout and stderr.
 */
class CommandLineTest {

    private static final long TIMEOUT_SECONDS = 120;
    private static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

    @TempDir
    Path dir;

    // ---- running the command

    private record Result(int exitCode, String stdout, String stderr) {

        List<String> stderrLines() {
            return stderr.lines().filter(line -> !line.isBlank()).toList();
        }

        String describe() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    private Result run(String... args) throws IOException, InterruptedException {
        return runWithStdin(null, args);
    }

    /** Runs {@code Main} with the arguments in {@link #dir}, writing {@code stdin} (if any) down a pipe. */
    private Result runWithStdin(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = LoaderProcess.command(args);
        Path stdout = Files.createTempFile("cli-stdout", ".txt");
        Path stderr = Files.createTempFile("cli-stderr", ".txt");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(UTF_8));
                }
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("no exit after " + TIMEOUT_SECONDS + " s: " + String.join(" ", args));
            }
            return new Result(process.exitValue(), Files.readString(stdout, UTF_8), Files.readString(stderr, UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    // ---- writing input

    private static String record(Change... changes) {
        return Stream.of(changes).map(Change::toJson).collect(Collectors.joining(",", "{\"change\":[", "]}"));
    }

    private static String batch(String... records) {
        return String.join(",\n ", records);
    }

    /** The seed's shape: an array of batches, one batch a line. */
    private static String arrayOfBatches(String... batches) {
        return Stream.of(batches).map(batch -> "[" + batch + "]").collect(Collectors.joining(",\n", "[", "]\n"));
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, UTF_8);
        return file;
    }

    /** Four rows that make one metric, e1. */
    private static WalFile oneMetric() {
        return new WalFile()
                .batch().record(transaction("t1")).record(token("k1"), request("r1", "f1", "k1"))
                .batch().record(event("e1", "t1", "f1"));
    }

    // ---- reading results

    /** The one JSON object of {@code --json}, read with the project's Jackson factory; nothing may follow it. */
    private static Map<String, Number> parseSummary(String stdout) throws IOException {
        Map<String, Number> summary = new LinkedHashMap<>();
        try (JsonParser parser = Json.FACTORY.createParser(stdout)) {
            assertEquals(JsonToken.START_OBJECT, parser.nextToken(), "stdout starts with an object: " + stdout);
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                assertTrue(value.isNumeric(), name + " is a number");
                summary.put(name, parser.getNumberValue());
            }
            assertNull(parser.nextToken(), "nothing after the object on stdout: " + stdout);
        }
        return summary;
    }

    private static void assertCounts(Map<String, Number> summary, Map<String, Long> expected) {
        Map<String, Long> actual = new LinkedHashMap<>();
        expected.keySet().forEach(key -> actual.put(key, summary.containsKey(key) ? summary.get(key).longValue() : null));
        assertEquals(expected, actual);
    }

    private static Map<String, Long> counts(long read, long applied, long skipped, long landed, long ignored,
                                            long rejected, long upserted, long deleted, long metricRows) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("batches_read", read);
        counts.put("batches_applied", applied);
        counts.put("batches_skipped", skipped);
        counts.put("changes_landed", landed);
        counts.put("changes_ignored", ignored);
        counts.put("changes_rejected", rejected);
        counts.put("metrics_upserted", upserted);
        counts.put("metrics_deleted", deleted);
        counts.put("metric_rows", metricRows);
        return counts;
    }

    private static List<String> query(Path db, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }

    private static long count(Path db, String table) throws SQLException {
        return Long.parseLong(query(db, "select count(*) from " + table).get(0));
    }

    private static void assertNoStackTrace(Result result) {
        assertFalse(result.stderr().contains("at io.walmetrics"), "no stack trace:\n" + result.stderr());
        assertFalse(result.stderr().lines().anyMatch(line -> line.startsWith("\tat ")), "no stack trace:\n" + result.stderr());
    }

    // ---- a load that works

    @Test
    void load_prints_its_summary_on_stderr_and_nothing_on_stdout() throws Exception {
        write("wal.json", oneMetric().toJson());

        Result result = run("load", "--db", "out.db", "wal.json");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("", result.stdout());
        assertAll(
                () -> assertTrue(result.stderr().contains("wal.json"), result.stderr()),
                () -> assertTrue(result.stderr().contains("out.db"), result.stderr()),
                () -> assertTrue(result.stderr().contains("2 read, 2 applied, 0 skipped"), result.stderr()),
                () -> assertTrue(result.stderr().contains("1 rows now"), result.stderr()));
        assertEquals(List.of("e1"), query(dir.resolve("out.db"), "select id from metrics"));
    }

    @Test
    void load_with_json_prints_one_object_whose_counts_match_the_input_and_a_second_load_skips_every_batch() throws Exception {
        String message = "{\"change\":[{\"kind\":\"message\",\"transactional\":true,\"prefix\":\"wal-metrics\",\"content\":\"hello\"}]}";
        String otherTable = record(Change.insert("audit_log").set("id", "a1"));
        write("wal.json", arrayOfBatches(
                batch(record(transaction("t1")), record(token("k1")), record(request("r1", "f1", "k1"))),
                batch(record(event("e1", "t1", "f1")), otherTable, message),
                batch(record(event("e2", "t1", "f1"))),
                batch(record(Change.delete(EVENT, "e1")))));

        Result first = run("load", "--db", "out.db", "--json", "wal.json");

        assertEquals(0, first.exitCode(), first.describe());
        Map<String, Number> summary = parseSummary(first.stdout());
        assertTrue(summary.keySet().containsAll(List.of("batches_read", "batches_applied", "batches_skipped",
                "changes_landed", "changes_ignored", "changes_rejected", "metrics_upserted", "metrics_deleted",
                "metric_rows", "seconds")), summary.keySet().toString());
        // the four batches fold as one group: e1's metric came and went inside it, so the committed
        // result is one metric written (e2's) and none deleted
        assertCounts(summary, counts(4, 4, 0, 6, 2, 0, 1, 0, 1));
        List<String> names = new ArrayList<>(summary.keySet());
        names.remove("peak_rss_mb"); // only where the platform tells it
        assertEquals(List.of("batches_read", "batches_applied", "batches_skipped", "batches_duplicate", "changes_landed",
                "changes_ignored", "changes_rejected", "changes_skipped_by_lsn", "metrics_upserted", "metrics_deleted", "metric_rows",
                "schema_drift_columns", "seconds", "read_seconds", "land_seconds", "fold_seconds", "metrics_seconds",
                "commit_seconds", "log_wait_seconds"), names, "every name, in the order other tools read them");
        assertEquals("{\"batches_read\":4,\"batches_applied\":4,\"batches_skipped\":0,\"batches_duplicate\":0,\"changes_landed\":6,"
                + "\"changes_ignored\":2,\"changes_rejected\":0,\"changes_skipped_by_lsn\":0,\"metrics_upserted\":1,\"metrics_deleted\":0,"
                + "\"metric_rows\":1,\"schema_drift_columns\":0", first.stdout().substring(0, first.stdout().indexOf(",\"seconds\":")),
                "the counts byte for byte");
        double seconds = summary.get("seconds").doubleValue();
        assertTrue(seconds > 0 && seconds < TIMEOUT_SECONDS, "seconds: " + seconds);
        assertFalse(first.stderr().isBlank(), "the human summary is still on stderr");

        Result second = run("load", "--db", "out.db", "--json", "wal.json");

        assertEquals(0, second.exitCode(), second.describe());
        assertCounts(parseSummary(second.stdout()), counts(4, 0, 4, 0, 0, 0, 0, 0, 1));
        assertEquals(List.of("e2"), query(dir.resolve("out.db"), "select id from metrics"));
    }

    @Test
    void without_arguments_load_reads_data_wal_json_into_metrics_db_in_the_working_directory() throws Exception {
        write("data/wal.json", oneMetric().toJson());

        Result result = run("load");

        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(Files.isRegularFile(dir.resolve("metrics.db")), "metrics.db in " + dir);
        assertEquals(List.of("e1"), query(dir.resolve("metrics.db"), "select id from metrics"));
    }

    @Test
    void load_dash_reads_records_piped_on_stdin_one_record_a_batch() throws Exception {
        String stream = oneMetric().toStream();

        Result result = runWithStdin(stream, "load", "--db", "out.db", "--json", "-");

        assertEquals(0, result.exitCode(), result.describe());
        assertCounts(parseSummary(result.stdout()), counts(3, 3, 0, 4, 0, 0, 1, 0, 1));
        assertEquals(List.of("e1"), query(dir.resolve("out.db"), "select id from metrics"));
    }

    @Test
    void a_record_on_stdin_that_repeats_an_earlier_one_is_applied_again_in_its_turn() throws Exception {
        // pg_recvlogical without include-xids writes nothing that tells two equal transactions apart:
        // amount 100, then 200, then 100 again must end at 100
        Change to100 = Change.update(TRANSACTION).set("transaction_id", "t1").set("amount", 100);
        Change to200 = Change.update(TRANSACTION).set("transaction_id", "t1").set("amount", 200);
        String stream = record(to100) + "\n" + record(to200) + "\n" + record(to100) + "\n";

        Result result = runWithStdin(stream, "load", "--db", "out.db", "--json", "-");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of("100"), query(dir.resolve("out.db"),
                "select amount from current_transaction where transaction_id = 't1'"),
                "the state after the three changes in order; the loader said: " + result.stdout());
    }

    // ---- bad input

    @Test
    void a_rejected_change_exits_3_with_a_line_naming_file_batch_record_column_and_value() throws Exception {
        Change badAmount = transaction("t2").set("amount", "abc");
        write("wal.json", arrayOfBatches(
                batch(record(transaction("t1"))),
                batch(record(token("k1")), record(badAmount))));

        Result result = run("load", "--db", "out.db", "wal.json");

        assertEquals(3, result.exitCode(), result.describe());
        assertTrue(result.stderrLines().contains(
                        "wal.json: batch 2, record 2: column amount of transaction: \"abc\" is not an integer"),
                result.stderr());
        assertNoStackTrace(result);
        Path db = dir.resolve("out.db");
        assertEquals(List.of("2|2|1|transaction|column amount of transaction: \"abc\" is not an integer"),
                query(db, "select l.batch_no || '|' || r.record_no || '|' || r.change_no || '|' || r.wal_table || '|' || r.reason"
                        + " from rejected_changes as r join batch_ledger as l on l.batch_id = r.batch_id"));
        assertEquals(1, count(db, "current_transaction"));
        assertEquals(1, count(db, "current_payment_instrument_token"), "the rest of the batch applied");
    }

    @Test
    void malformed_json_exits_1_with_one_line_naming_file_line_and_column_and_keeps_the_batches_before() throws Exception {
        // line 3 lacks the comma between its two records: the second '{' stands at column 31
        write("wal.json", "[\n"
                + "[" + record(transaction("t1")) + "],\n"
                + "[{\"change\":[]}, {\"change\":[]} {\"change\":[]}],\n"
                + "[" + record(token("k1")) + "]\n"
                + "]\n");

        Result result = run("load", "--db", "out.db", "wal.json");

        assertEquals(1, result.exitCode(), result.describe());
        List<String> faultLines = result.stderrLines().stream().filter(line -> line.contains("line 3")).toList();
        assertEquals(1, faultLines.size(), result.stderr());
        assertTrue(faultLines.get(0).startsWith("wal.json: line 3, column 31"), faultLines.get(0));
        assertNoStackTrace(result);
        Path db = dir.resolve("out.db");
        assertEquals(1, count(db, "batch_ledger"), "batch 1 committed");
        assertEquals(1, count(db, "current_transaction"));
        assertEquals(0, count(db, "current_payment_instrument_token"), "nothing after the fault");
    }

    @Test
    void a_truncated_file_exits_1_with_one_clean_line_naming_file_line_and_column() throws Exception {
        String complete = arrayOfBatches(batch(record(transaction("t1"))), batch(record(token("k1"))));
        // cut just after the '[' that opens batch 2's column values, as a copy in progress might be
        String opening = "\"columnvalues\":[";
        write("wal.json", complete.substring(0, complete.indexOf(opening, complete.indexOf("payment_instrument_token_data"))
                + opening.length()));

        Result result = run("load", "--db", "out.db", "wal.json");

        assertEquals(1, result.exitCode(), result.describe());
        String fault = result.stderrLines().get(0);
        assertTrue(fault.matches("wal\\.json: line 2, column \\d+ \\(batch 2\\): .*"), fault);
        assertNoStackTrace(result);
        assertFalse(fault.contains("REDACTED") || fault.contains("StreamReadFeature"),
                "the line speaks to the user, not of the parser's settings: " + fault);
        assertEquals(1, count(dir.resolve("out.db"), "batch_ledger"), "batch 1 committed");
    }

    @Test
    void malformed_json_with_verbose_also_prints_the_stack_trace() throws Exception {
        write("wal.json", "[[{\"change\":[]} {\"change\":[]}]]\n");

        Result result = run("load", "--db", "out.db", "--verbose", "wal.json");

        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.stderr().contains("wal.json: line 1, column 17"), result.stderr());
        assertTrue(result.stderr().contains("at io.walmetrics"), "a stack trace:\n" + result.stderr());
    }

    @Test
    void a_missing_file_exits_1_with_one_line_saying_so() throws Exception {
        Result result = run("load", "--db", "out.db", "missing.json");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(List.of("missing.json: no such file"), result.stderrLines());
        assertEquals("", result.stdout());
    }

    @Test
    void a_database_in_a_folder_that_does_not_exist_exits_1_with_one_line_naming_it() throws Exception {
        write("wal.json", oneMetric().toJson());

        Result result = run("load", "--db", "/nonexistent-dir/x.db", "wal.json");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(1, result.stderrLines().size(), result.stderr());
        assertTrue(result.stderrLines().get(0).startsWith("/nonexistent-dir/x.db: "), result.stderr());
        assertNoStackTrace(result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1}", "42", "[1, 2]"})
    void a_file_that_is_json_but_not_wal_exits_1_with_a_line_naming_file_line_and_column(String content) throws Exception {
        write("other.json", content + "\n");

        Result result = run("load", "--db", "out.db", "other.json");

        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.stderrLines().get(0).startsWith("other.json: line 1, column "), result.stderr());
        assertNoStackTrace(result);
        assertEquals(0, count(dir.resolve("out.db"), "batch_ledger"));
    }

    @Test
    void an_empty_file_is_reported_as_empty() throws Exception {
        write("wal.json", "");

        Result result = run("load", "--db", "out.db", "wal.json");

        assertNoStackTrace(result);
        assertTrue(result.stderrLines().stream().anyMatch(line -> line.contains("wal.json") && line.contains("empty")),
                "a clear message that the input holds nothing; got " + result.describe());
    }

    // ---- usage

    @ParameterizedTest
    @ValueSource(strings = {"load --bogus", "load --batch-size 0 wal.json", "load --batch-size abc wal.json", "frobnicate"})
    void a_usage_error_exits_2_and_says_what_is_wrong_on_stderr(String commandLine) throws Exception {
        write("wal.json", oneMetric().toJson());

        Result result = run(commandLine.split(" "));

        assertEquals(2, result.exitCode(), result.describe());
        assertEquals("", result.stdout());
        assertFalse(result.stderrLines().isEmpty());
        assertNoStackTrace(result);
        assertFalse(Files.exists(dir.resolve("metrics.db")), "nothing was loaded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "load --help"})
    void help_prints_usage_on_stdout_and_exits_0(String commandLine) throws Exception {
        Result result = run(commandLine.split(" "));

        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.stdout().startsWith("Usage: wal-metrics-loader"), result.stdout());
        assertTrue(result.stdout().contains("--version"), result.stdout());
        if (commandLine.startsWith("load")) {
            assertTrue(result.stdout().contains("--batch-size"), result.stdout());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "load --version"})
    void version_prints_the_version_and_exits_0(String commandLine) throws Exception {
        Result result = run(commandLine.split(" "));

        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.stdout().strip().matches("wal-metrics-loader \\d+\\.\\d+\\.\\d+.*"), result.stdout());
    }

    // ---- the database as the sqlite3 CLI shows it

    @Test
    void the_stock_sqlite3_cli_opens_the_database_and_finds_every_table_in_wal_mode() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SQLITE3), "needs " + SQLITE3);
        write("wal.json", oneMetric().toJson());
        Result load = run("load", "--db", "out.db", "wal.json");
        assertEquals(0, load.exitCode(), load.describe());

        List<String> tables = sqlite3("out.db", "select lower(name) from sqlite_master where type = 'table' order by 1");
        assertTrue(tables.containsAll(List.of(
                "stg_event", "stg_transaction", "stg_transaction_request", "stg_payment_instrument_token",
                "current_event", "current_transaction", "current_transaction_request", "current_payment_instrument_token",
                "metrics", "batch_ledger", "rejected_changes", "databasechangelog")), tables.toString());
        assertEquals(List.of("1"), sqlite3("out.db", "select count(*) from metrics"));
        assertEquals(List.of("1"), sqlite3("out.db", "select count(*) from current_metric"), "the view runs in sqlite3");
        assertEquals(List.of("wal"), sqlite3("out.db", "pragma journal_mode"));
    }

    private List<String> sqlite3(String db, String sql) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(SQLITE3.toString(), "-bail", db, sql)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), sql + ":\n" + output);
        return output.lines().toList();
    }
}
