package io.walmetrics.cli;

import io.walmetrics.bench.Benchmark;
import io.walmetrics.bench.FollowBenchmark;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Measures the loader against its performance targets and prints a table.",
            "",
            "Backfill of generated files of about 130,000 and 1,300,000 changes as a process of its own (JVM start "
                + "included), one 24-record batch on databases already holding 10,000, 100,000 and 1,000,000 metric "
                + "rows, and the cold start of a one-batch load. The full run takes a few minutes and a few GB of disk "
                + "in the work folder; --quick runs small sizes only, to see that it works. With --sink-url it also measures "
                + "sink into a running node: documents/s for the metrics of the first backfill (20,000 flows)."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar bench --work-dir /tmp/bench",
            "  java -jar target/wal-metrics-loader.jar bench --quick --work-dir bench-check",
            "  java -jar target/wal-metrics-loader.jar bench --sink-url http://127.0.0.1:9200",
            "  PGUSER=walmetrics PGPASSWORD=... java -jar target/wal-metrics-loader.jar bench \\",
            "      --follow-source jdbc:postgresql://127.0.0.1:5433/walmetrics",
            "",
            "Exit codes: 0 done, 1 fatal error, 2 usage error."})
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/bench",
            description = "Where the generated files and databases go; they are reused (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--quick", description = "Small sizes only: a check that the benchmark runs, not a measurement.")
    boolean quick;

    @Option(names = "--sink-url", paramLabel = "URL",
            description = "Also measure sink (documents/s) into this OpenSearch / Elasticsearch node, with the first"
                    + " backfill's metrics, in an index of its own that is deleted after (default: no sink figure).")
    String sinkUrl;

    @Option(names = "--follow-source", paramLabel = "URL",
            description = "Measure follow instead, against this PostgreSQL server (jdbc:postgresql://HOST:PORT/DB; user and"
                    + " password from PGUSER and PGPASSWORD; the role needs CREATEDB and REPLICATION): the snapshot of"
                    + " 1,000,000 existing rows, the latency from a commit to its metric row with --batch-seconds 1, and"
                    + " catch-up of a slot holding 100,000 changes. It works in a database of its own, dropped after.")
    String followSource;

    @Option(names = "--verbose", description = "Print stack traces with errors.")
    boolean verbose;

    @Override
    public Integer call() {
        Benchmark.Options options = quick
                ? new Benchmark.Options(workDir, List.of(300), List.of(1_000, 5_000), 20, 2, sinkUrl, true)
                : new Benchmark.Options(workDir, List.of(20_000, 200_000), List.of(10_000, 100_000, 1_000_000), 60, 5, sinkUrl, false);
        try {
            if (followSource != null) {
                // -Dwalmetrics.bench.follow.rows=N and .changes=N make the snapshot and the backlog smaller or larger
                new FollowBenchmark(followSource, workDir, Integer.getInteger("walmetrics.bench.follow.rows", quick ? 20_000 : 1_000_000),
                        Integer.getInteger("walmetrics.bench.follow.changes", quick ? 4_000 : 100_000),
                        quick ? 10 : 40, spec.commandLine().getOut()).run();
                return ExitCode.OK;
            }
            new Benchmark(options, spec.commandLine().getOut()).run();
            return ExitCode.OK;
        } catch (Exception e) {
            return Failures.report(e, null, verbose, spec.commandLine().getErr());
        }
    }
}
