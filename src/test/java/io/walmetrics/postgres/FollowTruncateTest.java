package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TRUNCATE of a source table on the real PostgreSQL, followed live: it reaches current state and
 * {@code metrics} (docs/reference.md#folding), in the transaction's order among other changes, and
 * through a restart of follow. wal2json's format-version 1 writes a truncate as an empty record, so
 * follow reads format-version 2, which carries it.
 */
@Tag("postgres")
class FollowTruncateTest {

    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_truncate_of_a_source_table_empties_its_current_rows_and_the_metrics_that_joined_them(@TempDir Path dir)
            throws Exception {
        try (FollowRun run = FollowRun.create(41, dir)) {
            run.workload.run(120);
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.workload.run(60);
            run.awaitEqual(CATCH_UP, follow);
            long before = metricRows(run);
            assertTrue(before > 20, run.context() + ": the workload made only " + before + " metric rows");

            // a truncate alone, while follow runs: PostgreSQL's join is empty, and so must metrics be
            execute(run, "truncate payment_instrument_token_data");
            run.awaitEqual(CATCH_UP, follow);
            assertEquals(List.of(0L, 0L), List.of(metricRows(run), currentRows(run, "current_payment_instrument_token")),
                    run.context() + ": metrics and current tokens after the truncate");

            // rows come back, and a truncate in the middle of a transaction with changes on both sides
            run.workload.run(60);
            execute(run, "begin", "update transaction set amount = amount / 2",
                    "truncate transaction_request", "update transaction set amount = amount / 2", "commit");
            run.awaitEqual(CATCH_UP, follow);
            assertEquals(0L, currentRows(run, "current_transaction_request"), run.context() + ": requests after the truncate");
            assertEquals(0, follow.terminate(Duration.ofSeconds(30)), follow.describe());

            // a truncate while follow is stopped arrives when it resumes
            run.workload.run(60);
            LoaderProcess resumed = run.start();
            FollowRun.awaitFollowing(resumed, CATCH_UP);
            run.awaitEqual(CATCH_UP, resumed);
            assertTrue(metricRows(run) > 0, run.context() + ": the workload after the truncates made no metric rows");
            execute(run, "truncate event_v2_data");
            run.awaitEqual(CATCH_UP, resumed);
            assertEquals(Map.of("metrics", 0L, "truncates", 3L),
                    Map.of("metrics", metricRows(run), "truncates", run.sqlite().jdbi().withHandle(handle ->
                            handle.createQuery("select count(*) from stg_truncate").mapTo(Long.class).one())),
                    run.context() + ": every truncate landed once, the last one emptied metrics");
            assertEquals(0, resumed.terminate(Duration.ofSeconds(30)), resumed.describe());
        }
    }

    private static void execute(FollowRun run, String... statements) throws Exception {
        try (Statement statement = run.reader.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static long metricRows(FollowRun run) {
        return currentRows(run, "metrics");
    }

    private static long currentRows(FollowRun run, String table) {
        return run.sqlite().jdbi().withHandle(handle ->
                handle.createQuery("select count(*) from " + table).mapTo(Long.class).one());
    }
}
