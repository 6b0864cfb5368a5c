package io.walmetrics.cli;

import io.walmetrics.generate.Naming;
import io.walmetrics.generate.Shape;
import io.walmetrics.generate.WalGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "generate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Writes synthetic wal2json records in the published schema, for tests and benchmarks.",
            "",
            "Payment flows with late arrivals, updates that leave out unchanged TOAST columns, key changes, "
                + "deletes and re-inserts. The same seed writes the same file; memory stays flat whatever the size."},
        footer = {"",
            "Example (data/wal.json is exactly this):",
            "  java -jar target/wal-metrics-loader.jar generate --seed 27 --flows 40 data/wal.json",
            "",
            "Exit codes: 0 done, 1 fatal error, 2 usage error."})
final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--flows", paramLabel = "N", defaultValue = "100",
            description = "Payment flows to write; each is about six changes (default: ${DEFAULT-VALUE}).")
    int flows;

    @Option(names = "--naming", paramLabel = "seed|published", defaultValue = "published",
            description = "Table names: published (event_v2_data, payment_instrument_token_data)"
                    + " or seed (event, payment_instrument_token) (default: ${DEFAULT-VALUE}).")
    String naming;

    @Option(names = "--shape", paramLabel = "batches|records|stream", defaultValue = "batches",
            description = "An array of one-minute batches, one flat array of records, or one record a line"
                    + " (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--verbose", description = "Print stack traces with errors.")
    boolean verbose;

    @Parameters(index = "0", arity = "0..1", paramLabel = "OUT|-", defaultValue = "-",
            description = "File to write, or - for standard output (default: ${DEFAULT-VALUE}).")
    String out;

    @Override
    public Integer call() {
        if (flows < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--flows must be at least 1");
        }
        var options = new WalGenerator.Options(seed, flows, choice(Naming.class, naming, "--naming"),
                choice(Shape.class, shape, "--shape"));
        try (OutputStream stream = open()) {
            WalGenerator.Summary summary = WalGenerator.write(options, stream);
            spec.commandLine().getErr().printf(Locale.ROOT, "%s: %,d batches, %,d records, %,d changes (seed %d, %,d flows)%n",
                    out.equals("-") ? "<stdout>" : out, summary.batches(), summary.records(), summary.changes(), seed, flows);
            return ExitCode.OK;
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, null, verbose, spec.commandLine().getErr());
        }
    }

    private OutputStream open() throws IOException {
        if (out.equals("-")) {
            return new BufferedOutputStream(System.out, 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // standard output stays open for whatever prints after
                }
            };
        }
        return new BufferedOutputStream(Files.newOutputStream(Path.of(out)), 1 << 16);
    }

    private <E extends Enum<E>> E choice(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " takes one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
                            + ", not " + value);
        }
    }
}
