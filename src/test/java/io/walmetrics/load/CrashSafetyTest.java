package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.testing.GeneratedWal;
import io.walmetrics.testing.LoadedState;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.SqliteFile;
import io.walmetrics.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomic (docs/reference.md#batches): a loader killed with {@code kill -9} at any moment leaves the database as of its
 * last committed batch, and rerunning it finishes the job with the result of an uninterrupted run.
 *
 * <p>The loader runs as a real child JVM and is killed with SIGKILL; kill moments come from
 * observed progress (the ledger's row count, read through a read-only connection) rather than
 * from clock time, so they stay in the middle of the load however fast the loader gets. After
 * every kill the database must pass {@code pragma integrity_check} and the invariants of a
 * committed state ({@link LoadedState#assertConsistent}): no staging row outside the ledger, every
 * ledger batch with exactly its {@code changes_landed} staging rows (no batch half applied), and
 * {@code metrics} equal to the {@code current_metric} view.
 *
 * <p>The input and the kill plan come from a seed printed with the test's log; {@code
 * -Dcrash.seed=N} replays them (where exactly a kill lands still depends on timing).
 */
class CrashSafetyTest {

    /** About 1,500 batches and 19,000 changes: several seconds of loading on the project's machine. */
    private static final int FLOWS = 3_000;
    private static final int RANDOM_KILLS = 3;
    /** A run that applies no batch for this long is stuck, not slow. */
    private static final Duration STUCK = Duration.ofSeconds(30);
    private static final Duration RUN_LIMIT = Duration.ofSeconds(120);
    private static final String LEDGER_ROWS = "select count(*) from batch_ledger";
    private static final String LIQUIBASE_LOCKED = "select locked from databasechangeloglock where id = 1";

    @TempDir
    Path dir;

    /** What the test saw, printed at the end and carried by a failure. */
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private int kills;
    /** Work on another thread that must end before the test's folder is deleted. */
    private CompletableFuture<?> background = CompletableFuture.completedFuture(null);

    @AfterEach
    void awaitBackgroundWork() {
        background.handle((result, error) -> null).join();
    }

    // ---- the tests

    @Test
    void killing_the_loader_at_random_moments_and_rerunning_it_ends_exactly_like_an_uninterrupted_load() throws Exception {
        long seed = seed();
        Random random = new Random(seed);
        reportingSeed(seed, () -> {
            Path wal = dir.resolve("wal.json");
            int total = GeneratedWal.write(wal, seed, FLOWS);
            // in-process on the other core while the child loaders run
            CompletableFuture<LoadedState> uninterrupted = CompletableFuture.supplyAsync(() -> uninterruptedLoad(wal));
            background = uninterrupted;
            Path work = Files.createDirectories(dir.resolve("killed"));
            SqliteFile db = new SqliteFile(work.resolve("metrics.db"));
            log.add("input: " + total + " batches (" + FLOWS + " flows, generator seed " + seed + ")");

            List<Kill> kills = new ArrayList<>();
            // while the JVM starts: no database file yet
            kills.add(killAfter(work, db, "during JVM start", Duration.ofMillis(150 + random.nextInt(250))));
            // among the first batches, right after the first run's schema migration
            kills.add(killOnceLedgerReaches(work, db, "after the first batch", 1, random.nextInt(20)));
            for (long threshold : randomThresholds(random, total)) {
                kills.add(killOnceLedgerReaches(work, db, "after " + threshold + " batches", threshold, random.nextInt(25)));
            }
            for (int k = 1; k < kills.size(); k++) {
                Kill previous = kills.get(k - 1);
                Kill kill = kills.get(k);
                if (previous.ledgerAfter() < total) {
                    assertTrue(kill.ledgerAfter() > previous.ledgerAfter(),
                            "the run after kill " + k + " applied no batch before kill " + (k + 1));
                }
            }

            long beforeFinal = db.number(LEDGER_ROWS);
            Map<String, Number> summary = runToCompletion(work, db);
            long applied = summary.get("batches_applied").longValue();
            log.add(String.format("final run: %d batches in the ledger before, applied %d, skipped %d",
                    beforeFinal, applied, summary.get("batches_skipped").longValue()));
            assertEquals(total, summary.get("batches_read").longValue(), "batches read by the final run");
            assertEquals(beforeFinal, summary.get("batches_skipped").longValue(), "the final run skips what was committed");
            assertEquals(total - beforeFinal, applied, "the final run applies what was not");
            if (beforeFinal < total) {
                assertTrue(applied > 0, "the final run finished an interrupted load");
            }
            LoadedState.assertConsistent(db, "after the final run");
            assertSameState(uninterrupted.join(), LoadedState.exact(db), "the killed and rerun load against an uninterrupted one");
        });
    }

    /**
     * A run that has migrations to apply (the first run, or the first after an upgrade) applies
     * them one Liquibase changeset at a time, holding Liquibase's changelog lock (a row of
     * {@code databasechangeloglock}); a kill then must not leave a database that the next run
     * cannot use.
     */
    @Test
    void a_kill_while_the_first_run_migrates_the_schema_leaves_a_database_that_a_rerun_completes() throws Exception {
        long seed = seed();
        Random random = new Random(seed);
        reportingSeed(seed, () -> {
            Path wal = dir.resolve("wal.json");
            int total = GeneratedWal.write(wal, seed, 100);
            LoadedState uninterrupted = uninterruptedLoad(wal);
            long changesets = new SqliteFile(dir.resolve("uninterrupted").resolve("metrics.db"))
                    .number("select count(*) from databasechangelog");
            Path work = Files.createDirectories(dir.resolve("killed"));
            SqliteFile db = new SqliteFile(work.resolve("metrics.db"));

            long applied = random.nextInt((int) changesets);
            Kill kill = kill(work, db, "once the first run has applied " + applied + " of " + changesets + " changesets",
                    loader -> awaitValue(loader, db, "select count(*) from databasechangelog", applied));
            assertEquals(LoaderProcess.KILLED_BY_SIGKILL, kill.exitStatus(), "the kill landed before the loader ended");

            Map<String, Number> summary = runToCompletion(work, db);
            assertEquals(total, summary.get("batches_applied").longValue(), "the rerun applies every batch");
            LoadedState.assertConsistent(db, "after the rerun");
            assertSameState(uninterrupted, LoadedState.exact(db), "the rerun after the kill against an uninterrupted load");
        });
    }

    // ---- kills

    /**
     * One killed run.
     *
     * @param exitStatus  137 when the kill ended the loader, its own exit code when it had ended before
     * @param ledgerAfter batches in the ledger after the kill
     */
    private record Kill(String moment, int exitStatus, long ledgerBefore, long ledgerAfter, String state) {
    }

    /** Waits in a running loader for the moment to kill it; false when the loader ended first. */
    private interface Moment {
        boolean await(LoaderProcess loader) throws InterruptedException;
    }

    private Kill killAfter(Path work, SqliteFile db, String name, Duration delay) throws Exception {
        return kill(work, db, name + " (" + delay.toMillis() + " ms after start)", loader -> {
            Thread.sleep(delay.toMillis());
            return loader.isAlive();
        });
    }

    private Kill killOnceLedgerReaches(Path work, SqliteFile db, String name, long batches, int extraMillis) throws Exception {
        // a file's batches commit in groups, so the ledger moves in jumps and may have passed the
        // planned point already: then wait for this run's own first commit
        long atStart = db.exists() && db.hasTable("batch_ledger") ? db.number(LEDGER_ROWS) : 0;
        long target = Math.max(batches, atStart + 1);
        return kill(work, db, name + (target > batches ? ", that is " + target : "") + " (+" + extraMillis + " ms)", loader -> {
            if (!awaitValue(loader, db, LEDGER_ROWS, target)) {
                return false;
            }
            Thread.sleep(extraMillis);
            return true;
        });
    }

    /**
     * Starts a loader on the input and kills it at the moment; then checks that what it left is
     * a consistent committed state, and logs what the kill interrupted.
     */
    private Kill kill(Path work, SqliteFile db, String moment, Moment when) throws Exception {
        long before = db.exists() && db.hasTable("batch_ledger") ? db.number(LEDGER_ROWS) : 0;
        int status;
        try (LoaderProcess loader = LoaderProcess.start(work, "load", "--db", "metrics.db", "--json", "../wal.json")) {
            boolean killedRunning = when.await(loader);
            status = loader.kill();
            if (!killedRunning || status != LoaderProcess.KILLED_BY_SIGKILL) {
                assertEquals(0, status, "a loader that ended before the kill " + moment + " ended well:\n" + loader.describe());
            }
        }
        String state = LoadedState.assertConsistent(db, "after the kill " + moment);
        long after = db.exists() && db.hasTable("batch_ledger") ? db.number(LEDGER_ROWS) : 0;
        String schemaLock = db.exists() && db.hasTable("databasechangeloglock")
                && db.number(LIQUIBASE_LOCKED) == 1 ? "; Liquibase's changelog lock left held" : "";
        Kill kill = new Kill(moment, status, before, after, state);
        log.add(String.format("kill %d %s: %s; ledger %d -> %d (this run applied %d); %s%s", ++kills, moment,
                status == LoaderProcess.KILLED_BY_SIGKILL ? "SIGKILL ended it" : "it had ended with " + status,
                before, after, after - before, state, schemaLock));
        return kill;
    }

    /**
     * Polls a number of the database until it reaches {@code target}; false when the loader ended
     * first. Fails when the number stays still for {@link #STUCK}.
     */
    private static boolean awaitValue(LoaderProcess loader, SqliteFile db, String sql, long target) throws InterruptedException {
        long seen = Long.MIN_VALUE;
        long seenAt = System.nanoTime();
        while (loader.isAlive()) {
            long value = db.peekNumber(sql).orElse(-1L);
            if (value >= target) {
                return true;
            }
            if (value != seen) {
                seen = value;
                seenAt = System.nanoTime();
            } else if (System.nanoTime() - seenAt > STUCK.toNanos()) {
                throw new AssertionError("no progress for " + STUCK.toSeconds() + " s (" + sql + " = " + value
                        + ", waiting for " + target + ")\n" + loader.describe());
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** Distinct ledger counts in the middle of the load, ascending. */
    private static List<Long> randomThresholds(Random random, int total) {
        List<Long> thresholds = new ArrayList<>();
        for (int i = 0; i < RANDOM_KILLS; i++) {
            thresholds.add(Math.round(total * (0.05 + 0.9 * random.nextDouble())));
        }
        thresholds.sort(null);
        for (int i = 1; i < thresholds.size(); i++) {
            thresholds.set(i, Math.max(thresholds.get(i), thresholds.get(i - 1) + 1));
        }
        return thresholds;
    }

    // ---- complete runs

    /**
     * Runs a loader until it ends by itself and returns its {@code --json} summary. Fails when
     * it ends otherwise than with 0, or stops making progress: a rerun after a kill has nobody
     * to wait for, so a loader waiting for a lock waits for a dead process.
     */
    private Map<String, Number> runToCompletion(Path work, SqliteFile db) throws Exception {
        try (LoaderProcess loader = LoaderProcess.start(work, "load", "--db", "metrics.db", "--json", "../wal.json")) {
            long seen = Long.MIN_VALUE;
            long seenAt = System.nanoTime();
            while (loader.isAlive()) {
                long batches = db.peekNumber(LEDGER_ROWS).orElse(-1L);
                if (batches != seen) {
                    seen = batches;
                    seenAt = System.nanoTime();
                }
                boolean stuck = System.nanoTime() - seenAt > STUCK.toNanos()
                        || loader.stdout().contains("Waiting for changelog lock");
                if (stuck || loader.elapsed().compareTo(RUN_LIMIT) > 0) {
                    String lock = db.peekNumber(LIQUIBASE_LOCKED).map(locked -> locked == 1 ? "held" : "free").orElse("unknown");
                    loader.kill();
                    throw new AssertionError("a rerun with no other loader running made no progress: "
                            + "Liquibase's changelog lock is " + lock + ", batches in the ledger: " + batches + "\n"
                            + loader.describe());
                }
                Thread.sleep(20);
            }
            int exit = loader.awaitExit(Duration.ofSeconds(5));
            assertEquals(0, exit, loader.describe());
            return loader.jsonSummary();
        }
    }

    /** The uninterrupted reference: the same file loaded in-process into a fresh database. */
    private LoadedState uninterruptedLoad(Path wal) {
        long started = System.nanoTime();
        TestDb reference = TestDb.in(dir.resolve("uninterrupted"));
        reference.load(wal);
        log.add(String.format("uninterrupted in-process load: %.1f s", (System.nanoTime() - started) / 1e9));
        return LoadedState.exact(new SqliteFile(reference.file()));
    }

    // ---- input, output, reporting

    private static void assertSameState(LoadedState expected, LoadedState actual, String what) {
        List<String> differences = actual.differencesFrom(expected);
        assertTrue(differences.isEmpty(), what + ":\n  " + String.join("\n  ", differences));
    }

    private static long seed() {
        return Long.getLong("crash.seed", System.nanoTime());
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs the test body; a failure carries the seed and what happened up to it. */
    private void reportingSeed(long seed, Body body) throws Exception {
        try {
            body.run();
        } catch (AssertionError | Exception e) {
            throw new AssertionError("seed " + seed + " (replay with -Dcrash.seed=" + seed + ")\n"
                    + String.join("\n", List.copyOf(log)) + "\n" + e.getMessage(), e);
        } finally {
            System.out.println(getClass().getSimpleName() + ", seed " + seed + ":\n  " + String.join("\n  ", List.copyOf(log)));
        }
    }
}
