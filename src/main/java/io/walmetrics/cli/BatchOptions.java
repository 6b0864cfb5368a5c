package io.walmetrics.cli;

import io.walmetrics.load.LoadOptions;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How the commands that load files cut their input into batches and how many rejects they bear: load and watch. */
final class BatchOptions {

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Records a batch, for a flat array of records or a stream of records"
                    + " (default: the whole array; one record a batch for a stream).")
    Integer batchSize;

    @Option(names = "--max-rejects", paramLabel = "N",
            description = "Stop a file once more than N of its changes are rejected; the batch in hand applies nothing"
                    + " (load exits 1, watch reports the file as faulty; default: no limit).")
    Integer maxRejects;

    /** The options checked, as the loader takes them; a value out of range is a usage error (exit 2). */
    LoadOptions loadOptions(CommandLine commandLine, boolean reprocess) {
        if (batchSize != null && batchSize < 1) {
            throw new CommandLine.ParameterException(commandLine, "--batch-size must be at least 1");
        }
        if (maxRejects != null && maxRejects < 0) {
            throw new CommandLine.ParameterException(commandLine, "--max-rejects cannot be negative");
        }
        return new LoadOptions(batchSize, reprocess, maxRejects);
    }
}
