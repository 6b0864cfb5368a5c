package io.walmetrics.cli;

import io.walmetrics.schema.DatabaseSnapshot;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.transform.MetricsTransform;
import io.walmetrics.transform.Recomputation;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** verify and rebuild: the same recomputation, rolled back or kept. */
abstract class RecomputeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    abstract boolean keep();

    private long started;

    @Override
    public Integer call() {
        started = System.nanoTime();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Recomputation.Result result = keep() ? rebuild() : verify();
            err.printf(Locale.ROOT, "%s: %s from %,d staged changes%n", common.db,
                    keep() ? "rebuilt current state and metrics" : "recomputed current state and metrics",
                    result.replayedChanges());
            for (Recomputation.TableDifference table : result.tables()) {
                if (table.none()) {
                    err.printf(Locale.ROOT, "  %-34s same%n", table.table());
                } else {
                    err.printf(Locale.ROOT, "  %-34s %,d rows only as maintained, %,d only as recomputed (%s%s)%n",
                            table.table(), table.onlyMaintained(), table.onlyRecomputed(),
                            String.join(", ", table.sampleKeys()), table.sampleKeys().size() < 5 ? "" : ", …");
                }
            }
            if (result.consistent()) {
                err.println(keep() ? "nothing had drifted; the database is as it was" : "consistent");
                return ExitCode.OK;
            }
            err.println(keep() ? "rebuilt: the rows above now hold the recomputed values"
                    : "differences found; `rebuild` replaces the maintained rows with the recomputed ones");
            return keep() ? ExitCode.OK : ExitCode.DIFFERENT;
        } catch (java.io.IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
    }

    /** Replays on a private copy of the database, so that the database itself is only read. */
    private Recomputation.Result verify() throws java.io.IOException {
        Jdbi readOnly = common.openToRead();
        progress("copying the database to the temporary folder, so that it is only read");
        try (DatabaseSnapshot snapshot = DatabaseSnapshot.of(readOnly)) {
            return recompute(snapshot.jdbi(), false);
        }
    }

    private Recomputation.Result rebuild() throws java.io.IOException {
        LockWait lockWait = LockWait.SILENT;
        return recompute(LoaderDatabase.openExistingToWrite(common.db, common.verbose, lockWait), true);
    }

    private Recomputation.Result recompute(Jdbi jdbi, boolean keep) {
        try (Handle handle = jdbi.open(); MetricsTransform transform = new MetricsTransform(handle)) {
            return Recomputation.run(handle, SourceCatalog.load(handle), transform, keep, this::progress);
        }
    }

    /** On a terminal, each step as it starts, with the time so far: a large database takes minutes. */
    private void progress(String step) {
        if (System.console() != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "%s: %s… (%.1f s)%n", spec.name(), step, (System.nanoTime() - started) / 1e9);
            err.flush();
        }
    }

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = {
                "Recomputes current state and metrics from the staging tables, from scratch, and compares them "
                    + "with the ones the loader maintained. Changes nothing: the database is opened read-only.",
                "",
                "Every staged change is folded again, in order, by the loader's own fold (sql/fold/), and every metric is re-derived, "
                    + "on a copy of the database in the temporary folder (as large as the database), deleted afterwards."},
            footer = {"",
                "Example:",
                "  java -jar target/wal-metrics-loader.jar verify --db metrics.db",
                "",
                "Exit codes: 0 consistent, 1 fatal error, 2 usage error, 4 differences found."})
    static final class Verify extends RecomputeCommand {
        @Override
        boolean keep() {
            return false;
        }
    }

    @Command(name = "rebuild",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = {
                "Replaces current state and metrics with their recomputation from the staging tables.",
                "",
                "The same recomputation as verify, committed. Metric rows that do not change keep their "
                    + "updated_in_batch."},
            footer = {"",
                "Example:",
                "  java -jar target/wal-metrics-loader.jar rebuild --db metrics.db",
                "",
                "Exit codes: 0 done, 1 fatal error, 2 usage error."})
    static final class Rebuild extends RecomputeCommand {
        @Override
        boolean keep() {
            return true;
        }
    }
}
