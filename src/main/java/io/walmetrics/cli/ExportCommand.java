package io.walmetrics.cli;

import io.walmetrics.export.ExportFormat;
import io.walmetrics.export.MetricExport;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Writes the metric rows changed after a batch, and the ids deleted since then, for a search index "
                + "that follows the metrics table.",
            "",
            "A row changed after --since BATCH is an index action with its latest state (also when it was deleted "
                + "and re-created); an id deleted after it and not back is a delete action. --since 0 writes every "
                + "metric. Standard error says how many actions were written and the batch to pass as --since next time."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar export --since 0 --format es-bulk metrics.bulk",
            "  java -jar target/wal-metrics-loader.jar export --since 23 --format es-bulk - | curl -s -H 'Content-Type: application/x-ndjson' --data-binary @- localhost:9200/metrics/_bulk",
            "",
            "Exit codes: 0 done, 1 fatal error (also a --since the database cannot answer exactly), 2 usage error."})
final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--since", paramLabel = "BATCH", required = true,
            description = "Write what changed after this batch_ledger.batch_id; 0 writes every metric.")
    long since;

    @Option(names = "--format", paramLabel = "ndjson|es-bulk", defaultValue = "ndjson",
            description = "ndjson: {\"op\":\"index\",\"id\":…,\"doc\":{…}} and {\"op\":\"delete\",\"id\":…} lines; "
                    + "es-bulk: Elasticsearch bulk API lines (default: ${DEFAULT-VALUE}).")
    String format;

    @Parameters(index = "0", arity = "0..1", paramLabel = "OUT|-", defaultValue = "-",
            description = "File to write (replaced whole, only once complete), or - for standard output (default: ${DEFAULT-VALUE}).")
    String out;

    @Override
    public Integer call() {
        if (since < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since cannot be negative");
        }
        ExportFormat exportFormat;
        try {
            exportFormat = ExportFormat.ofOptionValue(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--format must be ndjson or es-bulk, not " + format);
        }
        PrintWriter err = spec.commandLine().getErr();
        MetricExport.Report report;
        try {
            Jdbi jdbi = common.openToRead();
            MetricExport export = new MetricExport(jdbi);
            report = "-".equals(out) ? writeToStandardOutput(export, exportFormat) : writeToFile(export, exportFormat, Path.of(out));
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
        err.printf(Locale.ROOT, "%s -> %s: %,d index and %,d delete actions after batch %d (%s)%n", common.db,
                "-".equals(out) ? "<stdout>" : out, report.indexActions(), report.deleteActions(), report.since(),
                exportFormat.optionValue());
        err.printf(Locale.ROOT, "next time: export --since %d%n", report.nextSince());
        err.flush();
        return ExitCode.OK;
    }

    private MetricExport.Report writeToStandardOutput(MetricExport export, ExportFormat exportFormat) {
        OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
        MetricExport.Report report = export.write(since, exportFormat, stdout);
        try {
            stdout.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return report;
    }

    /** Writes beside the file and moves it into place: a failed export never leaves half a file as OUT. */
    private MetricExport.Report writeToFile(MetricExport export, ExportFormat exportFormat, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        if (!Files.isDirectory(absolute.getParent())) {
            throw new NoSuchFileException(file.toAbsolutePath().getParent().toString());
        }
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".partial");
        try {
            MetricExport.Report report;
            try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
                report = export.write(since, exportFormat, stream);
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return report;
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
