package io.walmetrics.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.sink.Backoff;
import io.walmetrics.sink.IndexSink;
import io.walmetrics.sink.SearchClient;
import io.walmetrics.sink.SinkCredentials;
import io.walmetrics.sink.SinkTarget;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sink",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Keeps an OpenSearch / Elasticsearch index equal to the metrics table: sends every metric change and deletion "
                + "after the last batch the index acknowledged, through _bulk, and exits once it has acknowledged everything.",
            "",
            "_id is the metric id and the external version the batch that last changed the row (of a delete: the batch "
                + "that deleted it), so a replay or a second sink never puts an older state over a newer one. The table "
                + "sink_index_checkpoints records per index (its cluster's and its own uuid, whatever the URL's spelling) the "
                + "last batch acknowledged entirely; an index without one (deleted and made again) gets everything metrics holds. "
                + "A node that is down or overloaded (429, 5xx) is retried with a bounded backoff, one line on standard error "
                + "per retry round, each request bounded by --request-timeout; a one-shot sink gives up after --give-up-after "
                + "(exit 5). A document the index refuses (400) is named in one line, kept in sink_refused and sent again by "
                + "the next sink; the others go on (exit 3). A missing index is created from search/metrics-index.json.",
            "",
            "Credentials come from the environment (WALMETRICS_SINK_API_KEY, or WALMETRICS_SINK_USER and "
                + "WALMETRICS_SINK_PASSWORD) or --credentials-file, never from the command line.",
            "",
            "With --interval it runs until stopped, a round every SECONDS; SIGTERM or Ctrl-C stops after the round in hand."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar sink --url http://127.0.0.1:9200 --index metrics",
            "  WALMETRICS_SINK_API_KEY=... java -jar target/wal-metrics-loader.jar sink --url https://search.internal:9200 --index metrics --ca-file ca.pem --interval 10",
            "",
            "Exit codes: 0 the index acknowledged everything (or stopped), 1 fatal error (refused credentials, a write-blocked"
                + " index, a checkpoint the database cannot answer), 2 usage error, 3 done but the index refused some documents"
                + " (see sink_refused), 5 gave up on a node that stayed unreachable (--give-up-after)."})
