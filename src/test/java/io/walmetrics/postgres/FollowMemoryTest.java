package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * follow's memory is bounded by configuration, not by the size of a transaction: one PostgreSQL
 * transaction of 100,000 changes (about 60 MB of wal2json text) is followed by a JVM of 128 MB of
 * heap, ends equal to PostgreSQL's own join, and the process's peak resident memory stays far
 * below what holding the transaction would take.
 */
@Tag("postgres")
class FollowMemoryTest {

    private static final int FLOWS = 25_000;
    /** Generous: the JVM's own overhead and the 128 MB heap, with room; holding the transaction took 2.1 GB. */
    private static final long PEAK_RSS_BOUND_KB = 400L * 1024;

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void one_transaction_of_100_000_changes_is_followed_with_128_mb_of_heap(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(97, dir)) {
            LoaderProcess follow = run.start(FollowRun.credentials(), List.of("-Xmx128m"), "--create-slot");
            FollowRun.awaitFollowing(follow, Duration.ofSeconds(60));
            try (Statement statement = run.writer.createStatement()) {
                String padding = "repeat('p', 400)";
                statement.execute("insert into " + run.schema.token + " (token_id, payment_instrument_type, vault_data,"
                        + " three_d_secure_authentication) select 'tok-' || g, 'PAYMENT_CARD', jsonb_build_object('customer_id',"
                        + " 'c' || g, 'padding', " + padding + "), '{\"eci\": 5}' from generate_series(1, " + FLOWS + ") g");
                statement.execute("insert into transaction_request (transaction_request_id, flow_id, token_id, created_at,"
                        + " vault_options) select md5('r' || g)::uuid, md5('f' || g)::uuid, 'tok-' || g, '2024-05-01 10:00',"
                        + " jsonb_build_object('payment_method', 'ALWAYS', 'padding', " + padding + ")"
                        + " from generate_series(1, " + FLOWS + ") g");
                statement.execute("insert into transaction (transaction_id, transaction_type, processor_merchant_account_id,"
                        + " amount, currency_code, risk_data) select md5('t' || g)::uuid, 'SALE', md5('m')::uuid, g, 'GBP',"
                        + " jsonb_build_object('padding', " + padding + ") from generate_series(1, " + FLOWS + ") g");
                statement.execute("insert into " + run.schema.event + " (" + run.schema.eventKey + ", flow_id, transaction_id,"
                        + " created_at, transaction_lifecycle_event, error_details, updates) select md5('e' || g)::uuid,"
                        + " md5('f' || g)::uuid, md5('t' || g)::uuid, '2024-05-01 10:00', 'AUTHORIZED',"
                        + " '{\"decline_reason\": \"NONE\"}', jsonb_build_object('padding', " + padding + ")"
                        + " from generate_series(1, " + FLOWS + ") g");
                run.writer.commit();
            }
            long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (run.changesLandedFromTheSlot() < 4L * FLOWS && follow.isAlive() && System.nanoTime() < until) {
                Thread.sleep(500);
            }
            assertEquals(4L * FLOWS, run.changesLandedFromTheSlot(), "changes landed from the one transaction\n" + follow.describe());
            run.awaitEqual(Duration.ofSeconds(60), follow);
            long peakKb = peakResidentKb(follow.pid());
            assertTrue(peakKb < PEAK_RSS_BOUND_KB, "follow's peak resident memory (VmHWM) was " + peakKb + " kB, not below "
                    + PEAK_RSS_BOUND_KB + " kB\n" + follow.describe());
            assertEquals(0, follow.terminate(Duration.ofSeconds(60)), follow.describe());
        }
    }

    /** The process's peak resident set size so far, from /proc (Linux). */
    private static long peakResidentKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
    }
}
