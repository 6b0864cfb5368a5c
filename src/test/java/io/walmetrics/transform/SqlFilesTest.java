package io.walmetrics.transform;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.report.Dashboard;
import io.walmetrics.report.Section;
import io.walmetrics.schema.SqlHeader;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The files of {@code sql/} and {@code migrations/} as a reviewer reads them and as a person runs
 * them by hand in the stock {@code sqlite3} CLI.
 */
class SqlFilesTest {

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path SQL_DIR = PROJECT.resolve("sql");
    private static final Path VIEWS_DIR = SQL_DIR.resolve("views");
    private static final Path MIGRATIONS_DIR = PROJECT.resolve("migrations");
    private static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

    private static final Set<String> KEYWORDS = Set.of(
            "select", "insert", "into", "values", "update", "set", "delete", "from", "where", "join", "left",
            "inner", "outer", "cross", "on", "using", "and", "or", "not", "exists", "in", "is", "null", "as", "union",
            "all", "group", "by", "order", "having", "limit", "offset", "with", "replace", "ignore", "case", "when",
            "then", "else", "end", "distinct", "conflict", "do", "nothing", "returning", "desc", "asc", "like", "between");

    private static final List<String> HEADER_KEYS = List.of("Purpose:", "Reads:", "Writes:", "Params:", "By hand:");
    private static final Pattern PARAMETER = Pattern.compile("(?<![:\\w]):([a-z_][a-z0-9_]*)");

    @TempDir
    Path dir;

    /** Every file the conventions cover: the per-batch steps of sql/ and the report's queries of sql/views/. */
    static Stream<String> sqlFiles() throws IOException {
        return Stream.concat(sqlFileNames().stream(), viewFileNames().stream().map(name -> "views/" + name));
    }

    private static List<String> sqlFileNames() throws IOException {
        return sqlFileNames(SQL_DIR);
    }

    private static List<String> viewFileNames() throws IOException {
        return sqlFileNames(VIEWS_DIR);
    }

