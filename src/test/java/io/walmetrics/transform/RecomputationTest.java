package io.walmetrics.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.testing.Change;
import io.walmetrics.testing.Rows;
import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecomputationTest {

    private static final List<String> TABLES = List.of("metrics", "current_event", "current_transaction",
            "current_transaction_request", "current_payment_instrument_token", "stg_event", "batch_ledger");

    @TempDir
    Path dir;

    private Recomputation.Result recompute(TestDb db, boolean keep) {
        return db.jdbi().withHandle(handle ->
                Recomputation.run(handle, SourceCatalog.load(handle), new MetricsTransform(handle), keep));
    }

    /** Every row of the tables that matter, as text: equal snapshots mean an untouched database. */
    private List<Map<String, Object>> snapshot(TestDb db) {
        return TABLES.stream()
                .flatMap(table -> db.rows("select '" + table + "' as t, * from " + table + " order by 2").stream())
                .toList();
    }

    @Test
    void verify_finds_a_database_the_loader_maintained_consistent_and_leaves_it_untouched() {
        TestDb db = TestDb.in(dir);
        db.load(Path.of("data/wal.json"));
        var before = snapshot(db);

        Recomputation.Result result = recompute(db, false);

        assertTrue(result.consistent(), () -> result.tables().toString());
        assertEquals(263, result.replayedChanges());
        assertTrue(before.equals(snapshot(db)), "verify changed the database");
    }

    @Test
    void verify_replays_truncates_in_their_place_even_when_a_truncate_is_the_last_change_staged() {
        TestDb db = TestDb.in(dir);
        db.load(Path.of("data/wal.json"));
        db.load(new WalFile().record(Change.truncate("transaction_request"))
                .record(Rows.request("r-after", "f-after", "k-after"))
                .batch().record(Change.truncate("payment_instrument_token_data")));
        assertEquals(0, db.count("metrics"), "every metric lost its request");
        var before = snapshot(db);

        Recomputation.Result result = recompute(db, false);

        assertTrue(result.consistent(), () -> result.tables().toString());
        assertEquals(263 + 3, result.replayedChanges());
        assertEquals(List.of("r-after"), db.rows("select transaction_request_id from current_transaction_request").stream()
                .map(row -> row.get("transaction_request_id")).toList());
        assertTrue(before.equals(snapshot(db)), "verify changed the database");
    }

    @Test
    void verify_names_the_rows_that_differ_and_rebuild_puts_them_right() {
        TestDb db = TestDb.in(dir);
        db.load(Path.of("data/wal.json"));
        var consistent = snapshot(db);
        String changedMetric = (String) db.rows("select id from metrics order by id limit 1").get(0).get("id");
        db.jdbi().useHandle(handle -> {
            handle.execute("update metrics set amount = -1 where id = ?", changedMetric);
            handle.execute("insert into metrics (id, updated_in_batch) values ('ghost', 1)");
            handle.execute("update current_transaction set currency_code = 'XXX' where rowid = (select min(rowid) from current_transaction)");
        });

        Recomputation.Result verified = recompute(db, false);

        assertFalse(verified.consistent());
        var metrics = verified.tables().stream().filter(t -> t.table().equals("metrics")).findFirst().orElseThrow();
        assertEquals(2, metrics.onlyMaintained());
        assertEquals(1, metrics.onlyRecomputed());
        assertEquals(List.of(changedMetric, "ghost").stream().sorted().toList(), metrics.sampleKeys());
        var transactions = verified.tables().stream().filter(t -> t.table().equals("current_transaction")).findFirst().orElseThrow();
        assertEquals(1, transactions.onlyMaintained());

        Recomputation.Result rebuilt = recompute(db, true);

        assertFalse(rebuilt.consistent(), "rebuild reports what it replaced");
        assertTrue(recompute(db, false).consistent());
        // the rebuild is a batch of its own in the ledger, after every applied one...
        var rebuildBatch = db.rows("select batch_id, metrics_upserted, metrics_deleted from batch_ledger where input = '(rebuild)'");
        assertEquals(List.of(Map.of("batch_id", 24, "metrics_upserted", 1, "metrics_deleted", 1)), rebuildBatch);
        // ...so what it repaired is what an index following metrics picks up after the last load's batch
        assertEquals(List.of(Map.of("id", changedMetric)), db.rows("select id from metrics where updated_in_batch > 23"));
        assertEquals(List.of(Map.of("id", "ghost")), db.rows("select id from metric_deletions where deleted_in_batch = 24"));

        var repaired = snapshot(db).stream().filter(row -> !"(rebuild)".equals(row.get("input"))).toList();
        for (int i = 0; i < consistent.size(); i++) {
            Map<String, Object> expected = new java.util.TreeMap<>(consistent.get(i));
            if (changedMetric.equals(expected.get("id")) && "metrics".equals(expected.get("t"))) {
                expected.put("updated_in_batch", 24);
            }
            assertEquals(expected, repaired.get(i));
        }
        assertEquals(consistent.size(), repaired.size(), "every row back as the loader made it, and no other");
    }
}
