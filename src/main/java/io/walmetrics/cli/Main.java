package io.walmetrics.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "wal-metrics-loader",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Turns wal2json change records into the denormalised metrics table of a SQLite database.",
        subcommands = {LoadCommand.class, WatchCommand.class, GenerateCommand.class, SchemaCommand.class,
            RecomputeCommand.Verify.class, RecomputeCommand.Rebuild.class, ReportCommand.class, StatusCommand.class,
            ExportCommand.class, SinkCommand.class, FollowCommand.class, BenchCommand.class},
        footer = {"", "Exit codes: 0 done, 1 fatal error, 2 usage error, 3 done with rejected changes, 4 differences found (verify, schema)."})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code. */
    public static int run(String... args) {
        if (Arrays.asList(args).contains("--verbose")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        boolean verbose = Arrays.asList(args).contains("--verbose");
        return new CommandLine(new Main())
                // commands report their own errors; this catches what they did not foresee, in one line
                .setExecutionExceptionHandler((error, commandLine, parsed) ->
                        Failures.report(error, null, verbose, commandLine.getErr()))
                .execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a command: load, watch, generate, schema, verify, rebuild, report, status, export, sink, follow or bench");
    }
}
