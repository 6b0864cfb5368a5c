package io.walmetrics.load;

import static io.walmetrics.testing.Rows.event;
import static io.walmetrics.testing.Rows.request;
import static io.walmetrics.testing.Rows.token;
import static io.walmetrics.testing.Rows.transaction;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.TestDb;
import io.walmetrics.testing.WalFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadScenarioTest {

    @TempDir
    Path dir;

    @Test
    void when_all_four_rows_arrive_in_one_batch_then_one_metric_row_joins_them() {
        TestDb db = TestDb.in(dir);
        db.load(new WalFile().record(transaction("t1"), token("k1"), request("r1", "f1", "k1"), event("e1", "t1", "f1")));

        var metric = db.metric("e1");
        assertEquals("f1", metric.get("flow_id"));
        assertEquals("t1", metric.get("transaction_id"));
        assertEquals(58179, metric.get("amount"));
        assertEquals("DO_NOT_HONOR", metric.get("decline_reason"));
        assertEquals("SOFT", metric.get("decline_type"));
        assertEquals("NEVER", metric.get("payment_method"));
        assertEquals("cust-1", metric.get("customer_id"));
        assertEquals("{\"response_code\": \"AUTH_SUCCESS\"}", metric.get("three_d_secure_authentication"));
    }
}
