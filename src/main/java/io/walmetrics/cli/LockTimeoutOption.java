package io.walmetrics.cli;

import io.walmetrics.schema.LockWait;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** --lock-timeout of the commands that write, and the line they print while they wait for the lock. */
final class LockTimeoutOption {

    @Option(names = "--lock-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Seconds to wait for another connection's write lock on the database (another loader, a"
                    + " sqlite3 shell) before giving up (default: ${DEFAULT-VALUE}).")
    double seconds;

    LockWait lockWait(CommandLine commandLine, Path db) {
        if (!(seconds >= 0) || seconds > 86_400) {
            throw new CommandLine.ParameterException(commandLine, "--lock-timeout must be between 0 and 86400 seconds");
        }
        PrintWriter err = commandLine.getErr();
        return LockWait.announcing(Duration.ofMillis(Math.round(seconds * 1000)), atMost -> {
            err.printf(Locale.ROOT, "%s: waiting for the database's write lock, held by another connection, for at most %s s"
                    + " (--lock-timeout)%n", db, Failures.seconds(atMost));
            err.flush();
        });
    }
}
