package io.walmetrics.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written by the real {@code pg_recvlogical}, as the README shows it, from a workload on
 * the source tables: its session has an empty search_path, so wal2json names the tables' enum
 * types with their schema ({@code public.transaction_type}). Loaded, and read by {@code schema
 * FILE}, it is no drift: the same types the migrations declare.
 */
@Tag("postgres")
class PgRecvlogicalCaptureTest {

    private static final Path PG_RECVLOGICAL = Path.of("/usr/lib/postgresql/15/bin/pg_recvlogical");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern HOST_PORT = Pattern.compile("jdbc:postgresql://([^:/]+):([0-9]+)/.*");

    @Test
    void a_file_pg_recvlogical_wrote_with_schema_qualified_enum_types_loads_and_reads_without_drift(@TempDir Path dir)
            throws Exception {
        PostgresServer.assumeUsable();
        if (!Files.isExecutable(PG_RECVLOGICAL)) {
            String why = "no " + PG_RECVLOGICAL + " (run .ci/postgres-setup.sh as root)";
            if (PostgresServer.REQUIRED) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        SourceSchema schema = SourceSchema.published();
        Path wal = dir.resolve("wal-from-postgres.json");
        try (ScratchDatabase database = ScratchDatabase.create(); Connection connection = database.connect()) {
            schema.create(connection);
            String slot = "wmr_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
            try {
                recvlogical(dir, database, "--slot", slot, "--create-slot", "--plugin", "wal2json");
                new Workload(41, schema, connection).run(30);
                String endpos;
                try (Connection other = database.connect(); Statement statement = other.createStatement()) {
                    try (ResultSet position = statement.executeQuery("select pg_current_wal_lsn()::text")) {
                        position.next();
                        endpos = position.getString(1);
                    }
                    // a transaction past the end position, so that pg_recvlogical sees the end without waiting for a keepalive
                    statement.execute("insert into " + SourceSchema.OTHER_TABLE + " (note) values ('after the end')");
                }
                recvlogical(dir, database, "--slot", slot, "--start", "--no-loop", "--endpos", endpos,
                        "-o", "format-version=1", "-o", "include-xids=1", "-o", "include-lsn=1", "-f", wal.toString());
            } finally {
                try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
                    statement.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
                            + slot + "'");
                }
            }
        }

        Set<String> expectedQualified = new TreeSet<>();
        schema.tables().values().forEach(columns -> columns.stream().filter(c -> SourceSchema.ENUMS.containsKey(c.type()))
                .forEach(c -> expectedQualified.add("public." + c.type())));
        assertEquals(expectedQualified, qualifiedTypes(wal), "the capture names the source's enum types with their schema");

        ObjectMapper json = new ObjectMapper();
        LoaderProcess load = LoaderProcess.run(dir, PATIENCE, "load", "--db", "m.db", "--json", wal.getFileName().toString());
        assertEquals(0, load.exitCode(), load.describe());
        JsonNode summary = json.readTree(load.stdout());
        assertEquals(List.of(0, 0), List.of(summary.path("schema_drift_columns").asInt(-1), summary.path("changes_rejected").asInt(-1)),
                "drift columns and rejected changes\n" + load.describe());

        LoaderProcess status = LoaderProcess.run(dir, PATIENCE, "status", "--db", "m.db", "--json");
        assertEquals(0, status.exitCode(), status.describe());
        JsonNode state = json.readTree(status.stdout());
        assertEquals("0 []", state.path("schema_drift_columns").asInt(-1) + " " + state.path("schema_drift"), status.describe());

        LoaderProcess report = LoaderProcess.run(dir, PATIENCE, "schema", "--db", "m.db", wal.getFileName().toString());
        assertEquals(0, report.exitCode(), "schema FILE finds no differences\n" + report.describe());
    }

    /** Every type name of the file's changes that carries a schema. */
    private static Set<String> qualifiedTypes(Path wal) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Set<String> qualified = new TreeSet<>();
        for (String line : Files.readAllLines(wal, UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            for (JsonNode change : json.readTree(line).path("change")) {
                List<JsonNode> types = new ArrayList<>();
                change.path("columntypes").forEach(types::add);
                change.path("oldkeys").path("keytypes").forEach(types::add);
                types.stream().map(JsonNode::asText).filter(type -> type.contains(".")).forEach(qualified::add);
            }
        }
        return qualified;
    }

    private static void recvlogical(Path dir, ScratchDatabase database, String... args) throws Exception {
        Matcher server = HOST_PORT.matcher(PostgresServer.URL);
        if (!server.matches()) {
            throw new AssertionError("cannot read host and port from " + PostgresServer.URL);
        }
        List<String> command = new ArrayList<>(List.of(PG_RECVLOGICAL.toString(), "-d",
                "host=" + server.group(1) + " port=" + server.group(2) + " dbname=" + database.name() + " user=" + PostgresServer.USER));
        command.addAll(List.of(args));
        Path log = dir.resolve("pg_recvlogical.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("PGPASSWORD", PostgresServer.PASSWORD));
        Process process = builder.start();
        if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + PATIENCE.toSeconds() + " s: "
                    + Files.readString(log, UTF_8));
        }
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + Files.readString(log, UTF_8));
    }
}
