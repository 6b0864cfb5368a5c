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
