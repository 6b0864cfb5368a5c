package io.walmetrics.cli;

import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.watch.FolderWatch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Polls a folder for WAL files (*.json, *.jsonl) and applies each, oldest name first, until stopped.",
            "",
            "The ledger decides what is applied, as for load: a file applied before applies nothing again, "
                + "a file that has grown applies its new batches. A faulty file is reported and retried once it "
                + "changes. SIGTERM or Ctrl-C stops after the batch in hand, with exit code 0."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar watch --interval 5 inbox",
            "",
            "Write a file under another name (a dot file, or another extension) and rename it into place once complete.",
            "",
            "Exit codes: 0 stopped, 1 fatal error (the folder or the database cannot be used), 2 usage error."})
final class WatchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder the WAL files appear in.")
    Path folder;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between two looks at the folder; fractions allowed (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Mixin
    BatchOptions batchOptions;

    @Mixin
    SourceSchemaOption sourceSchema;

    @Override
    public Integer call() {
        if (!(intervalSeconds > 0) || intervalSeconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be more than 0 and at most 86400 seconds");
        }
        LoadOptions options = batchOptions.loadOptions(spec.commandLine(), false)
                .withSourceSchema(sourceSchema.checked(spec.commandLine()));
        LockWait lockWait = lockTimeout.lockWait(spec.commandLine(), common.db);
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(folder)) {
            err.println(folder + ": no such folder");
            err.flush();
            return ExitCode.FAILED;
        }
        Duration interval = Duration.ofNanos(Math.round(intervalSeconds * 1e9));
        StopThenExitZero stop = StopThenExitZero.install("watch-stopper", err::flush);
        try {
            Jdbi jdbi = LoaderDatabase.openToWrite(common.db, common.verbose, lockWait);
            // a --schema the database was not followed with is refused now, not at every file
            jdbi.useHandle(handle -> SourceCatalog.sourceSchema(handle, options.sourceSchema()));
            err.printf(Locale.ROOT, "watching %s -> %s every %s s; Ctrl-C stops%n", folder, common.db, seconds(intervalSeconds));
            err.flush();
            new FolderWatch(jdbi, folder, options, interval, new Printer(err)).run(stop.requested());
            err.println("stopped");
            return ExitCode.OK;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED;
        } catch (IOException | RuntimeException failed) {
            return Failures.report(failed, common.db, lockWait.atMost(), common.verbose, err);
        } finally {
            err.flush();
            stop.close();
        }
    }

    private static String seconds(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** One line on standard error for each file applied or failed. */
    private final class Printer implements FolderWatch.Events {

        private final PrintWriter err;

        Printer(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void applied(String file, LoadReport report) {
            String duplicates = report.duplicatesLine();
            if (duplicates != null) {
                err.println(file + ": " + duplicates);
            }
            err.printf(Locale.ROOT, "%s: %,d batches applied, %,d changes landed%s, %,d metric rows now%n",
                    file, report.batchesApplied(), report.changesLanded(),
                    report.hasRejections() ? String.format(Locale.ROOT, ", %,d rejected (see rejected_changes)",
                            report.changesRejected()) : "",
                    report.metricRows());
            err.flush();
        }

        @Override
        public void failed(String file, Throwable cause, boolean retriedAtNextPoll) {
            String what = Failures.describe(cause, common.db);
            String prefix = what.startsWith(file) || what.startsWith(common.db.toString()) ? "" : file + ": ";
            err.println(prefix + what + (retriedAtNextPoll ? "; trying again at the next poll" : "; skipped until the file changes"));
            if (common.verbose) {
                cause.printStackTrace(err);
            }
            err.flush();
        }
    }
}
