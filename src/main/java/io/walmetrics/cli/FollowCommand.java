package io.walmetrics.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.walmetrics.follow.FollowState;
import io.walmetrics.follow.Follower;
import io.walmetrics.follow.PgSource;
import io.walmetrics.follow.SourceProblem;
import io.walmetrics.load.LoadFailedException;
import io.walmetrics.schema.DatabaseFile;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "follow",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Reads wal2json changes straight from a PostgreSQL logical replication slot and applies them in batches,"
                + " exactly as load applies a batch; a position is confirmed to the slot only once SQLite committed it.",
            "",
            "With --create-slot on a new database it makes the slot, copies the rows that existed at the slot's"
                + " consistent point (read in its exported snapshot) and then streams from there. A lost connection or a"
                + " restarted server is retried with backoff; a restart of follow resumes from the slot, and nothing is"
                + " lost or applied twice. The user and password come from PGUSER and PGPASSWORD (or --password-file),"
                + " never from the command line; TLS settings pass through the JDBC address."},
        footer = {"",
            "Example:",
            "  export PGUSER=walmetrics_follow PGPASSWORD=...",
            "  java -jar target/wal-metrics-loader.jar follow \\",
            "      --source jdbc:postgresql://127.0.0.1:5432/shop \\",
            "      --slot walmetrics --create-slot --db metrics.db",
            "",
            "A slot nobody reads keeps every byte of WAL on the server from its confirmed position on, until the disk"
                + " is full: when you stop following for good, drop it with --drop-slot.",
            "",
            "SIGTERM or Ctrl-C applies and confirms the batch in hand, then exits 0.",
            "Exit codes: 0 stopped, 1 fatal error (the line names the fix), 2 usage error."})
final class FollowCommand implements Callable<Integer> {

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--source", required = true, paramLabel = "URL",
            description = "The PostgreSQL database, jdbc:postgresql://HOST:PORT/DATABASE[?ssl=…]; no password in it.")
    String sourceUrl;

    @Option(names = "--slot", required = true, paramLabel = "NAME",
            description = "The logical replication slot (wal2json) to read: lower-case letters, digits and _.")
    String slot;

    @Option(names = "--schema", paramLabel = "NAME", defaultValue = Follower.DEFAULT_SCHEMA,
            description = "The PostgreSQL schema whose tables are the sources (default: ${DEFAULT-VALUE}); tables of the"
                    + " same names in other schemas are not read. A database keeps the schema it was first followed with.")
    String schema;

    @Option(names = "--create-slot",
            description = "Make the slot when it does not exist, and copy the rows that existed then (the database must be"
                    + " new); a slot that exists is followed as it is.")
    boolean createSlot;

    @Option(names = "--drop-slot",
            description = "Drop the slot on the server and exit: for when you stop following (an abandoned slot holds WAL"
                    + " on the server forever).")
    boolean dropSlot;

    @Option(names = "--batch-seconds", paramLabel = "SECONDS", defaultValue = "60",
            description = "Collect what arrives for this long, then apply it as one batch at the end of the transaction in"
                    + " hand; a batch also ends at the end of the transaction that reaches " + Follower.MAX_BATCH_RECORDS_TEXT
                    + " (default: ${DEFAULT-VALUE}; fractions allowed).")
    double batchSeconds;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from the first line of this file instead of PGPASSWORD.")
    Path passwordFile;

    @Option(names = "--json", description = "When it stops, print a summary as one JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() {
        if (!(batchSeconds > 0) || batchSeconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-seconds must be more than 0 and at most 86400");
        }
        if (!SLOT_NAME.matcher(slot).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--slot must be 1 to 63 lower-case letters, digits and underscores (a PostgreSQL slot name)");
        }
        SourceSchemaOption.requireSchemaName(spec.commandLine(), schema);
        if (createSlot && dropSlot) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--create-slot and --drop-slot exclude each other");
        }
        PrintWriter err = spec.commandLine().getErr();
        PgSource source;
        try {
            source = PgSource.of(sourceUrl, System.getenv(), passwordFile);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            err.println(passwordFile + ": cannot read the password file (" + e.getMessage() + ")");
            err.flush();
            return ExitCode.FAILED;
        }
        LockWait lockWait = lockTimeout.lockWait(spec.commandLine(), common.db);
        if (dropSlot) {
            return drop(source, lockWait, err);
        }
        // SIGTERM and Ctrl-C: the loop applies and confirms the batch in hand, then the JVM ends with 0
        StopThenExitZero stop = StopThenExitZero.install("follow-stopper", err::flush);
        Follower follower = null;
        long started = System.nanoTime();
        try {
            Jdbi jdbi = LoaderDatabase.openToWrite(common.db, common.verbose, lockWait);
            Duration window = Duration.ofNanos(Math.round(batchSeconds * 1e9));
            follower = new Follower(source, jdbi,
                    new Follower.Options(slot, createSlot, window, stop::isRequested, common.verbose, schema),
                    line -> {
                        err.println(line);
                        err.flush();
                    });
            follower.run();
            err.println("stopped; the slot is confirmed up to what " + common.db + " holds");
            printJson(follower, started);
            return ExitCode.OK;
        } catch (SourceProblem problem) {
            err.println(problem.getMessage());
            if (common.verbose && problem.getCause() != null) {
                problem.getCause().printStackTrace(err);
            }
            return ExitCode.FAILED;
        } catch (LoadFailedException failed) {
            return Failures.report(failed.getCause(), failed.notApplied(), common.db, lockWait.atMost(), common.verbose, err);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED;
        } catch (IOException | RuntimeException failed) {
            return Failures.report(failed, common.db, lockWait.atMost(), common.verbose, err);
        } finally {
            err.flush();
            System.out.flush();
            stop.close();
        }
    }

    private int drop(PgSource source, LockWait lockWait, PrintWriter err) {
        try {
            boolean dropped = Follower.dropSlot(source, slot);
            err.println(dropped
                    ? "dropped replication slot " + slot + " on " + source.display() + "; the server no longer keeps WAL for it"
                    : "no replication slot " + slot + " on " + source.display() + "; nothing to drop");
            if (Files.exists(common.db) && DatabaseFile.inspect(common.db).kind() != DatabaseFile.Kind.FOREIGN
                    && Files.size(common.db) > 0) {
                Jdbi jdbi = LoaderDatabase.openToWrite(common.db, common.verbose, lockWait);
                FollowState state = new FollowState(jdbi);
                if (state.find(slot).isPresent()) {
                    state.dropped(slot);
                }
            }
            return ExitCode.OK;
        } catch (SourceProblem problem) {
            err.println(problem.getMessage());
            return ExitCode.FAILED;
        } catch (IOException | RuntimeException failed) {
            return Failures.report(failed, common.db, lockWait.atMost(), common.verbose, err);
        } finally {
            err.flush();
        }
    }

    private void printJson(Follower follower, long started) {
        if (!json) {
            return;
        }
        Long confirmedLsn = follower.confirmedLsn() == null ? null : follower.confirmedLsn().value();
        Json.printLine(new JsonSummary(follower.batchesApplied(), follower.changesLanded(), confirmedLsn,
                Math.round((System.nanoTime() - started) / 1e6) / 1000.0), System.out);
    }

    /** The {@code --json} object; confirmed_lsn (a number) only once the server has confirmed a position. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JsonSummary(long batchesApplied, long changesLanded, Long confirmedLsn, double seconds) {
    }
}
