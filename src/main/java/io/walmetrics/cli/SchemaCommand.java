package io.walmetrics.cli;

import io.walmetrics.load.WalInput;
import io.walmetrics.schema.LoaderDatabase;
import io.walmetrics.schema.LockWait;
import io.walmetrics.schema.WalSchemaReport;
import io.walmetrics.wal.WalReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "schema",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Compares the tables, columns and types of a WAL file with what the database declares.",
            "",
            "The differences go to standard error; a Liquibase formatted-SQL changelog that would add the "
                + "missing columns goes to standard output. Loads nothing."},
        footer = {"",
            "Example:",
            "  java -jar target/wal-metrics-loader.jar schema new-wal.json > new-columns.sql",
            "(when it finds drift, it says which migrations/NNN_….sql to save the changelog as)",
            "",
            "Exit codes: 0 the file matches, 1 fatal error, 2 usage error, 4 differences found."})
final class SchemaCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", defaultValue = "data/wal.json",
            description = "WAL file, or - for standard input (default: ${DEFAULT-VALUE}).")
    String file;

    /**
     * What the WAL is compared with: the database, read-only; or, when there is no database yet,
     * the schema the jar's migrations make, in a scratch database of the temporary folder.
     */
    private record DeclaredSchema(Jdbi jdbi, Path scratchDir) implements AutoCloseable {

        static DeclaredSchema of(Path db, boolean verbose) throws IOException {
            if (Files.exists(db)) {
                return new DeclaredSchema(LoaderDatabase.openToRead(db), null);
            }
            Path dir = Files.createTempDirectory("wal-metrics-schema-");
            return new DeclaredSchema(LoaderDatabase.openToWrite(dir.resolve("declared.db"), verbose, LockWait.SILENT), dir);
        }

        @Override
        public void close() throws IOException {
            if (scratchDir != null) {
                try (var files = Files.list(scratchDir)) {
                    for (Path each : files.toList()) {
                        Files.deleteIfExists(each);
                    }
                }
                Files.deleteIfExists(scratchDir);
            }
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            WalInput input = WalInput.of(file);
            WalSchemaReport report;
            int nextMigration;
            try (DeclaredSchema declared = DeclaredSchema.of(common.db, common.verbose);
                 Handle handle = declared.jdbi().open();
                 WalReader reader = new WalReader(input.stream(), input.displayName(), null)) {
                report = WalSchemaReport.scan(reader, handle);
                nextMigration = handle.createQuery("""
                                select coalesce(max(cast(substr(filename, length('migrations/') + 1, 3) as integer)), 0) + 1
                                from databasechangelog
                                where filename like 'migrations/___%'""")
                        .mapTo(Integer.class).one();
            }
            err.printf(Locale.ROOT, "%s against %s%n", input.displayName(), common.db);
            report.sourceTables().forEach((table, changes) ->
                    err.printf(Locale.ROOT, "  %-32s %,d changes%n", table, changes));
            report.otherTables().forEach((table, changes) ->
                    err.printf(Locale.ROOT, "  %-32s %,d changes, not a source of the metric (ignored)%n", table, changes));
            var drift = report.drift();
            if (drift.isEmpty()) {
                err.println("every column of the metric's sources has the type the migrations declare");
                return ExitCode.OK;
            }
            drift.forEach(column -> err.println("  drift: " + report.describe(column)));
            String changeset = report.changeset(nextMigration);
            PrintWriter out = spec.commandLine().getOut();
            out.print(changeset);
            out.flush();
            if (changeset.contains("\n-- changeset ")) {
                err.printf(Locale.ROOT, "the changelog on standard output adds what can be added; save it as migrations/%03d_…sql"
                        + " and include it in migrations/changelog.xml%n", nextMigration);
            } else {
                err.println("the changelog on standard output adds nothing (its comments say why): no migration to save");
            }
            return ExitCode.DIFFERENT;
        } catch (IOException | RuntimeException e) {
            return Failures.report(e, common.db, common.verbose, err);
        }
    }
}
