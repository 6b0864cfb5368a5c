package io.walmetrics.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify, rebuild and schema as a user runs them: real processes, their exit codes and output. */
class MaintenanceCommandsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private LoaderProcess run(String... args) {
        return LoaderProcess.run(dir, TIMEOUT, args);
    }

    @Test
    void verify_says_consistent_then_names_a_tampered_table_with_exit_4_and_rebuild_repairs_it() {
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(Path.of("data/wal.json").toAbsolutePath());
        String file = db.file().toString();

        LoaderProcess clean = run("verify", "--db", file);
        assertEquals(ExitCode.OK, clean.exitCode(), clean.describe());
        assertTrue(clean.stderr().contains("consistent"), clean.describe());

        db.jdbi().useHandle(handle -> handle.execute("update metrics set amount = amount + 1"));
        LoaderProcess tampered = run("verify", "--db", file);
        assertEquals(ExitCode.DIFFERENT, tampered.exitCode(), tampered.describe());
        assertTrue(tampered.stderrLines().stream().anyMatch(line -> line.trim().startsWith("metrics") && line.contains("only as")),
                tampered.describe());

        LoaderProcess rebuilt = run("rebuild", "--db", file);
        assertEquals(ExitCode.OK, rebuilt.exitCode(), rebuilt.describe());
        LoaderProcess after = run("verify", "--db", file);
        assertEquals(ExitCode.OK, after.exitCode(), after.describe());
    }

    @Test
    void the_stock_sqlite3_finds_a_loaded_database_intact() throws Exception {
        Path sqlite3 = Path.of("/usr/bin/sqlite3");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(sqlite3), "no stock sqlite3 here");
        TestDb db = TestDb.in(dir.resolve("db"));
        db.load(Path.of("data/wal.json").toAbsolutePath());

        // before SQLite 3.45 json_valid(NULL) is 0: a check without "is null or" fails here
        Process check = new ProcessBuilder(sqlite3.toString(), db.file().toString(), "pragma integrity_check")
                .redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes()).strip();

        assertEquals(0, check.waitFor());
        assertEquals("ok", output);
    }

    @Test
    void verify_of_a_database_that_does_not_exist_is_one_line_and_creates_nothing() {
        LoaderProcess missing = run("verify", "--db", "nowhere.db");

        assertEquals(ExitCode.FAILED, missing.exitCode(), missing.describe());
        assertEquals(1, missing.stderrLines().size(), missing.describe());
        assertFalse(dir.resolve("nowhere.db").toFile().exists());
    }

    @Test
    void schema_exits_0_for_a_matching_file_and_4_with_a_changelog_on_stdout_for_drift() {
        LoaderProcess matching = run("schema", "--db", "s.db", Path.of("data/wal.json").toAbsolutePath().toString());
        assertEquals(ExitCode.OK, matching.exitCode(), matching.describe());
        assertEquals("", matching.stdout(), matching.describe());

        Path drift = new WalFile().record(Change.insert("transaction").set("transaction_id", "t1").set("fee", "x"))
                .writeTo(dir.resolve("drift.json"));
        LoaderProcess drifted = run("schema", "--db", "s.db", drift.toString());
        assertEquals(ExitCode.DIFFERENT, drifted.exitCode(), drifted.describe());
        assertTrue(drifted.stdout().startsWith("-- liquibase formatted sql"), drifted.describe());
        assertTrue(drifted.stdout().contains("alter table stg_transaction add column fee text;"), drifted.describe());
        assertTrue(drifted.stderr().contains("transaction.fee"), drifted.describe());
    }
}