    private static List<String> sqlFileNames(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".sql")).sorted().toList();
        }
    }

    private static String sql(String name) throws IOException {
        return Files.readString(SQL_DIR.resolve(name), UTF_8);
    }

    // ---- the list the loader runs

    @Test
    void the_transform_runs_every_file_of_sql_and_only_those() throws IOException {
        assertEquals(sqlFileNames(), MetricsTransform.FILES);
    }

    @Test
    void the_transform_runs_its_files_in_name_order() {
        assertEquals(MetricsTransform.FILES.stream().sorted().toList(), MetricsTransform.FILES);
    }

    @Test
    void exactly_the_delete_and_the_upsert_say_which_figure_of_the_summary_their_row_count_is() throws IOException {
        Map<String, String> counts = new TreeMap<>();
        for (String name : sqlFileNames()) {
            SqlHeader.of(name, sql(name)).find("Counts").ifPresent(figure -> counts.put(name, figure));
        }

        assertEquals(Map.of(
                "025_delete_metrics.sql", "metrics_deleted, the summary's figure: the rows this statement deletes",
                "030_upsert_metrics.sql", "metrics_upserted, the summary's figure: the rows this statement writes"), counts);
    }

    @Test
    void the_report_reads_every_file_of_sql_views_and_only_those_in_name_order() throws IOException {
        assertEquals(viewFileNames(), Dashboard.SECTIONS.stream().map(Section.Definition::file).toList());
    }

    // ---- each file as a reviewer reads it

    @ParameterizedTest
    @MethodSource("sqlFiles")
    void a_file_opens_with_a_header_naming_purpose_reads_writes_params_and_how_to_run_it(String name) throws IOException {
        List<String> header = header(sql(name));

        for (String key : HEADER_KEYS) {
            assertTrue(header.stream().anyMatch(line -> line.startsWith("-- " + key)), name + " has a \"" + key + "\" line");
        }
        assertTrue(header.stream().anyMatch(line -> line.contains(".read sql/" + name)),
                name + ": the By hand lines show how to .read this very file");
    }

    @ParameterizedTest
    @MethodSource("sqlFiles")
    void a_file_holds_exactly_one_statement(String name) throws IOException {
        String code = code(sql(name));

        assertEquals(1, code.chars().filter(c -> c == ';').count(), name + ": one ';' outside comments and strings");
        assertTrue(code.substring(code.indexOf(';') + 1).isBlank(), name + ": nothing after the statement");
        assertFalse(code.substring(0, code.indexOf(';')).isBlank(), name + ": a statement before the ';'");
    }

    @ParameterizedTest
    @MethodSource("sqlFiles")
    void a_file_writes_its_keywords_in_lowercase(String name) throws IOException {
        List<String> shouted = new ArrayList<>();
        Matcher word = Pattern.compile("[A-Za-z_]+").matcher(code(sql(name)));
        while (word.find()) {
            String text = word.group();
            if (KEYWORDS.contains(text.toLowerCase()) && !text.equals(text.toLowerCase())) {
                shouted.add(text);
            }
        }
        assertEquals(List.of(), shouted, name);
    }

    @ParameterizedTest
    @MethodSource("sqlFiles")
    void a_file_never_selects_star(String name) throws IOException {
        String code = code(sql(name));

        assertFalse(Pattern.compile("(?i)\\bselect\\s+(distinct\\s+)?\\*").matcher(code).find(), name + ": select *");
        assertFalse(Pattern.compile("\\w\\.\\*").matcher(code).find(), name + ": table.*");
    }

    @ParameterizedTest
    @MethodSource("sqlFiles")
    void a_file_declares_in_its_header_exactly_the_parameters_it_uses(String name) throws IOException {
        String text = sql(name);
        Set<String> used = parameters(code(text));
        Set<String> declared = parameters(String.join("\n", headerSection(header(text), "Params:")));

        assertEquals(declared, used, name);
        for (String parameter : used) {
            assertTrue(header(text).stream().anyMatch(line -> line.contains(".parameter set :" + parameter)),
                    name + ": the By hand lines set :" + parameter);
        }
    }

    // ---- migrations

    @Test
    void every_migration_is_a_liquibase_formatted_sql_file() throws IOException {
        for (String name : migrationFileNames()) {
            String firstLine = Files.readString(MIGRATIONS_DIR.resolve(name), UTF_8).lines().findFirst().orElse("");
            assertEquals("-- liquibase formatted sql", firstLine, name);
        }
    }

    @Test
    void the_master_changelog_includes_every_migration_in_order() throws Exception {
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(MIGRATIONS_DIR.resolve("changelog.xml").toFile());
        NodeList includes = document.getElementsByTagName("include");
        List<String> included = new ArrayList<>();
        for (int i = 0; i < includes.getLength(); i++) {
            included.add(((Element) includes.item(i)).getAttribute("file"));
        }

        assertEquals(migrationFileNames().stream().map(name -> "migrations/" + name).toList(), included);
        assertEquals(0, document.getElementsByTagName("includeAll").getLength(), "explicit includes only");
    }

    private static List<String> migrationFileNames() throws IOException {
        try (Stream<Path> files = Files.list(MIGRATIONS_DIR)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".sql")).sorted().toList();
        }
    }

    // ---- by hand in sqlite3

    @Test
    void the_files_run_by_hand_in_sqlite3_after_a_load_change_nothing_and_rebuild_the_metrics_the_loader_made()
            throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SQLITE3), "needs " + SQLITE3);
        TestDb db = TestDb.in(dir);
        db.load(new WalFile()
                .batch()
                .record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1"))
                .record(transaction("t2"), token("k2"), request("r2", "f2", "k2", "2021-06-03 07:47:50.000000"))
                .record(request("r3", "f2", "k1", "2021-06-03 07:48:00.000000"), event("e2", "t2", "f2"))
                .record(event("e3", "t9", "f9"))
                .batch()
                .record(event("e4", "t1", "f1").set("error_details", null).set("transaction_lifecycle_event", "SETTLED")));
        List<Map<String, Object>> loaded = metrics(db);
        assertEquals(List.of("e1", "e2", "e4"), loaded.stream().map(row -> row.get("id")).toList(), "the scenario joins");

        String byHand = sqlite3(db.file(), Stream.concat(
                Stream.of(".parameter set :batch_id 99"),
                MetricsTransform.FILES.stream().map(name -> ".read sql/" + name)).toList());

        assertEquals("", byHand, "sqlite3 says nothing");
        assertEquals(loaded, metrics(db), "with nothing affected, nothing changes");

        sqlite3(db.file(), List.of(
                "insert into affected_event (id) select id from current_event",
                "delete from metrics",
                ".parameter set :batch_id 99",
                ".read sql/030_upsert_metrics.sql"));

        List<Map<String, Object>> rebuilt = metrics(db);
        assertEquals(withoutBatch(loaded), withoutBatch(rebuilt));
        assertTrue(rebuilt.stream().allMatch(row -> Long.valueOf(99).equals(((Number) row.get("updated_in_batch")).longValue())),
                rebuilt.toString());
    }

    @Test
    void the_report_queries_run_by_hand_in_sqlite3_and_print_the_rows_the_report_reads() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SQLITE3), "needs " + SQLITE3);
        TestDb db = TestDb.in(dir);
        db.load(PROJECT.resolve("data/wal.json"));
        Dashboard dashboard = db.jdbi().withHandle(handle -> Dashboard.read(handle, "metrics.db"));

        for (Section section : dashboard.sections()) {
            String byHand = sqlite3(db.file(), List.of(".mode list", ".separator |", ".nullvalue (none)",
                    ".read sql/views/" + section.definition().file()));
            List<String> expected = section.rows().stream()
                    .map(row -> String.join("|", row.stream().map(v -> v == null ? "(none)" : v.toString()).toList()))
                    .toList();
            assertFalse(expected.isEmpty(), section.title() + " has rows for data/wal.json");
            assertEquals(expected, byHand.lines().toList(), section.definition().file());
        }
    }

    private static List<Map<String, Object>> metrics(TestDb db) {
        return db.rows("select * from metrics order by id");
    }

    private static List<Map<String, Object>> withoutBatch(List<Map<String, Object>> rows) {
        return rows.stream().map(row -> {
            Map<String, Object> copy = new TreeMap<>(row);
            copy.remove("updated_in_batch");
            return (Map<String, Object>) copy;
        }).toList();
    }

    /** Runs the commands in one sqlite3 session from the project folder, stopping at the first error. */
    private static String sqlite3(Path db, List<String> commands) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SQLITE3.toString(), "-bail", db.toString()));
        command.addAll(commands);
        Process process = new ProcessBuilder(command).directory(PROJECT.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "sqlite3 ends");
        assertEquals(0, process.exitValue(), String.join(" ", commands) + ":\n" + output);
        return output;
    }

    // ---- reading SQL text

    /** The comment lines the file opens with. */
    private static List<String> header(String sql) {
        return sql.lines().takeWhile(line -> line.startsWith("--")).toList();
    }

    /** The header lines from the one starting with {@code key} up to the next key. */
    private static List<String> headerSection(List<String> header, String key) {
        List<String> section = new ArrayList<>();
        boolean inside = false;
        for (String line : header) {
            boolean startsKey = HEADER_KEYS.stream().anyMatch(k -> line.startsWith("-- " + k));
            if (startsKey) {
                inside = line.startsWith("-- " + key);
            }
            if (inside) {
                section.add(line);
            }
        }
        return section;
    }

    private static Set<String> parameters(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PARAMETER.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /**
     * The SQL with comments blanked and string literals and quoted identifiers reduced to empty
     * quotes, roughly as sqlite3_complete tokenizes it, so what remains is the statement's own words.
     */
    static String code(String sql) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '-' && sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end;
                out.append(' ');
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
                out.append(' ');
            } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int end = i + 1;
                while (end < sql.length()) {
                    if (sql.charAt(end) == close) {
                        if (close != ']' && end + 1 < sql.length() && sql.charAt(end + 1) == close) {
                            end += 2; // a doubled quote stays inside
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                out.append(c).append(close);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    @Test
    void the_code_reader_drops_comments_and_strings_but_keeps_the_statement() {
        assertEquals("select '' ,  \"\" from t  ;\n ",
                code("select 'a;b''c' ,  \"x;\"\"y\" from t /* ; */;\n-- ;"));
    }
}
