package io.walmetrics.schema;

import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
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
            return db.jdbi().withHandle(handle -> WalSchemaReport.scan(reader, SourceCatalog.load(handle)));
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
}
