package io.walmetrics.load;

import static io.walmetrics.testing.Rows.TRANSACTION;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaxRejectsTest {

    @TempDir
    Path dir;

    /** Three batches of two records; the second and third each carry one change that cannot land. */
    private Path walWithARejectInBatchesTwoAndThree() {
        return new WalFile()
                .batch().record(transaction("t1")).record(transaction("t2"))
                .batch().record(transaction("t3").set("amount", "abc")).record(transaction("t4"))
                .batch().record(transaction("t5")).record(transaction("t6").set("amount", "xyz"))
                .writeTo(dir.resolve("wal.json"));
    }

    @Test
    void when_rejects_stay_within_the_limit_then_every_batch_applies() {
        TestDb db = TestDb.in(dir.resolve("db"));

        LoadReport report = db.load(walWithARejectInBatchesTwoAndThree(), new LoadOptions(null, false, 2));

        assertEquals(3, report.batchesApplied());
        assertEquals(2, report.changesRejected());
        assertEquals(4, db.count("current_transaction"));
    }

    @Test
    void when_one_reject_too_many_arrives_then_the_run_stops_and_that_batch_applies_nothing() throws Exception {
        TestDb db = TestDb.in(dir.resolve("db"));

        var failure = assertThrows(LoadFailedException.class, () -> new Loader(db.jdbi())
                .load(WalInput.of(walWithARejectInBatchesTwoAndThree().toString()), new LoadOptions(null, false, 1)));

        assertInstanceOf(TooManyRejectionsException.class, failure.getCause());
        assertTrue(failure.getMessage().contains("batch 3: stopped after 2 rejected changes, more than --max-rejects 1"),
                failure.getMessage());
        assertEquals(2, failure.partialReport().batchesApplied());
        assertEquals(1, db.count("rejected_changes"));
        assertEquals(3, db.count("current_transaction"), "t1, t2, t4; nothing of batch 3");
        assertEquals(2, db.count("batch_ledger"));
        assertEquals(0, db.rows("select 1 from stg_transaction where transaction_id in ('t5', 't6')").size());
        assertEquals(TRANSACTION, db.rows("select wal_table from rejected_changes").get(0).get("wal_table"));
    }
}
