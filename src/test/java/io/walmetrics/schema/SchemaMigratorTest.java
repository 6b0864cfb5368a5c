package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaMigratorTest {

    @TempDir
    Path dir;

    private static String recorded(Jdbi jdbi) {
        return jdbi.withHandle(handle -> handle.createQuery("select fingerprint from schema_fingerprint").mapTo(String.class).one());
    }

    @Test
    void a_migrated_database_records_the_fingerprint_of_the_migrations_it_has() {
        Jdbi jdbi = Database.open(dir.resolve("m.db"));

        SchemaMigrator.migrate(jdbi, false);

        assertEquals(SchemaMigrator.fingerprint(), recorded(jdbi));
    }

    @Test
    void every_migration_runs_again_without_error_as_after_a_kill_between_its_ddl_and_its_record() throws Exception {
        Path sqlite3 = Path.of("/usr/bin/sqlite3");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(sqlite3), "no stock sqlite3 here");
        Path db = dir.resolve("twice.db");
        List<Path> migrations;
        try (var files = java.nio.file.Files.list(Path.of("migrations"))) {
            migrations = files.filter(file -> file.toString().endsWith(".sql")).sorted().toList();
        }
        for (int round = 1; round <= 2; round++) {
            for (Path migration : migrations) {
                Process process = new ProcessBuilder(sqlite3.toString(), "-bail", db.toString())
                        .redirectInput(migration.toFile()).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes());
                assertEquals(0, process.waitFor(), "round " + round + ", " + migration + ": " + output);
            }
        }
    }

    @Test
    void when_the_fingerprint_matches_liquibase_is_not_started_at_all() {
        Jdbi jdbi = Database.open(dir.resolve("m.db"));
        SchemaMigrator.migrate(jdbi, false);
        // Liquibase, were it to run now, would find a recorded checksum that the file does not match,
        // and refuse to go on
        jdbi.useHandle(handle -> handle.execute(
                "update databasechangelog set md5sum = '9:00000000000000000000000000000000' where id = '001-create-source-table'"));

        SchemaMigrator.migrate(jdbi, false);

        jdbi.useHandle(handle -> handle.execute("update schema_fingerprint set fingerprint = 'from an older jar'"));
        assertThrows(RuntimeException.class, () -> SchemaMigrator.migrate(jdbi, false),
                "a fingerprint that differs hands the database to Liquibase");
    }

    @Test
    void when_the_fingerprint_differs_liquibase_applies_what_is_missing_and_records_the_new_one() {
        Jdbi jdbi = Database.open(dir.resolve("m.db"));
        SchemaMigrator.migrate(jdbi, false);
        jdbi.useHandle(handle -> {
            handle.execute("drop table schema_fingerprint");
            handle.execute("delete from databasechangelog where id = '008-create-schema-fingerprint'");
        });

        SchemaMigrator.migrate(jdbi, false);

        assertEquals(SchemaMigrator.fingerprint(), recorded(jdbi));
    }
}
