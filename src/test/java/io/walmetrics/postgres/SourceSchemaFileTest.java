package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walmetrics.testing.LoaderProcess;
import io.walmetrics.testing.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file as {@code pg_recvlogical} writes it (wal2json format-version 1, one record a line, with
 * include-lsn) of a real PostgreSQL database whose source tables exist in two schemas, public and
 * shadow, each written by a workload of its own (docs/reference.md#source-tables): {@code load}
 * lands the changes of public only, counts shadow's as ignored, and its metrics and current tables
 * equal PostgreSQL's join and tables of public; {@code load --schema shadow} equals shadow's.
 */
@Tag("postgres")
class SourceSchemaFileTest {

    private static final long SEED = 2_021L;
    private static final Duration LOAD = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_capture_of_the_source_tables_in_two_schemas_loads_the_source_schema_alone(@TempDir Path dir) throws Exception {
        SourceSchema tables = SourceSchema.published();
        try (ScratchDatabase database = ScratchDatabase.create();
             Connection publicReader = database.connect();
             Connection shadowReader = database.connect()) {
            tables.create(publicReader);
            execute(publicReader, "create schema shadow");
            tables.createTables(publicReader, "shadow");
            execute(shadowReader, "set search_path to shadow, public");
            try (Wal2jsonSlot slot = Wal2jsonSlot.create(database);
                 Connection publicWriter = database.connect();
                 Connection shadowWriter = database.connect()) {
                execute(shadowWriter, "set search_path to shadow, public");
                Workload real = new Workload(SEED, tables, publicWriter);
                Workload shadow = new Workload(SEED + 1, tables, shadowWriter);
                for (int round = 0; round < 4; round++) {
                    real.run(60);
                    shadow.run(60);
                }
                Path wal = Files.write(dir.resolve("wal-from-postgres.json"), slot.take(true));
                long publicChanges = sourceChanges(wal, tables, "public");
                long shadowChanges = sourceChanges(wal, tables, "shadow");
                long allChanges = allChanges(wal);
                assertTrue(publicChanges > 0 && shadowChanges > 0, "the workloads wrote to both schemas");

                Path publicDb = Files.createDirectories(dir.resolve("public"));
                assertEquals(List.of(changesLine(publicChanges, allChanges - publicChanges)), loadAndTellChanges(publicDb, wal.toString()));
                assertEquals(List.of(), EndToEndRun.differences(publicReader, tables, new TestDb(publicDb).jdbi()),
                        "load (schema public) and PostgreSQL's public tables differ");

                Path shadowDb = Files.createDirectories(dir.resolve("shadow"));
                assertEquals(List.of(changesLine(shadowChanges, allChanges - shadowChanges)),
                        loadAndTellChanges(shadowDb, "--schema", "shadow", wal.toString()));
                assertEquals(List.of(), EndToEndRun.differences(shadowReader, tables, new TestDb(shadowDb).jdbi()),
                        "load --schema shadow and PostgreSQL's shadow tables differ");
            }
        }
    }

    /** Runs load into dir/metrics.db, which must end 0, and returns its summary's changes line. */
    private static List<String> loadAndTellChanges(Path dir, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "load";
        command[1] = "--db";
        command[2] = "metrics.db";
        System.arraycopy(args, 0, command, 3, args.length);
        try (LoaderProcess load = LoaderProcess.run(dir, LOAD, command)) {
            assertEquals(0, load.exitCode(), load.describe());
            return load.stderrLines().stream().filter(line -> line.startsWith("  changes")).toList();
        }
    }

    private static String changesLine(long landed, long ignored) {
        return String.format(Locale.ROOT, "  changes  %,d landed, %,d ignored (other tables and kinds), 0 rejected", landed, ignored);
    }

    /** Row changes of the source tables of this schema in the capture (read by the test's own JSON reader). */
    private static long sourceChanges(Path wal, SourceSchema tables, String schema) throws Exception {
        long count = 0;
        for (String line : Files.readAllLines(wal)) {
            for (JsonNode change : JSON.readTree(line).get("change")) {
                if (schema.equals(change.path("schema").asText()) && tables.tables().containsKey(change.path("table").asText())) {
                    count++;
                }
            }
        }
        return count;
    }

    private static long allChanges(Path wal) throws Exception {
        long count = 0;
        for (String line : Files.readAllLines(wal)) {
            count += JSON.readTree(line).get("change").size();
        }
        return count;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        if (!autoCommit) {
            connection.commit();
        }
    }
}
