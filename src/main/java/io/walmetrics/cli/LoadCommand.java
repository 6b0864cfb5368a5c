package io.walmetrics.cli;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.walmetrics.load.LoadFailedException;
import io.walmetrics.load.LoadOptions;
import io.walmetrics.load.LoadReport;
import io.walmetrics.load.Loader;
import io.walmetrics.load.WalInput;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.staging.Rejection;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "load",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Applies the batches of a wal2json file to the database and keeps the metrics table up to date.",
            "",
            "Each batch applies exactly once, in one transaction: a batch applied before is skipped, and "
                + "a file that has grown applies only its new batches."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar load --db metrics.db data/wal.json",
            "  pg_recvlogical ... -o format-version=1 -f - | java -jar target/wal-metrics-loader.jar load --batch-size 20 -",
            "",
            "SIGTERM or Ctrl-C stops it after the batch in hand, which is committed, and it says where; the same"
                + " command again continues from there. A signal after the last batch changes nothing: the load"
                + " says the whole input is applied and exits as without the signal.",
            "",
            "Exit codes: 0 done, 1 fatal error, 2 usage error, 3 done with rejected changes;"
                + " 143 stopped by SIGTERM, 130 by Ctrl-C (SIGINT), before the end of the input."})
final class LoadCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", defaultValue = "data/wal.json",
            description = "WAL file in any of the three shapes, or - for standard input (default: ${DEFAULT-VALUE}).")
    String file;

    @Option(names = "--json", description = "Print the summary as one JSON object on standard output.")
    boolean json;

    @Option(names = "--reprocess", description = "Apply batches the ledger says were applied already.")
    boolean reprocess;

    @Mixin
    BatchOptions batchOptions;

    @Mixin
    SourceSchemaOption sourceSchema;

    /** What messages call the input: its path, or <stdin>. */
    private volatile String displayName;

    /** Batches read and applied or skipped so far: where a stop leaves the input. */
    private volatile int batchesDone;

    @Override
    public Integer call() {
        LoadOptions checked = batchOptions.loadOptions(spec.commandLine(), reprocess)
                .withSourceSchema(sourceSchema.checked(spec.commandLine()));
        PrintWriter err = spec.commandLine().getErr();
        LockWait lockWait = lockTimeout.lockWait(spec.commandLine(), common.db);
        displayName = file;
        try (StopOnSignal stop = StopOnSignal.install(() -> printStopped(err, false))) {
            int exitCode = load(checked, err, lockWait, stop);
            err.flush();
            System.out.flush();
            return exitCode;
        }
    }

    private int load(LoadOptions checked, PrintWriter err, LockWait lockWait, StopOnSignal stop) {
        LoadReport report;
        int exitCode;
        TerminalProgress progress = null;
        try {
            WalInput input = WalInput.of(file);
            if (input.isStdin()) {
                input = new WalInput(input.displayName(), input.ledgerName(), stop.watching(input.stream()));
            }
            Jdbi jdbi = LoaderDatabase.openToWrite(common.db, common.verbose, lockWait);
            displayName = input.displayName();
            progress = TerminalProgress.onTerminal(err, input.isStdin() ? 0 : Files.size(Path.of(file)));
            TerminalProgress shown = progress;
            LoadOptions options = checked
                    .withStopRequested(stop::requested)
                    .withProgress((batches, changes, bytesRead) -> {
                        batchesDone = batches;
                        if (shown != null) {
                            shown.progress(batches, changes, bytesRead);
                        }
                    });
            report = new Loader(jdbi).load(input, options);
            clear(progress);
            printRejections(err, report);
            exitCode = report.hasRejections() ? ExitCode.REJECTED : ExitCode.OK;
        } catch (LoadFailedException failed) {
            clear(progress);
            report = failed.partialReport();
            printRejections(err, report);
            exitCode = Failures.report(failed.getCause(), failed.notApplied(), common.db, lockWait.atMost(),
                    common.verbose, err);
        } catch (IOException | RuntimeException failed) {
            return Failures.report(failed, common.db, lockWait.atMost(), common.verbose, err);
        }
        printSummary(err, report);
        boolean inputEnded = report.inputEnded();
        stop.announce(() -> printStopped(err, inputEnded));
        if (json) {
            printJson(report);
        }
        if (inputEnded) {
            stop.completed(exitCode);
        }
        return exitCode;
    }

    /**
     * After SIGTERM or Ctrl-C: where the load stopped, and that running it again goes on from there;
     * or, when the signal came after the last batch, that the whole input is applied.
     */
    private void printStopped(PrintWriter err, boolean inputEnded) {
        int batch = batchesDone;
        String again = WalInput.STDIN.equals(file) ? "the same stream piped again" : "the same command again";
        if (inputEnded) {
            err.printf(Locale.ROOT, "%s: stopped by a signal after its last batch, batch %,d: the whole input is applied%n",
                    displayName, batch);
        } else if (batch == 0) {
            err.printf(Locale.ROOT, "%s: stopped by a signal before its first batch; nothing was applied%n", displayName);
        } else {
            err.printf(Locale.ROOT, "%s: stopped by a signal after batch %,d, which is committed with every batch before it;"
                    + " %s continues at batch %,d%n", displayName, batch, again, batch + 1);
        }
        err.flush();
    }

    private static void clear(TerminalProgress progress) {
        if (progress != null) {
            progress.clear();
        }
    }

    private void printRejections(PrintWriter err, LoadReport report) {
        for (Rejection rejection : report.firstRejections()) {
            err.println(displayName + ": " + rejection.describe());
        }
        long unshown = report.changesRejected() - report.firstRejections().size();
        if (unshown > 0) {
            err.println(displayName + ": … and " + unshown + " more rejected changes; all are in the rejected_changes table");
        }
    }

    private void printSummary(PrintWriter err, LoadReport report) {
        String duplicates = report.duplicatesLine();
        if (duplicates != null) {
            err.println(displayName + ": " + duplicates);
        }
        err.printf(Locale.ROOT, "%s -> %s%n", displayName, common.db);
        err.printf(Locale.ROOT, "  batches  %,d read, %,d applied, %,d skipped (applied before)%s%n",
                report.batchesRead(), report.batchesApplied(), report.batchesSkipped(),
                report.batchesDuplicate() == 0 ? ""
                        : String.format(Locale.ROOT, ", %,d duplicate (applied from another input)", report.batchesDuplicate()));
        err.printf(Locale.ROOT, "  changes  %,d landed, %,d ignored (other tables and kinds), %,d rejected%n",
                report.changesLanded(), report.changesIgnored(), report.changesRejected());
        err.printf(Locale.ROOT, "  metrics  %,d upserted, %,d deleted, %,d rows now%n",
                report.metricsUpserted(), report.metricsDeleted(), report.metricRows());
        if (report.lastAppliedLsn() != null) {
            err.printf(Locale.ROOT, "  source   applied up to LSN %s%s%n", report.lastAppliedLsn(),
                    report.changesSkippedByLsn() == 0 ? ""
                            : String.format(Locale.ROOT, "; %,d changes at or below it skipped (applied before)",
                                    report.changesSkippedByLsn()));
        }
        for (String drift : report.schemaDrift()) {
            err.printf(Locale.ROOT, "  drift    %s (kept; see the schema_drift table)%n", drift);
        }
        err.printf(Locale.ROOT, "  took     %.2f s%n", report.seconds());
        if (common.verbose) {
            report.phaseSeconds().forEach((phase, seconds) -> err.printf(Locale.ROOT, "    %-8s %.2f s%n", phase, seconds));
        }
    }

    /** The {@code --json} object: flat, every value a number but last_applied_lsn, the phases' times last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JsonSummary(int batchesRead, int batchesApplied, int batchesSkipped, int batchesDuplicate, long changesLanded,
            long changesIgnored, long changesRejected, long changesSkippedByLsn, long metricsUpserted, long metricsDeleted,
            long metricRows, int schemaDriftColumns, String lastAppliedLsn, double seconds, Long peakRssMb,
            @JsonAnyGetter Map<String, Double> phaseSeconds) {

        static JsonSummary of(LoadReport report, long peakRssBytes) {
            Map<String, Double> phases = new LinkedHashMap<>();
            report.phaseSeconds().forEach((phase, seconds) -> phases.put(phase + "_seconds", milliRounded(seconds)));
            return new JsonSummary(report.batchesRead(), report.batchesApplied(), report.batchesSkipped(),
                    report.batchesDuplicate(), report.changesLanded(), report.changesIgnored(), report.changesRejected(),
                    report.changesSkippedByLsn(), report.metricsUpserted(), report.metricsDeleted(), report.metricRows(),
                    report.schemaDrift().size(), report.lastAppliedLsn() == null ? null : report.lastAppliedLsn().toString(),
                    milliRounded(report.seconds()), peakRssBytes > 0 ? Math.round(peakRssBytes / 1e6) : null, phases);
        }

        private static double milliRounded(double seconds) {
            return Math.round(seconds * 1000) / 1000.0;
        }
    }

    private void printJson(LoadReport report) {
        Json.printLine(JsonSummary.of(report, PeakMemory.residentBytes()), System.out);
    }
}
