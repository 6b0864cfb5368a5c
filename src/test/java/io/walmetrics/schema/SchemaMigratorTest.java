package io.walmetrics.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
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
    void when_the_fingerprint_matches_liquibase_is_not_started_at_all() {
        Jdbi jdbi = Database.open(dir.resolve("m.db"));
        SchemaMigrator.migrate(jdbi, false);
        // Liquibase, were it to run now, would try to create every table again and fail
        jdbi.useHandle(handle -> handle.execute("delete from databasechangelog"));

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