final class SinkCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--url", paramLabel = "URL", required = true,
            description = "The node: http://HOST:PORT or https://HOST:PORT.")
    String url;

    @Option(names = "--index", paramLabel = "NAME", required = true, description = "The index to keep equal to metrics.")
    String index;

    @Option(names = "--json", description = "Also print one JSON object per round on standard output.")
    boolean json;

    @Option(names = "--interval", paramLabel = "SECONDS",
            description = "Run until stopped, a round every SECONDS (fractions allowed), beside watch; default: one round.")
    Double intervalSeconds;

    @Option(names = "--bulk-actions", paramLabel = "N", defaultValue = "1000",
            description = "At most N actions in one _bulk request (default: ${DEFAULT-VALUE}).")
    int bulkActions;

    @Option(names = "--bulk-bytes", paramLabel = "BYTES", defaultValue = "5242880",
            description = "At most BYTES in one _bulk request, unless one action alone is bigger (default: ${DEFAULT-VALUE}).")
    long bulkBytes;

    @Option(names = "--credentials-file", paramLabel = "FILE",
            description = "A properties file with api_key=…, or user=… and password=…, instead of the environment.")
    Path credentialsFile;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Wait at most SECONDS for the node to answer a request (a connection: at most 10 s), then try again"
                    + " (default: ${DEFAULT-VALUE}).")
    double requestTimeoutSeconds;

    @Option(names = "--give-up-after", paramLabel = "SECONDS", defaultValue = "300",
            description = "A one-shot sink whose node stays unreachable or overloaded gives up after trying again for SECONDS,"
                    + " with exit 5 (default: ${DEFAULT-VALUE}); with --interval it keeps trying.")
    double giveUpAfterSeconds;

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--ca-file", paramLabel = "PEM",
            description = "Trust the node's HTTPS certificate when this CA (PEM) signed it.")
    Path caFile;

    @Override
    public Integer call() {
        if (bulkActions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bulk-actions must be at least 1");
        }
        if (bulkBytes < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bulk-bytes must be at least 1");
        }
        if (intervalSeconds != null && (!(intervalSeconds > 0) || intervalSeconds > 86_400)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be more than 0 and at most 86400 seconds");
        }
        if (!(requestTimeoutSeconds > 0) || requestTimeoutSeconds > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--request-timeout must be more than 0 and at most 86400 seconds");
        }
        if (!(giveUpAfterSeconds >= 0) || giveUpAfterSeconds > 86_400 * 7) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--give-up-after must be between 0 and 604800 seconds");
        }
        LockWait lockWait = lockTimeout.lockWait(spec.commandLine(), common.db);
        SinkTarget target;
        try {
            target = SinkTarget.of(url, index);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        // as watch: SIGTERM and Ctrl-C ask the loop to stop after the round in hand, then end with 0
        StopThenExitZero stop = intervalSeconds == null ? StopThenExitZero.notInstalled()
                : StopThenExitZero.install("sink-stopper", err::flush);
        try {
            if (caFile != null && !Files.isRegularFile(caFile)) {
                throw new NoSuchFileException(caFile.toString());
            }
            if (credentialsFile != null && !Files.isRegularFile(credentialsFile)) {
                throw new NoSuchFileException(credentialsFile.toString());
            }
            SinkCredentials credentials = SinkCredentials.load(System.getenv(), credentialsFile);
            // a database of ours only; migrating adds sink_checkpoints to one made before it, and
            // metrics and the rest are only read
            Jdbi jdbi = LoaderDatabase.openExistingToWrite(common.db, common.verbose, lockWait);
            Printer printer = new Printer(err);
            SearchClient client = new SearchClient(target, credentials, caFile, new SearchClient.Waits(
                    Duration.ofMillis(Math.round(requestTimeoutSeconds * 1000)), stop::isRequested, printer::line));
            // a one-shot sink gives up on a node that stays away; one on an interval keeps trying
            Duration giveUpAfter = intervalSeconds == null ? Duration.ofMillis(Math.round(giveUpAfterSeconds * 1000)) : null;
            IndexSink sink = new IndexSink(jdbi, client, new IndexSink.Limits(bulkActions, bulkBytes), Backoff.DEFAULT, giveUpAfter,
                    printer, stop::isRequested);
            if (common.verbose) {
                err.printf("%s -> %s (credentials: %s)%n", common.db, target, credentials);
            }
            if (intervalSeconds == null) {
                IndexSink.Report report = round(sink, target, err);
                return report.refused() > 0 ? ExitCode.REJECTED : ExitCode.OK;
            }
            err.printf(Locale.ROOT, "sinking %s -> %s every %s s; Ctrl-C stops%n", common.db, target, seconds(intervalSeconds));
            err.flush();
            Duration interval = Duration.ofNanos(Math.round(intervalSeconds * 1e9));
            while (!stop.isRequested()) {
                try {
                    round(sink, target, err);
                } catch (IndexSink.StoppedException stopped) {
                    err.println(stopped.getMessage());
                    break;
                }
                if (stop.requested().await(interval.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
            err.println("stopped");
            return ExitCode.OK;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED;
        } catch (IndexSink.GaveUpException gaveUp) {
            err.println(gaveUp.getMessage());
            return ExitCode.GAVE_UP;
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, lockWait.atMost(), common.verbose, err);
        } finally {
            err.flush();
            stop.close();
        }
    }

    private IndexSink.Report round(IndexSink sink, SinkTarget target, PrintWriter err) throws IOException {
        long started = System.nanoTime();
        IndexSink.Report report = sink.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (intervalSeconds == null || report.actions() > 0 || report.refused() > 0 || report.checkpoint() != report.checkpointBefore()) {
            err.printf(Locale.ROOT, "%s -> %s: %,d index and %,d delete actions acknowledged (%,d already there), %scheckpoint %d -> %d%n",
                    common.db, target, report.indexActions(), report.deleteActions(), report.alreadyThere(),
                    report.refused() > 0 ? String.format(Locale.ROOT, "%,d refused (see sink_refused), ", report.refused()) : "",
                    report.checkpointBefore(), report.checkpoint());
            if (intervalSeconds == null) {
                err.printf(Locale.ROOT, "  %,d bulk requests, %,d retry rounds, %.2f s, %,.0f documents/s%n", report.bulkRequests(),
                        report.retryRounds(), seconds, seconds > 0 ? report.actions() / seconds : 0.0);
            }
            err.flush();
        }
        if (json) {
            Json.printLine(new JsonSummary(target, report, seconds), System.out);
        }
        return report;
    }

    /** The {@code --json} object of a round. */
    record JsonSummary(String url, String index, @JsonUnwrapped IndexSink.Report report, double seconds) {

        JsonSummary(SinkTarget target, IndexSink.Report report, double seconds) {
            this(target.url(), target.index(), report, Math.round(seconds * 1000) / 1000.0);
        }
    }

    private static String seconds(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** One line on standard error for the index created and for each retry round. */
    private static final class Printer implements IndexSink.Events {

        private final PrintWriter err;

        Printer(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void indexCreated(SinkTarget target) {
            err.println(target + ": created the index from search/metrics-index.json");
            err.flush();
        }

        void line(String line) {
            err.println(line);
            err.flush();
        }

        @Override
        public void keepsTrying(SinkTarget target, Duration giveUpAfter) {
            line(giveUpAfter == null
                    ? target.url() + ": trying again until the node answers (--interval keeps trying; Ctrl-C stops)"
                    : target.url() + ": trying again for at most " + Failures.seconds(giveUpAfter) + " s (--give-up-after), then giving up"
                            + " with exit " + ExitCode.GAVE_UP);
        }

        @Override
        public void startingOver(String line) {
            line(line);
        }

        @Override
        public void refused(String line) {
            line(line);
        }

        @Override
        public void resending(SinkTarget target, int documents) {
            line(String.format(Locale.ROOT, "%s: sending again %,d documents it refused before (sink_refused)", target, documents));
        }

        @Override
        public void retrying(String reason, int actions, Duration delay, int attempt) {
            err.printf(Locale.ROOT, "%s; retrying%s in %.1f s (attempt %d)%n", reason,
                    actions == 0 ? "" : String.format(Locale.ROOT, " %,d actions", actions), delay.toMillis() / 1000.0, attempt);
            err.flush();
        }
    }
}
