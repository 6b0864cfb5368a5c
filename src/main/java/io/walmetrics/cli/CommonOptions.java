package io.walmetrics.cli;

import io.walmetrics.schema.Database;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Option;

/** Options every command that opens the database shares, with the same names and defaults. */
final class CommonOptions {

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "metrics.db",
            description = "SQLite database (default: ${DEFAULT-VALUE}); load, watch and schema create it, with its schema,"
                    + " on first use.")
    Path db;

    /** The database, which must exist: for the commands that read what a load made. */
    Jdbi openExisting() throws NoSuchFileException {
        if (!Files.isRegularFile(db)) {
            throw new NoSuchFileException(db.toString());
        }
        return Database.open(db);
    }

    @Option(names = "--verbose", description = "Log what happens, and print stack traces with errors.")
    boolean verbose;
}
