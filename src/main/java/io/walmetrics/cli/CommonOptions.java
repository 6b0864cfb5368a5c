package io.walmetrics.cli;

import io.walmetrics.schema.LoaderDatabase;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Option;

/** Options every command that opens the database shares, with the same names and defaults. */
final class CommonOptions {

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "metrics.db",
            description = "SQLite database (default: ${DEFAULT-VALUE}); load and watch create it, with its schema,"
                    + " on first use. A SQLite file the loader did not make is refused and left as it is.")
    Path db;

    /** The database, which must exist and be of this jar's schema, read-only: for the commands that read what a load made. */
    Jdbi openToRead() throws NoSuchFileException {
        return LoaderDatabase.openToRead(db);
    }

    @Option(names = "--verbose", description = "Log what happens, and print stack traces with errors.")
    boolean verbose;
}
