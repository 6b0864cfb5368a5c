package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code follow} against the real PostgreSQL 15 with wal2json: real follow processes read a real
 * replication slot into a real SQLite file, and the result must equal PostgreSQL's own tables and
 * join. Needs the server of {@code .ci/postgres-setup.sh} (skipped without it unless
 * WALMETRICS_POSTGRES_REQUIRED=1).
 */
@Tag("postgres")
class FollowTest {

    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_workload_in_many_transactions_while_follow_runs_ends_equal_to_postgresql(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(11, dir)) {
            run.startReference();
            LoaderProcess follow = run.start("--create-slot", "--json");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            for (int round = 0; round < 6; round++) {
                run.workload.run(60);
                Thread.sleep(150);
            }
            run.awaitEqual(CATCH_UP, follow);
            CapturedWal reference = run.referenceWal();
            long expected = reference.changes() - reference.ignorable(run.schema);
            assertTrue(expected > 300, run.context() + ": the workload made only " + expected + " changes");
            assertEquals(expected, run.changesLandedFromTheSlot(), run.context() + ": changes landed from the slot, against"
                    + " what PostgreSQL decoded (more is a change applied twice, fewer one lost)");
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            assertEquals(expected, follow.jsonSummary().get("changes_landed").longValue(), follow.describe());
        }
    }
}
