package io.walmetrics.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@link CommonOptions} for commands that read a database the loader made (status, export): the
 * same names and default, but a database that does not exist is an error, never created.
 */
final class ExistingDatabaseOptions {

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "metrics.db",
            description = "SQLite database a load made; must exist (default: ${DEFAULT-VALUE}).")
    Path db;

    @Option(names = "--verbose", description = "Log what happens, and print stack traces with errors.")
    boolean verbose;
}
