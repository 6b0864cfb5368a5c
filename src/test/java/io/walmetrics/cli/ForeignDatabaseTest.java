package io.walmetrics.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.Loader;
import io.walmetrics.load.WalInput;
import io.walmetrics.schema.Database;
import io.walmetrics.schema.DatabaseFile;
import io.walmetrics.schema.MigrationContents;
import io.walmetrics.schema.SchemaMigrator;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database file the loader did not make is never changed, by any command, and nothing is left
 * beside it; an empty file and a database of an earlier loader without the mark are adopted; the
 * commands that only read never migrate, and say which command upgrades an out-of-date database.
 * Every command runs as a real child process against real SQLite files.
 */
class ForeignDatabaseTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Path SAMPLE = Path.of("data/wal.json").toAbsolutePath();

    @TempDir
    Path dir;

    private LoaderProcess run(String... args) {
        return LoaderProcess.run(dir, TIMEOUT, args);
    }

    /** Every command that takes --db, as a user would run it against {@code db}. */
    private List<String[]> everyCommandOn(String db) throws IOException {
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Files.copy(SAMPLE, inbox.resolve("wal.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return List.of(
                new String[] {"load", "--db", db, SAMPLE.toString()},
                new String[] {"watch", "--db", db, "--interval", "0.2", inbox.toString()},
                new String[] {"verify", "--db", db},
                new String[] {"rebuild", "--db", db},
                new String[] {"report", "--db", db, "--html", dir.resolve("report.html").toString()},
                new String[] {"status", "--db", db},
                new String[] {"export", "--since", "0", "--db", db},
                new String[] {"schema", "--db", db, SAMPLE.toString()});
    }

    private void assertEveryCommandRefuses(Path file, String expectedLine) throws Exception {
        String db = dir.relativize(file).toString();
        String sha256 = sha256(file);
        FileTime modified = Files.getLastModifiedTime(file);
        List<String> folder = listing(file.getParent());
        List<String> problems = new ArrayList<>();
        for (String[] command : everyCommandOn(db)) {
            LoaderProcess process = run(command);
            String name = String.join(" ", command);
            if (process.exitCode() != ExitCode.FAILED || !process.stderrLines().equals(List.of(expectedLine))
                    || !process.stdout().isEmpty()) {
                problems.add(name + ": expected exit 1 and exactly the line «" + expectedLine + "»; got\n" + process.describe());
            }
            if (!sha256(file).equals(sha256) || !Files.getLastModifiedTime(file).equals(modified)) {
                problems.add(name + ": changed the file");
            }
            if (!listing(file.getParent()).equals(folder)) {
                problems.add(name + ": left files beside it: " + listing(file.getParent()) + " instead of " + folder);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void when_a_sqlite_file_holds_another_programs_tables_then_every_command_refuses_it_and_leaves_it_byte_identical()
            throws Exception {
        Path file = Files.createDirectories(dir.resolve("theirs")).resolve("users.db");
        execute(file, "create table users (id integer primary key, name text)",
                "insert into users (id, name) values (1, 'Ada'), (2, 'Grace')",
                "create table orders (id integer primary key, user_id integer references users (id))");

        assertEveryCommandRefuses(file,
                "theirs/users.db: not a wal-metrics-loader database (it holds tables orders, users); refusing to touch it");
    }

    @Test
    void when_a_sqlite_file_in_wal_mode_has_its_own_metrics_table_then_every_command_refuses_it_and_leaves_it_byte_identical()
            throws Exception {
        Path file = Files.createDirectories(dir.resolve("theirs")).resolve("metrics.db");
        execute(file, "pragma journal_mode = wal",
                "create table metrics (id text primary key, amount integer)",
                "insert into metrics (id, amount) values ('m1', 100)");

        assertEveryCommandRefuses(file,
                "theirs/metrics.db: not a wal-metrics-loader database (it holds table metrics); refusing to touch it");
    }

    @Test
    void when_the_file_is_not_sqlite_at_all_then_every_command_refuses_it_and_leaves_it_byte_identical() throws Exception {
        Path file = Files.createDirectories(dir.resolve("theirs")).resolve("notes.db");
        Files.writeString(file, "shopping: milk, eggs\n".repeat(20));

        assertEveryCommandRefuses(file,
                "theirs/notes.db: not a wal-metrics-loader database (it is not a SQLite database file); refusing to touch it");
    }

    @Test
    void when_a_database_of_an_earlier_loader_also_holds_another_programs_table_then_every_command_refuses_it()
            throws Exception {
        Path file = Files.createDirectories(dir.resolve("theirs")).resolve("mixed.db");
        loadAsAnEarlierLoaderDid(file);
        execute(file, "create table users (id integer primary key)");

        java.util.SortedSet<String> tables = new java.util.TreeSet<>(MigrationContents.ofJar().tables());
        tables.add("users");
        String line = "theirs/mixed.db: not a wal-metrics-loader database (it holds tables "
                + String.join(", ", tables.stream().limit(6).toList()) + ", … (" + tables.size()
                + " in all)); refusing to touch it";
        assertEveryCommandRefuses(file, line);
    }

    @Test
    void when_the_database_file_is_empty_then_load_adopts_it_marks_it_and_fills_it() throws Exception {
        Path file = dir.resolve("empty.db");
        Files.createFile(file);

        LoaderProcess load = run("load", "--db", "empty.db", SAMPLE.toString());

        assertEquals(ExitCode.OK, load.exitCode(), load.describe());
        SqliteFile db = new SqliteFile(file);
        assertEquals(DatabaseFile.APPLICATION_ID, db.number("pragma application_id"));
        assertEquals(71, db.number("select count(*) from metrics"));
        assertEquals(23, db.number("select count(*) from batch_ledger"));
    }

    @Test
    void when_a_database_of_an_earlier_loader_has_no_mark_then_reading_leaves_it_alone_and_load_marks_it() throws Exception {
        Path file = dir.resolve("old.db");
        loadAsAnEarlierLoaderDid(file);
        SqliteFile db = new SqliteFile(file);
        assertEquals(0, db.number("pragma application_id"), "an earlier loader set no mark");
        String sha256 = sha256(file);

        LoaderProcess status = run("status", "--db", "old.db", "--json");
        assertEquals(ExitCode.OK, status.exitCode(), status.describe());
        assertEquals(sha256, sha256(file), "status only reads");

        LoaderProcess load = run("load", "--db", "old.db", "--json", SAMPLE.toString());
        assertEquals(ExitCode.OK, load.exitCode(), load.describe());
        assertEquals(23L, load.jsonSummary().get("batches_skipped").longValue(), load.describe());
        assertEquals(DatabaseFile.APPLICATION_ID, db.number("pragma application_id"));
        assertEquals(DatabaseFile.Kind.MARKED, DatabaseFile.inspect(file).kind());
        assertEquals(71, db.number("select count(*) from metrics"));
    }

    @Test
    void when_a_database_is_behind_the_jars_migrations_then_the_reading_commands_say_to_upgrade_it_and_leave_it_unchanged()
            throws Exception {
        TestDb loaded = TestDb.in(dir.resolve("db"));
        loaded.load(SAMPLE);
        Path file = loaded.file();
        // as a database migrated by a loader before the last migration file existed
        List<String> lastFile = MigrationContents.ofJar().changesetIds().stream().filter(id -> id.startsWith("010-")).toList();
        loaded.jdbi().useHandle(handle -> {
            handle.execute("delete from databasechangelog where id like '010-%'");
            handle.execute("update schema_fingerprint set fingerprint = 'of the migrations up to 009'");
        });
        checkpoint(loaded.jdbi());
        String sha256 = sha256(file);
        FileTime modified = Files.getLastModifiedTime(file);
        String expected = "db/metrics.db: its schema is behind this loader's (" + lastFile.size() + " changesets to apply, from "
                + lastFile.get(0) + "); run load or rebuild to upgrade it";

        List<String> problems = new ArrayList<>();
        for (String[] command : List.of(new String[] {"status", "--db", "db/metrics.db"},
                new String[] {"report", "--db", "db/metrics.db"},
                new String[] {"verify", "--db", "db/metrics.db"},
                new String[] {"export", "--since", "0", "--db", "db/metrics.db"},
                new String[] {"schema", "--db", "db/metrics.db", SAMPLE.toString()})) {
            LoaderProcess process = run(command);
            if (process.exitCode() != ExitCode.FAILED || !process.stderrLines().equals(List.of(expected))) {
                problems.add(String.join(" ", command) + ": expected exit 1 and «" + expected + "»; got\n" + process.describe());
            }
            if (!sha256(file).equals(sha256) || !Files.getLastModifiedTime(file).equals(modified)) {
                problems.add(String.join(" ", command) + ": changed the database");
            }
        }
        assertEquals(List.of(), problems);

        LoaderProcess load = run("load", "--db", "db/metrics.db", SAMPLE.toString());
        assertEquals(ExitCode.OK, load.exitCode(), load.describe());
        LoaderProcess status = run("status", "--db", "db/metrics.db");
        assertEquals(ExitCode.OK, status.exitCode(), status.describe());
    }

    @Test
    void when_verify_runs_on_a_database_made_read_only_then_it_still_finds_the_difference_and_changes_no_byte() throws Exception {
        TestDb loaded = TestDb.in(dir.resolve("db"));
        loaded.load(SAMPLE);
        loaded.jdbi().useHandle(handle -> handle.execute(
                "update metrics set amount = amount + 1 where id = (select min(id) from metrics)"));
        checkpoint(loaded.jdbi());
        Path file = loaded.file();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        String sha256 = sha256(file);
        FileTime modified = Files.getLastModifiedTime(file);

        LoaderProcess verify;
        // a write lock held all along: a verify that wrote, even to roll back, would wait out its busy timeout
        try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = writer.createStatement()) {
            statement.execute("begin immediate");
            verify = LoaderProcess.run(dir, Duration.ofSeconds(40), "verify", "--db", "db/metrics.db");
            statement.execute("rollback");
        }

        assertEquals(ExitCode.DIFFERENT, verify.exitCode(), verify.describe());
        assertEquals("  metrics                            1 rows only as maintained, 1 only as recomputed ("
                        + new SqliteFile(file).rows("select min(id) from metrics").get(0).get(0) + ")",
                verify.stderrLines().get(5), verify.describe());
        // root writes to a 0444 file regardless: the bytes and the time of the last write tell
        assertEquals(sha256, sha256(file), "verify changed the database");
        assertEquals(modified, Files.getLastModifiedTime(file), "verify wrote to the database");
    }

    /** Loads the sample as the loader did before it marked its databases: Liquibase's schema and a load, no mark. */
    private static void loadAsAnEarlierLoaderDid(Path file) throws Exception {
        Jdbi jdbi = Database.open(file);
        SchemaMigrator.migrate(jdbi, false);
        new Loader(jdbi).load(WalInput.of(SAMPLE.toString()), new LoadOptions(null, false));
        checkpoint(jdbi);
    }

    /** Moves everything into the main file and drops the -wal file, so that the file alone is the database. */
    private static void checkpoint(Jdbi jdbi) {
        jdbi.useHandle(handle -> handle.execute("pragma wal_checkpoint(truncate)"));
    }

    private static void execute(Path file, String... statements) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
