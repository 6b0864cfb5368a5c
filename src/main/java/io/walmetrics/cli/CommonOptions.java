package io.walmetrics.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command that opens the database shares, with the same names and defaults. */
final class CommonOptions {

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "metrics.db",
            description = "SQLite database (default: ${DEFAULT-VALUE}); load, watch and schema create it, with its schema,"
                    + " on first use.")
    Path db;

    @Option(names = "--verbose", description = "Log what happens, and print stack traces with errors.")
    boolean verbose;
}
