package io.walmetrics.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walmetrics.schema.Database;
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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent runs (docs/reference.md#concurrent-runs): loaders started at once against one database do not corrupt it or
 * apply a batch twice; "the second waits (busy timeout) or fails with a clear message".
 *
 * <p>What this suite takes that to allow, for each loader: exit 0 with its one JSON summary on
 * standard output; or exit 1 with one line on standard error that says another connection holds the
 * database's write lock and is true (a loader that says it waited out the busy timeout has waited that long).
 * A raw driver message, a stack trace, or a claim of waiting it did not do is not clear.
 * Whatever the loaders did, the database must end as one sequential load would leave it, once a
 * loader that failed has been run again.
 */
class ConcurrencyTest {

    /** Longer than the busy timeout, so a loader that waits it out can end by itself. */
    private static final Duration LIMIT = Duration.ofMillis(Database.BUSY_TIMEOUT_MILLIS + 60_000);
    private static final int FRESH_DATABASE_ROUNDS = 3;

    @TempDir
    Path dir;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private CompletableFuture<?> background = CompletableFuture.completedFuture(null);

    @AfterEach
    void printWhatHappened() {
        background.handle((result, error) -> null).join();
        System.out.println(getClass().getSimpleName() + ":\n  " + String.join("\n  ", List.copyOf(log)));
    }

    @Test
    void two_loaders_of_the_same_file_started_at_once_apply_each_batch_once_and_end_like_a_single_load() throws Exception {
        Path wal = dir.resolve("wal.json");
        int total = GeneratedWal.write(wal, 11, 1_500);
        Path work = TestDb.in(dir.resolve("shared")).dir();
        CompletableFuture<LoadedState> single = inBackground(() -> sequentialLoad(wal));
        SqliteFile db = new SqliteFile(work.resolve("metrics.db"));

        List<LoaderProcess> loaders = runTogether(work, List.of("../wal.json", "../wal.json"));

        List<String> problems = problemsAgainstSpec(loaders);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        long applied = 0;
        for (LoaderProcess loader : loaders.stream().filter(loader -> loader.exitCode() == 0).toList()) {
            Map<String, Number> summary = loader.jsonSummary();
            assertEquals(total, summary.get("batches_read").longValue(), loader.describe());
            assertEquals(total, summary.get("batches_applied").longValue() + summary.get("batches_skipped").longValue(),
                    "every batch read is applied or skipped: " + loader.describe());
            applied += summary.get("batches_applied").longValue();
        }
        if (loaders.stream().allMatch(loader -> loader.exitCode() == 0)) {
            assertEquals(total, applied, "between them the two loaders applied each batch once");
        }
        rerunWhatFailed(work, loaders);

        LoadedState.assertConsistent(db, "after two loaders of one file");
        assertEquals(total, db.number("select count(*) from batch_ledger"), "each batch in the ledger once");
        assertSameState(single.join(), LoadedState.exact(db), "two loaders of one file against a single load");
    }

    @Test
    void two_loaders_of_different_files_started_at_once_apply_both_files_once_and_end_like_loading_them_in_turn()
            throws Exception {
        // different seeds: flows with ids of their own, so the order of the two files does not matter
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        int firstBatches = GeneratedWal.write(first, 21, 1_000);
        int secondBatches = GeneratedWal.write(second, 22, 1_000);
        Path work = TestDb.in(dir.resolve("shared")).dir();
        CompletableFuture<LoadedState> inTurn = inBackground(() -> sequentialLoad(first, second));
        SqliteFile db = new SqliteFile(work.resolve("metrics.db"));

        List<LoaderProcess> loaders = runTogether(work, List.of("../first.json", "../second.json"));

        List<String> problems = problemsAgainstSpec(loaders);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        rerunWhatFailed(work, loaders);

        LoadedState.assertConsistent(db, "after two loaders of two files");
        List<Object> inputs = db.column("select input from batch_ledger order by batch_id");
        String firstInput = first.toRealPath().toString();
        assertEquals(firstBatches, inputs.stream().filter(firstInput::equals).count(), "batches of the first file");
        assertEquals(firstBatches + secondBatches, inputs.size(), "batches of both files");
        int turns = 0;
        for (int i = 1; i < inputs.size(); i++) {
            turns += inputs.get(i).equals(inputs.get(i - 1)) ? 0 : 1;
        }
        log.add("the ledger switches between the two files " + turns + " times in " + inputs.size() + " batches");
        assertSameState(inTurn.join(), LoadedState.orderFree(db), "two loaders of two files against loading them in turn");
    }

    /**
     * Both loaders find no database: both create it and run the Liquibase migrations at the same
     * moment. Raced a few times, since who wins, and where, varies from run to run.
     */
    @Test
    void two_loaders_started_at_once_on_a_fresh_database_both_migrate_and_load_it_or_one_says_clearly_why_not()
            throws Exception {
        Path wal = dir.resolve("wal.json");
        int total = GeneratedWal.write(wal, 5, 60);
        LoadedState single = sequentialLoad(wal);
        long changesets = new SqliteFile(dir.resolve("sequential").resolve("metrics.db")).number("select count(*) from databasechangelog");

        List<String> problems = new ArrayList<>();
        for (int round = 1; round <= FRESH_DATABASE_ROUNDS; round++) {
            Path work = Files.createDirectories(dir.resolve("fresh-" + round));
            SqliteFile db = new SqliteFile(work.resolve("metrics.db"));
            List<LoaderProcess> loaders = runTogether(work, List.of("../wal.json", "../wal.json"));
            String context = "round " + round + " on a fresh database";
            problemsAgainstSpec(loaders).forEach(problem -> problems.add(context + ": " + problem));
            // what follows would break every later run: fail at once
            assertEquals(0, db.number("select locked from databasechangeloglock"), context + ": Liquibase's lock is released");
            assertEquals(changesets, db.number("select count(*) from databasechangelog"), context + ": each changeset applied once");
            rerunWhatFailed(work, loaders);
            LoadedState.assertConsistent(db, context);
            assertEquals(total, db.number("select count(*) from batch_ledger"), context + ": each batch in the ledger once");
            assertSameState(single, LoadedState.exact(db), context + ", against a single load");
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // ---- running loaders

    /**
     * Starts a loader per input, all at once on the database of {@code work}, and waits for them
     * all to exit; kills them all if one does not.
     */
    private List<LoaderProcess> runTogether(Path work, List<String> inputs) {
        List<LoaderProcess> loaders = new ArrayList<>();
        try {
            for (String input : inputs) {
                loaders.add(LoaderProcess.start(work, "load", "--db", "metrics.db", "--json", input));
            }
            for (LoaderProcess loader : loaders) {
                loader.awaitExit(LIMIT);
            }
        } catch (RuntimeException | AssertionError e) {
            loaders.forEach(LoaderProcess::close);
            throw e;
        }
        for (LoaderProcess loader : loaders) {
            log.add(String.format("%s, %s %s: exit %d after %.1f s: %s", work.getFileName(), loader.name(),
                    loader.args()[loader.args().length - 1], loader.exitCode(), loader.elapsed().toMillis() / 1000.0,
                    outcome(loader)));
        }
        return loaders;
    }

    /** A loader that ended in a way docs/reference.md#concurrent-runs allows may have failed; it runs again, alone, to the end. */
    private void rerunWhatFailed(Path work, List<LoaderProcess> loaders) {
        for (LoaderProcess failed : loaders) {
            if (failed.exitCode() == 0) {
                continue;
            }
            try (LoaderProcess again = LoaderProcess.start(work, failed.args())) {
                assertEquals(0, again.awaitExit(LIMIT), "run again alone: " + again.describe());
                log.add(work.getFileName() + ": run again alone, it applied " + again.jsonSummary().get("batches_applied"));
            }
        }
    }

    /** What docs/reference.md#concurrent-runs does not allow in how each loader ended. */
    private static List<String> problemsAgainstSpec(List<LoaderProcess> loaders) {
        List<String> problems = new ArrayList<>();
        for (LoaderProcess loader : loaders) {
            int exit = loader.exitCode();
            if (exit == 0) {
                try {
                    loader.jsonSummary();
                } catch (AssertionError notJson) {
                    problems.add("a loader that succeeded broke its --json output: " + notJson.getMessage());
                }
                continue;
            }
            // the notice that it waits for the lock, after a second of waiting, precedes the error line
            List<String> lines = loader.stderrLines().stream()
                    .filter(waiting -> !waiting.contains("waiting for the database's write lock")).toList();
            String line = lines.isEmpty() ? "" : lines.get(0);
            if (exit != 1 || lines.size() != 1) {
                problems.add("a loader that failed must exit 1 with one line:\n" + loader.describe());
            } else if (!line.contains("write lock stayed held by another connection") && !line.contains("another process wrote")) {
                problems.add("a loader that failed must say that another connection holds the database's lock; it said: " + line);
            } else if (line.contains("--lock-timeout") && loader.elapsed().toMillis() < Database.BUSY_TIMEOUT_MILLIS) {
                problems.add(String.format("a loader says it waited out the busy timeout (%d s) but ended after %.1f s: %s",
                        Database.BUSY_TIMEOUT_MILLIS / 1000, loader.elapsed().toMillis() / 1000.0, line));
            }
        }
        return problems;
    }

    // ---- references

    /** The files loaded one after the other, in-process, into a fresh database. */
    private LoadedState sequentialLoad(Path... wals) {
        TestDb reference = TestDb.in(dir.resolve("sequential"));
        for (Path wal : wals) {
            reference.load(wal);
        }
        SqliteFile db = new SqliteFile(reference.file());
        return wals.length == 1 ? LoadedState.exact(db) : LoadedState.orderFree(db);
    }

    private <T> CompletableFuture<T> inBackground(java.util.function.Supplier<T> work) {
        CompletableFuture<T> future = CompletableFuture.supplyAsync(work);
        background = future;
        return future;
    }

    private static void assertSameState(LoadedState expected, LoadedState actual, String what) {
        List<String> differences = actual.differencesFrom(expected);
        assertTrue(differences.isEmpty(), what + ":\n  " + String.join("\n  ", differences));
    }

    private static String outcome(LoaderProcess loader) {
        if (loader.exitCode() != 0) {
            String stderr = String.join(" | ", loader.stderrLines());
            return stderr.length() > 300 ? stderr.substring(0, 300) + "…" : stderr;
        }
        try {
            Map<String, Number> summary = loader.jsonSummary();
            return "applied " + summary.get("batches_applied") + ", skipped " + summary.get("batches_skipped");
        } catch (AssertionError notJson) {
            return "standard output is not one JSON object: " + loader.stdout().lines().findFirst().orElse("");
        }
    }
}
