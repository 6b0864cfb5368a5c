package io.walmetrics.schema;

import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalSchemaReportTest {

    private static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

    @TempDir
    Path dir;

    private WalSchemaReport scan(TestDb db, Path wal) throws IOException {
        try (var reader = new WalReader(Files.newInputStream(wal), wal.toString(), null)) {
            return db.jdbi().withHandle(handle -> WalSchemaReport.scan(reader, handle));
        }
    }

    @Test
    void a_file_in_the_published_schema_shows_no_drift() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        WalSchemaReport report = scan(db, Path.of("data/wal.json"));

        assertEquals(List.of(), report.drift());
        assertEquals(Map.of(), report.otherTables());
        assertNull(report.changeset(8));
    }

    /**
     * pg_recvlogical's session has an empty search_path, so wal2json qualifies the source's own
     * enum types with its schema (public.transaction_type): the declared types all the same, for
     * the report and for a load. A type of another schema is another type.
     */
    @Test
    void a_type_qualified_by_the_source_schema_is_the_declared_type_for_the_report_and_for_a_load() throws IOException {
        TestDb db = TestDb.in(dir.resolve("db"));
        Path wal = new WalFile()
                .record(transaction("t1").type("transaction_type", "public.transaction_type").type("status", "public.transaction_status")
                        .type("direction", "public.\"transaction_direction\""))
                .record(transaction("t2").type("transaction_type", "shadow.transaction_type"))
                .writeTo(dir.resolve("qualified.json"));

        assertEquals(List.of(new ColumnDrift("transaction", "transaction_type", "shadow.transaction_type", "transaction_type")),
                scan(db, wal).drift());

        db.load(wal);
        assertEquals(List.of(Map.of("wal_table", "transaction", "column_name", "transaction_type",
                        "observed_type", "shadow.transaction_type", "expected_type", "transaction_type")),
                db.rows("select wal_table, column_name, observed_type, expected_type from schema_drift"));
    }

    @Test
    void drift_is_named_and_the_changeset_it_prints_makes_the_new_columns_land_in_columns_of_their_own()
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(SQLITE3), "the stock sqlite3 CLI applies the changeset");
        TestDb db = TestDb.in(dir.resolve("db"));
        Path wal = new WalFile()
                .record(transaction("t1").set("fee", new BigDecimal("12.3400")).type("fee", "numeric(10,4)")
                        .type("amount", "numeric"))
                .record(Change.insert("audit_log").set("id", 1))
                .writeTo(dir.resolve("drift.json"));

        WalSchemaReport report = scan(db, wal);

        assertEquals(List.of(
                new ColumnDrift("transaction", "amount", "numeric", "integer"),
                new ColumnDrift("transaction", "fee", "numeric(10,4)", null)), report.drift());
        assertEquals(Map.of("audit_log", 1), report.otherTables());

        Path changeset = Files.writeString(dir.resolve("008.sql"), report.changeset(8));
        Process sqlite = new ProcessBuilder(SQLITE3.toString(), db.file().toString())
                .redirectInput(changeset.toFile()).redirectErrorStream(true).start();
        String output = new String(sqlite.getInputStream().readAllBytes());
        assertEquals(0, sqlite.waitFor(), output);

        db.load(wal);
        assertEquals("12.3400", db.rows("select fee from stg_transaction").get(0).get("fee"));
        assertEquals("12.3400", db.rows("select fee from current_transaction").get(0).get("fee"));
        assertNull(db.rows("select extra_columns from current_transaction").get(0).get("extra_columns"));
    }

    /**
     * Source columns named like the loader's own columns (batch_id, kind of stg_*, changed_by_seq of
     * current_*), a name that is not plain and a word SQLite reserves cannot have columns of their
     * own: schema FILE says so and its changelog, applied by the stock sqlite3 to a real database,
     * adds only the column that can be added; a load keeps the others in extra_columns.
     */
    @Test
    void a_source_column_named_like_a_loader_column_stays_in_extra_columns_and_the_changelog_applies()
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(SQLITE3), "the stock sqlite3 CLI applies the changeset");
        TestDb db = TestDb.in(dir.resolve("db"));
        Path wal = new WalFile()
                .record(transaction("t1").set("batch_id", 7).type("batch_id", "bigint").set("kind", "card")
                        .set("changed_by_seq", 3).type("changed_by_seq", "integer").set("Fee Amount", "1.5")
                        .set("order", "first").set("fee", new BigDecimal("12.3400")).type("fee", "numeric(10,4)"))
                .writeTo(dir.resolve("collide.json"));

        LoaderProcess schema = LoaderProcess.run(dir, Duration.ofSeconds(60), "schema", "--db", "db/metrics.db", "collide.json");
        assertEquals(4, schema.exitCode(), schema.describe());
        String why = ", so it cannot have a column of its own)";
        assertEquals(List.of(
                "collide.json against db/metrics.db",
                "  transaction                      1 changes",
                "  drift: transaction.batch_id: bigint, not in the migrations (kept in extra_columns: batch_id is a column of the"
                        + " loader's own in stg_transaction" + why,
                "  drift: transaction.kind: text, not in the migrations (kept in extra_columns: kind is a column of the loader's own"
                        + " in stg_transaction" + why,
                "  drift: transaction.changed_by_seq: integer, not in the migrations (kept in extra_columns: changed_by_seq is a"
                        + " column of the loader's own in current_transaction" + why,
                "  drift: transaction.Fee Amount: text, not in the migrations (kept in extra_columns: \"Fee Amount\" is not a plain"
                        + " lower-case name (letters, digits, _), which the loader's SQL writes unquoted" + why,
                "  drift: transaction.order: text, not in the migrations (kept in extra_columns: order is a word SQLite reserves" + why,
                "  drift: transaction.fee: numeric(10,4), not in the migrations (kept in extra_columns)",
                "the changelog on standard output adds what can be added; save it as migrations/" + nextMigration()
                        + "_…sql and include it in migrations/changelog.xml"), schema.stderrLines());

        Path changeset = Files.writeString(dir.resolve("015.sql"), schema.stdout());
        Process sqlite = new ProcessBuilder(SQLITE3.toString(), db.file().toString())
                .redirectInput(changeset.toFile()).redirectErrorStream(true).start();
        String output = new String(sqlite.getInputStream().readAllBytes());
        assertEquals(0, sqlite.waitFor(), output + "\n" + schema.stdout());
        assertEquals("", output, "sqlite3 applied every statement");

        db.load(wal);
        assertEquals(List.of(Map.of("fee", "12.3400",
                        "extra_columns", "{\"batch_id\":7,\"kind\":\"card\",\"changed_by_seq\":3,\"Fee Amount\":\"1.5\",\"order\":\"first\"}")),
                db.rows("select fee, extra_columns from current_transaction"));
    }

    /** The number after the highest of migrations/, as schema FILE names the file to save its changelog as. */
    private static String nextMigration() throws IOException {
        try (var files = Files.list(Path.of("migrations"))) {
            int highest = files.map(file -> file.getFileName().toString()).filter(name -> name.matches("[0-9]{3}_.*\\.sql"))
                    .mapToInt(name -> Integer.parseInt(name.substring(0, 3))).max().orElse(0);
            return String.format(java.util.Locale.ROOT, "%03d", highest + 1);
        }
    }
}
