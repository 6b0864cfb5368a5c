package io.walmetrics.cli;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.Change;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.Rows;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source schema of file input (docs/reference.md#source-tables), through real load and watch
 * processes on real SQLite files: a change of a source table's name in another schema than the
 * source schema is ignored, never landed; {@code --schema} names the source schema; a database
 * that follow set up with a schema keeps it, and refuses another.
 */
class SourceSchemaOptionTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String REFUSED = "metrics.db: the sources of this database are the tables of schema shadow"
            + " (follow recorded it in source_identity), not of --schema public: leave --schema out, or load into another --db";

    @TempDir
    Path dir;

    /**
     * One joined flow in public, then in shadow the same transaction with another amount, a second
     * event and a truncate of the tokens: a shadow change that landed would change the amount, add
     * a metric row or empty the tokens.
     */
    private Path mixedFile() {
        return new WalFile()
                .batch().record(token("k1"), request("r1", "f1", "k1"), transaction("t1"), event("e1", "t1", "f1"))
                .batch().record(transaction("t1").inSchema("shadow").set("amount", 1), event("e2", "t1", "f1").inSchema("shadow"),
                        Change.truncate(Rows.TOKEN).inSchema("shadow"))
                .writeTo(dir.resolve("mixed.json"));
    }

    @Test
    void load_lands_the_changes_of_public_and_counts_those_of_another_schema_as_ignored() {
        mixedFile();
        LoaderProcess load = run("load", "--db", "metrics.db", "mixed.json");

        assertEquals(0, load.exitCode(), load.describe());
        assertEquals(List.of("  changes  4 landed, 3 ignored (other tables and kinds), 0 rejected"), changesLine(load));
        TestDb db = new TestDb(dir);
        assertEquals(List.of(Map.of("id", "e1", "amount", 58179)), db.rows("select id, amount from metrics"));
        assertEquals(List.of(Map.of("transaction_id", "t1", "amount", 58179)),
                db.rows("select transaction_id, amount from current_transaction"));
        assertEquals(List.of(Map.of("id", "e1")), db.rows("select id from current_event"));
        assertEquals(List.of(Map.of("token_id", "k1")), db.rows("select token_id from current_payment_instrument_token"));
        assertEquals(List.of(), db.rows("select * from stg_truncate"));
        assertEquals(List.of(Map.of("n", 4)), db.rows("""
                select (select count(*) from stg_event) + (select count(*) from stg_transaction)
                     + (select count(*) from stg_transaction_request) + (select count(*) from stg_payment_instrument_token) as n"""));
    }

    @Test
    void load_schema_names_the_source_schema() {
        mixedFile();
        LoaderProcess load = run("load", "--db", "metrics.db", "--schema", "shadow", "mixed.json");

        assertEquals(0, load.exitCode(), load.describe());
        assertEquals(List.of("  changes  3 landed, 4 ignored (other tables and kinds), 0 rejected"), changesLine(load));
        TestDb db = new TestDb(dir);
        assertEquals(List.of(), db.rows("select id from metrics"));
        assertEquals(List.of(Map.of("transaction_id", "t1", "amount", 1)),
                db.rows("select transaction_id, amount from current_transaction"));
        assertEquals(List.of(Map.of("id", "e2")), db.rows("select id from current_event"));
        assertEquals(List.of(), db.rows("select token_id from current_payment_instrument_token"));
    }

    @Test
    void a_database_followed_with_a_schema_loads_that_schema_and_refuses_another_in_one_line() throws IOException {
        mixedFile();
        TestDb db = followedWithShadow();

        LoaderProcess refused = run("load", "--db", "metrics.db", "--schema", "public", "mixed.json");
        assertEquals(1, refused.exitCode(), refused.describe());
        assertEquals(List.of(REFUSED), refused.stderrLines(), refused.describe());
        assertEquals(List.of(Map.of("n", 0)), db.rows("select count(*) as n from batch_ledger"), "a refused load applied");

        LoaderProcess load = run("load", "--db", "metrics.db", "mixed.json");
        assertEquals(0, load.exitCode(), load.describe());
        assertEquals(List.of("  changes  3 landed, 4 ignored (other tables and kinds), 0 rejected"), changesLine(load));
        assertEquals(List.of(Map.of("transaction_id", "t1", "amount", 1)),
                db.rows("select transaction_id, amount from current_transaction"));

        Files.copy(dir.resolve("mixed.json"), dir.resolve("again.json"));
        LoaderProcess same = run("load", "--db", "metrics.db", "--schema", "shadow", "again.json");
        assertEquals(0, same.exitCode(), same.describe());
    }

    @Test
    void watch_lands_the_source_schema_alone_and_refuses_another_than_the_databases_at_start() throws Exception {
        Path inbox = Files.createDirectory(dir.resolve("inbox"));
        Files.move(mixedFile(), inbox.resolve("mixed.json"));
        try (LoaderProcess watch = LoaderProcess.start(dir, "watch", "--db", "metrics.db", "--interval", "0.2", "inbox")) {
            String applied = "inbox/mixed.json: 2 batches applied, 4 changes landed, 1 metric rows now";
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!watch.stderrLines().contains(applied)) {
                if (!watch.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("watch did not say \"" + applied + "\" within " + PATIENCE.toSeconds() + " s: "
                            + watch.describe());
                }
                Thread.sleep(50);
            }
            assertEquals(0, watch.terminate(PATIENCE), watch.describe());
        }
        TestDb db = new TestDb(dir);
        assertEquals(List.of(Map.of("id", "e1", "amount", 58179)), db.rows("select id, amount from metrics"));

        Path other = Files.createDirectories(dir.resolve("followed"));
        TestDb followed = followedWithShadow(other);
        try (LoaderProcess watch = LoaderProcess.run(other, PATIENCE, "watch", "--db", "metrics.db", "--schema", "public",
                "--interval", "0.2", inbox.toString())) {
            assertEquals(1, watch.exitCode(), watch.describe());
            assertEquals(List.of(REFUSED), watch.stderrLines(), watch.describe());
        }
        assertEquals(List.of(Map.of("n", 0)), followed.rows("select count(*) as n from batch_ledger"));
    }

    @Test
    void a_schema_name_that_is_no_postgresql_name_is_a_usage_error() {
        mixedFile();
        LoaderProcess load = run("load", "--db", "metrics.db", "--schema", "", "mixed.json");

        assertEquals(2, load.exitCode(), load.describe());
        assertEquals("--schema must be a PostgreSQL schema name: 1 to 63 bytes, without ' (as in pg_namespace, unquoted)",
                load.stderrLines().get(0), load.describe());
    }

    private TestDb followedWithShadow() {
        return followedWithShadow(dir);
    }

    /** dir/metrics.db as follow leaves it once set up with --schema shadow: its source_identity row. */
    private static TestDb followedWithShadow(Path dir) {
        TestDb db = new TestDb(dir);
        db.jdbi().useHandle(handle -> handle.execute("""
                insert into source_identity (only_row, system_identifier, database_name, slot_name, schema_name, recorded_at)
                values (1, '7715000000000000001', 'shop', 'walmetrics', 'shadow', '2026-12-04T19:00:00Z')"""));
        return db;
    }

    private LoaderProcess run(String... args) {
        try (LoaderProcess process = LoaderProcess.run(dir, PATIENCE, args)) {
            return process;
        }
    }

    private static List<String> changesLine(LoaderProcess load) {
        return load.stderrLines().stream().filter(line -> line.startsWith("  changes")).toList();
    }
}
