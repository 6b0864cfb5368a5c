package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walmetrics.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL file of the public challenge (shared/datasets, not part of the project): skipped where
 * it is absent, as in a fresh clone.
 */
class PublishedDatasetTest {

    private static final Path PUBLISHED = Path.of(System.getProperty("shared.datasets", "../shared/datasets"))
            .resolve("published-wal.json");

    @TempDir
    Path dir;

    @Test
    void the_published_wal_loads_to_the_529_metric_rows_the_challenge_states() {
        assumeTrue(Files.isRegularFile(PUBLISHED), "no " + PUBLISHED + " here");
        TestDb db = TestDb.in(dir);

        LoadReport report = db.load(PUBLISHED);

        assertEquals(1000, report.changesLanded());
        assertEquals(0, report.changesRejected());
        assertEquals(List.of(), report.schemaDrift(), "the migrations declare the published schema exactly");
        assertEquals(529, db.count("metrics"));
        assertEquals(529, db.rows("select count(*) as n from metrics where payment_method = 'NEVER'").get(0).get("n"));
        assertEquals(129, db.rows("""
                select count(*) as n
                from metrics as m
                join current_event as e on e.id = m.id
                where e.error_details is not null""").get(0).get("n"));
    }

    @Test
    void loading_the_published_wal_twice_applies_it_once() {
        assumeTrue(Files.isRegularFile(PUBLISHED), "no " + PUBLISHED + " here");
        TestDb db = TestDb.in(dir);
        db.load(PUBLISHED);

        LoadReport again = db.load(PUBLISHED);

        assertEquals(0, again.batchesApplied());
        assertEquals(1, again.batchesSkipped());
        assertEquals(1000, db.count("stg_event") + db.count("stg_transaction")
                + db.count("stg_transaction_request") + db.count("stg_payment_instrument_token"));
        assertEquals(529, db.count("metrics"));
    }
}
