package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code follow} checks before it makes a slot or streams, against the real PostgreSQL 15
 * with wal2json: the source a database belongs to, the schema of the source tables, their replica
 * identities, the rights of the role and the presence of every source table. Each refusal is one
 * line with exit 1, and leaves no slot on the server.
 */
@Tag("postgres")
class FollowSetupTest {

    private static final Duration CATCH_UP = Duration.ofSeconds(60);
    private static final Duration EXIT = Duration.ofSeconds(60);

    @BeforeEach
    void needsPostgresWithWal2json() {
        PostgresServer.assumeUsable();
    }

    @Test
    void a_database_belongs_to_one_source_and_status_names_it(@TempDir Path dir) throws Exception {
        try (FollowRun first = FollowRun.create(81, dir); FollowRun second = FollowRun.create(82, dir)) {
            first.workload.run(60);
            LoaderProcess follow = first.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            first.workload.run(40);
            first.awaitEqual(CATCH_UP, follow);
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());

            String system = single(first.reader, "select system_identifier::text from pg_control_system()");
            String firstIdentity = "system " + system + ", database " + first.database.name() + ", slot " + first.slot
                    + ", schema public";
            List<Map<String, Object>> recorded = first.sqlite().rows(
                    "select system_identifier, database_name, slot_name, schema_name from source_identity");
            assertEquals(List.of(Map.of("system_identifier", system, "database_name", first.database.name(),
                    "slot_name", first.slot, "schema_name", "public")), recorded, first.context());
            String recordedAt = (String) first.sqlite().rows("select recorded_at from source_identity").get(0).get("recorded_at");

            // a slot of another database, made elsewhere: follow would read it from its confirmed position
            try (Statement statement = second.reader.createStatement()) {
                statement.execute("select pg_create_logical_replication_slot('" + second.slot + "', 'wal2json')");
            }
            second.workload.run(30);
            long secondConfirmed = second.confirmedFlush();
            List<Map<String, Object>> before = everything(first);
            assertOneLine(second.server() + ": this database belongs to another source (" + firstIdentity + "), not to the one"
                    + " --source, --slot and --schema name (system " + system + ", database " + second.database.name()
                    + ", slot " + second.slot + ", schema public): follow each source into a --db of its own", second);
            assertEquals(before, everything(first), "the database after a refused source");
            assertEquals(secondConfirmed, second.confirmedFlush(), "the refused source's slot was read");

            // the same database under another slot: refused before that slot is made
            String otherSlot = first.slot + "_b";
            assertOneLine(first.server() + ": this database belongs to another source (" + firstIdentity + "), not to the one"
                    + " --source, --slot and --schema name (system " + system + ", database " + first.database.name()
                    + ", slot " + otherSlot + ", schema public): follow each source into a --db of its own",
                    first, "--slot", otherSlot, "--create-slot");
            assertEquals(List.of(first.slot), first.slotsOfTheDatabase(), "slots after the refused set-up");
            assertEquals(before, everything(first), "the database after a refused slot");

            try (LoaderProcess status = LoaderProcess.start(dir, FollowRun.credentials(), "status", "--db", "metrics.db")) {
                assertEquals(0, status.awaitExit(Duration.ofSeconds(30)), status.describe());
                assertEquals(List.of("  identity  follows " + firstIdentity + " (since " + recordedAt + ")"),
                        status.stdout().lines().filter(line -> line.startsWith("  identity")).toList(), status.describe());
            }
            try (LoaderProcess status = LoaderProcess.start(dir, FollowRun.credentials(), "status", "--db", "metrics.db", "--json")) {
                assertEquals(0, status.awaitExit(Duration.ofSeconds(30)), status.describe());
                String stdout = status.stdout();
                assertEquals("\"source_identity\":{\"system_identifier\":\"" + system + "\",\"database\":\"" + first.database.name()
                                + "\",\"slot\":\"" + first.slot + "\",\"schema\":\"public\",\"recorded_at\":\"" + recordedAt + "\"},",
                        stdout.substring(stdout.indexOf("\"source_identity\":"), stdout.indexOf("\"follow_slots\":")), stdout);
            }

            // a database from before source identities: it takes the identity of a follow of its own slot only
            first.sqlite().jdbi().useHandle(handle -> handle.execute("delete from source_identity"));
            assertOneLine(second.server() + ": this database follows slot " + first.slot + " (recorded before source"
                    + " identities were kept), not slot " + second.slot + ": follow that slot, or each source into a --db of"
                    + " its own", second);
            assertEquals(List.of(), first.sqlite().rows("select * from source_identity"), "identity after the refusal");
            follow = first.start();
            FollowRun.awaitFollowing(follow, CATCH_UP);
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            assertEquals(recorded, first.sqlite().rows(
                    "select system_identifier, database_name, slot_name, schema_name from source_identity"), first.context());
        }
    }

    @Test
    void tables_of_the_same_names_in_another_schema_are_read_neither_in_the_snapshot_nor_live(@TempDir Path dir)
            throws Exception {
        try (FollowRun run = FollowRun.create(83, dir)) {
            run.workload.run(150);
            createDecoys(run.reader, "shadow", run.schema);
            fillDecoys(run.reader, "public", "shadow", run.schema);
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.awaitEqual(CATCH_UP, follow);

            run.workload.run(100);
            fillDecoys(run.reader, "public", "shadow", run.schema);
            run.workload.run(30); // after the decoys: once these are in, the decoys' transactions were read
            run.awaitEqual(CATCH_UP, follow);
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
        }
    }

    @Test
    void the_schema_option_names_the_source_schema_and_the_database_keeps_it(@TempDir Path dir) throws Exception {
        String schema = "Sales.EU 1,*"; // every character wal2json's add-tables syntax reads, but the backslash
        try (FollowRun run = FollowRun.create(84, dir, SourceSchema.published(), schema)) {
            run.workload.run(150);
            fillDecoys(run.reader, schema, "public", run.schema); // the same names in public, with other values
            LoaderProcess follow = run.start("--schema", schema, "--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.awaitEqual(CATCH_UP, follow);

            run.workload.run(100);
            fillDecoys(run.reader, schema, "public", run.schema);
            run.workload.run(30);
            run.awaitEqual(CATCH_UP, follow);
            assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());

            String system = single(run.reader, "select system_identifier::text from pg_control_system()");
            String identity = "system " + system + ", database " + run.database.name() + ", slot " + run.slot;
            assertOneLine(run.server() + ": this database belongs to another source (" + identity + ", schema " + schema
                    + "), not to the one --source, --slot and --schema name (" + identity + ", schema public): follow each"
                    + " source into a --db of its own", run);
        }
    }

    @Test
    void a_replica_identity_that_drops_updates_and_deletes_is_refused_before_the_slot_and_on_reconnect(@TempDir Path dir)
            throws Exception {
        try (FollowRun run = FollowRun.create(85, dir)) {
            run.workload.run(40);
            String server = run.server();
            execute(run.reader, "alter table transaction_request replica identity nothing");
            assertRefusedBeforeAnySlot(server + ": table public.transaction_request has REPLICA IDENTITY NOTHING, so PostgreSQL decodes"
                    + " its updates and deletes without a key and wal2json drops them: run ALTER TABLE"
                    + " public.transaction_request REPLICA IDENTITY DEFAULT", run);

            execute(run.reader, "alter table transaction_request replica identity default");
            execute(run.reader, "alter table payment_instrument_token_data drop constraint payment_instrument_token_data_pkey");
            assertRefusedBeforeAnySlot(server + ": table public.payment_instrument_token_data has REPLICA IDENTITY DEFAULT and no primary"
                    + " key, so PostgreSQL decodes its updates and deletes without a key and wal2json drops them: run ALTER"
                    + " TABLE public.payment_instrument_token_data REPLICA IDENTITY FULL", run);

            execute(run.reader, "alter table payment_instrument_token_data replica identity full");
            LoaderProcess follow = run.start("--create-slot");
            FollowRun.awaitFollowing(follow, CATCH_UP);
            run.workload.run(60);
            run.awaitEqual(CATCH_UP, follow);

            // changed while follow streams: the next (re)connect refuses it
            execute(run.reader, "alter table transaction replica identity nothing");
            execute(run.reader, "select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = '"
                    + run.slot + "'");
            assertEquals(1, follow.awaitExit(EXIT), follow.describe());
            List<String> lines = follow.stderrLines();
            assertEquals(server + ": table public.transaction has REPLICA IDENTITY NOTHING, so PostgreSQL decodes its updates"
                    + " and deletes without a key and wal2json drops them: run ALTER TABLE public.transaction REPLICA IDENTITY"
                    + " DEFAULT", lines.get(lines.size() - 1), follow.describe());
        }
    }

    @Test
    void rights_and_missing_tables_are_checked_before_any_slot_is_made(@TempDir Path dir) throws Exception {
        String role = "wmf_rights_" + Integer.toHexString(new Random().nextInt(1 << 20));
        try (FollowRun run = FollowRun.create(86, dir)) {
            run.workload.run(40);
            String server = run.server();
            PostgresServer.asSuperuser("create role " + role + " login replication password 'pw'");
            execute(run.reader, "grant select on event_v2_data, transaction, payment_instrument_token_data to " + role);
            Map<String, String> asRole = Map.of("PGUSER", role, "PGPASSWORD", "pw");
            assertRefusedBeforeAnySlot(server + ": role " + role + " may not read public.transaction_request (no SELECT; checked before any"
                    + " slot is made): GRANT SELECT ON public.transaction_request TO " + role, run, asRole);

            execute(run.reader, "grant select on transaction_request to " + role);
            PostgresServer.asSuperuser("alter role " + role + " noreplication");
            assertRefusedBeforeAnySlot(server + ": role " + role + " may not read replication slots: run ALTER ROLE " + role
                    + " REPLICATION as a superuser (see README, Following a PostgreSQL slot)", run, asRole);

            execute(run.reader, "drop table transaction_request");
            execute(run.reader, "alter table event_v2_data rename to event_v3");
            assertRefusedBeforeAnySlot(server + ": schema public has no table for source event (looked for event or event_v2_data),"
                    + " transaction_request (looked for transaction_request): create them there, or name the schema that"
                    + " holds the source tables with --schema", run);
            assertEquals(List.of(), run.sqlite().rows("select * from source_identity"), "a refused set-up recorded an identity");
        } finally {
            PostgresServer.asSuperuser("walmetrics", "drop role if exists " + role);
        }
    }

    @Test
    void a_partitioned_source_table_is_refused_before_any_slot_is_made(@TempDir Path dir) throws Exception {
        try (FollowRun run = FollowRun.create(87, dir)) {
            run.workload.run(40);
            // the same table, partitioned: its rows live in its partitions, and wal2json names those
            execute(run.reader, "alter table transaction rename to transaction_plain");
            execute(run.reader, "create table transaction (like transaction_plain including defaults)"
                    + " partition by hash (transaction_id)");
            execute(run.reader, "create table transaction_part_0 partition of transaction for values with (modulus 2, remainder 0)");
            execute(run.reader, "create table transaction_part_1 partition of transaction for values with (modulus 2, remainder 1)");
            execute(run.reader, "insert into transaction select * from transaction_plain");
            execute(run.reader, "alter table transaction add primary key (transaction_id)");

            assertOneLine(run.server() + ": table public.transaction is a partitioned table: its rows are in its partitions,"
                    + " whose changes wal2json writes under the partitions' names, so none would reach the loader; a source"
                    + " table must be a plain table (checked before any slot is made)", run, "--create-slot");
            assertEquals(List.of(), run.slotsOfTheDatabase(), "slots after the refused set-up");
            assertEquals(List.of(), run.sqlite().rows("select * from source_identity"), "a refused set-up recorded an identity");
            assertEquals(List.of(), run.sqlite().rows("select * from batch_ledger"), "a refused set-up applied something");
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** follow --create-slot ends 1 with this line, and the database has no slot after it. */
    private static void assertRefusedBeforeAnySlot(String line, FollowRun run) throws SQLException {
        assertRefusedBeforeAnySlot(line, run, Map.of());
    }

    private static void assertRefusedBeforeAnySlot(String line, FollowRun run, Map<String, String> environment)
            throws SQLException {
        assertOneLine(line, run, environment, "--create-slot");
        assertEquals(List.of(), run.slotsOfTheDatabase(), "slots after the refused set-up");
    }

    private static void assertOneLine(String line, FollowRun run, String... extra) {
        assertOneLine(line, run, Map.of(), extra);
    }

    /** follow of the run's source and slot (unless extra names another) into dir/metrics.db ends 1 with this line. */
    private static void assertOneLine(String line, FollowRun run, Map<String, String> environment, String... extra) {
        Map<String, String> env = new HashMap<>(FollowRun.credentials());
        env.putAll(environment);
        List<String> args = new ArrayList<>(List.of("follow", "--source", run.url, "--db", "metrics.db"));
        if (!List.of(extra).contains("--slot")) {
            args.addAll(List.of("--slot", run.slot));
        }
        args.addAll(List.of(extra));
        try (LoaderProcess process = LoaderProcess.start(run.dir, env, args.toArray(String[]::new))) {
            assertEquals(1, process.awaitExit(EXIT), process.describe());
            assertEquals(List.of(line), process.stderrLines(), process.describe());
        }
    }

    /** The follow tables and the ledger of metrics.db: what a refused follow must leave alone. */
    private static List<Map<String, Object>> everything(FollowRun run) {
        List<Map<String, Object>> rows = new ArrayList<>(run.sqlite().rows("select * from source_identity"));
        rows.addAll(run.sqlite().rows("select * from follow_source order by slot_name"));
        rows.addAll(run.sqlite().rows("select batch_id, input, changes_landed from batch_ledger order by batch_id"));
        rows.add(Map.of("metrics", run.sqlite().count("metrics")));
        return rows;
    }

    private static void createDecoys(Connection connection, String schema, SourceSchema tables) throws SQLException {
        execute(connection, "create schema " + quote(schema));
        for (String table : tables.tables().keySet()) {
            execute(connection, "create table " + quote(schema) + "." + table + " (like public." + table + " including all)");
        }
    }

    /**
     * Copies the rows of the real tables into the decoys, with other amounts, instruments and
     * payment methods: a decoy row that reached the loader would change the metrics.
     */
    private static void fillDecoys(Connection connection, String from, String to, SourceSchema tables) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        for (String table : tables.tables().keySet()) {
            execute(connection, "insert into " + quote(to) + "." + table + " select * from " + quote(from) + "." + table
                    + " on conflict do nothing");
        }
        execute(connection, "update " + quote(to) + ".transaction set amount = case when amount > 0 then amount - 1 else coalesce(amount, 0) + 1 end");
        execute(connection, "update " + quote(to) + "." + tables.token + " set payment_instrument_type = 'DECOY'");
        execute(connection, "update " + quote(to) + "." + tables.request + " set vault_options = '{\"payment_method\": \"DECOY\"}'");
        connection.commit();
        connection.setAutoCommit(autoCommit);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
