package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.walmetrics.testing.LoaderProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The setup errors of {@code follow} that live in the server's configuration, each produced by a
 * real server of the test's own ({@link ScratchCluster}): wal_level below logical, no wal2json
 * library, and wal2json left off the allow-list of output plugins ({@code output_plugin_libraries},
 * PostgreSQL 15.19 and later minor releases). Each must end follow with exit 1 and one line that
 * names the server and the fix.
 *
 * <p>The first two use the installed PostgreSQL 15 of {@code .ci/postgres-setup.sh}, whichever minor
 * release it is (each asks the server binary whether it knows the allow-list). The allow-list test
 * needs a server that knows it: the installed one when it does, else the newer one
 * {@code .ci/postgres-newer.sh} unpacks and names in WALMETRICS_POSTGRES_NEWER_BIN (its bin folder).
 * Without either that test is skipped, or fails where PostgreSQL is required (CI).
 */
@Tag("postgres")
class FollowServerSetupTest {

    private static final Path INSTALLED_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final String NEWER_BIN = "WALMETRICS_POSTGRES_NEWER_BIN";
    private static final String ALLOW_LIST = "output_plugin_libraries";
    private static final Duration FOLLOW_EXIT = Duration.ofSeconds(30);

    @Test
    void wal_level_replica_is_one_line_naming_the_setting(@TempDir Path dir) throws Exception {
        try (ScratchCluster server = ScratchCluster.start(installedBin(), "wal-level", Map.of("wal_level", "replica"))) {
            createSourceTables(server);
            assertOneLine(server.display() + ": the server does not write WAL for logical decoding (logical decoding requires"
                    + " wal_level >= logical): set wal_level = logical in postgresql.conf and restart PostgreSQL", server, dir);
        }
    }

    /**
     * A library path without wal2json, as on a server where the package is not installed. The server
     * says the same as for an output plugin name that exists nowhere: this test checks that as well,
     * so that the library path is known to stand for a missing install. A server with the allow-list
     * of output plugins (15.19 and later) refuses a name off the list before it looks for the
     * library, so there both names are put on the list; an older server is left as it is.
     */
    @Test
    void no_wal2json_on_the_server_is_one_line_naming_the_package(@TempDir Path dir) throws Exception {
        Path bin = installedBin();
        Path emptyLibrary = Files.createDirectories(dir.resolve("no-libraries"));
        dir.toFile().setExecutable(true, false); // postgres must reach the folder (a @TempDir is root's alone)
        Map<String, String> settings = new HashMap<>(Map.of("wal_level", "logical", "dynamic_library_path", emptyLibrary.toString()));
        if (ScratchCluster.knowsSetting(bin, ALLOW_LIST)) {
            settings.put(ALLOW_LIST, "pgoutput, wal2json, nosuch");
        }
        try (ScratchCluster server = ScratchCluster.start(bin, "no-wal2json", settings)) {
            createSourceTables(server);
            assertEquals("could not access file \"wal2json\": No such file or directory (58P01)",
                    slotCreationError(server, "wal2json"), "the scratch server with an empty library path");
            assertEquals("could not access file \"nosuch\": No such file or directory (58P01)",
                    slotCreationError(server, "nosuch"), "the scratch server, for a plugin that exists nowhere");
            assertOneLine(server.display() + ": the server has no output plugin wal2json (could not access file \"wal2json\":"
                    + " No such file or directory): install it on the server (Debian: apt-get install"
                    + " postgresql-MAJOR-wal2json, MAJOR being the server's major version)", server, dir);
        }
    }

    /**
     * Refused while off the list; once added and the configuration reloaded, as the line says, follow
     * runs. Taken off again (as after a minor upgrade to a release with the list), the slot follow made
     * is refused when streaming starts, in the same line.
     */
    @Test
    void wal2json_off_the_output_plugin_allow_list_is_one_line_naming_the_setting(@TempDir Path dir) throws Exception {
        Path bin = newerBin();
        try (ScratchCluster server = ScratchCluster.start(bin, "allow-list",
                Map.of("wal_level", "logical", "output_plugin_libraries", "pgoutput"))) {
            createSourceTables(server);
            String refused = server.display() + ": the server does not allow wal2json as an output plugin (library"
                    + " \"wal2json\" may not be used as an output plugin): add it to output_plugin_libraries in"
                    + " postgresql.conf and reload the server configuration";
            assertOneLine(refused, server, dir, "wmf_refused");

            // a list: each name quoted on its own ('pgoutput, wal2json' would be one name with a comma)
            reloadWith(server, "alter system set output_plugin_libraries = 'pgoutput', 'wal2json'", "pgoutput, wal2json");
            try (LoaderProcess follow = LoaderProcess.start(dir, credentials(), followArgs(server, "wmf_allowed"))) {
                FollowRun.awaitFollowing(follow, FOLLOW_EXIT);
                assertEquals(0, follow.terminate(Duration.ofSeconds(20)), follow.describe());
            }

            reloadWith(server, "alter system reset output_plugin_libraries", "pgoutput");
            assertOneLine(refused, server, dir, "wmf_allowed");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertOneLine(String line, ScratchCluster server, Path dir) {
        assertOneLine(line, server, dir, "wmf_setup");
    }

    private static void assertOneLine(String line, ScratchCluster server, Path dir, String slot) {
        try (LoaderProcess follow = LoaderProcess.start(dir, credentials(), followArgs(server, slot))) {
            assertEquals(1, follow.awaitExit(FOLLOW_EXIT), follow.describe() + "\nserver log:\n" + server.serverLog());
            assertEquals(List.of(line), follow.stderrLines(), follow.describe());
        }
    }

    private static String[] followArgs(ScratchCluster server, String slot) {
        return new String[] {"follow", "--source", server.url(), "--slot", slot, "--db", "metrics.db", "--batch-seconds", "0.2",
                "--create-slot"};
    }

    private static Map<String, String> credentials() {
        return Map.of("PGUSER", ScratchCluster.USER, "PGPASSWORD", ScratchCluster.PASSWORD);
    }

    /** Runs {@code alterSystem}, reloads, and waits until a new session sees output_plugin_libraries = {@code wanted}. */
    private static void reloadWith(ScratchCluster server, String alterSystem, String wanted) throws Exception {
        try (Connection admin = connect(server); Statement statement = admin.createStatement()) {
            statement.execute(alterSystem);
            statement.execute("select pg_reload_conf()");
        }
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String seen = null;
        while (System.nanoTime() < until) {
            try (Connection session = connect(server); Statement statement = session.createStatement();
                 ResultSet setting = statement.executeQuery("show output_plugin_libraries")) {
                setting.next();
                seen = setting.getString(1);
            }
            if (seen.equals(wanted)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("after " + alterSystem + " and a reload, new sessions see output_plugin_libraries = " + seen + ", not " + wanted);
    }

    /** The source tables, which follow checks before it makes a slot: so that what is refused is the server's setup. */
    private static void createSourceTables(ScratchCluster server) throws SQLException {
        try (Connection connection = connect(server)) {
            SourceSchema.published().create(connection);
        }
    }

    private static Connection connect(ScratchCluster server) throws SQLException {
        return DriverManager.getConnection(server.url() + "?connectTimeout=5", ScratchCluster.USER, ScratchCluster.PASSWORD);
    }

    /** The first line and SQLSTATE of the error of making a temporary slot of {@code plugin}. */
    private static String slotCreationError(ScratchCluster server, String plugin) throws SQLException {
        try (Connection connection = connect(server); Statement statement = connection.createStatement();
             ResultSet ignored = statement.executeQuery("select pg_create_logical_replication_slot('probe', '" + plugin + "', true)")) {
            return fail("the server made a slot of " + plugin);
        } catch (SQLException e) {
            return e.getMessage().lines().findFirst().orElseThrow().replaceFirst("^ERROR: ", "") + " (" + e.getSQLState() + ")";
        }
    }

    private static Path installedBin() {
        PostgresServer.assumeUsable();
        if (!Files.isExecutable(INSTALLED_BIN.resolve("initdb"))) {
            skipOrFail("no PostgreSQL 15 server binaries in " + INSTALLED_BIN + " (run .ci/postgres-setup.sh as root)");
        }
        return INSTALLED_BIN;
    }

    /**
     * The bin folder of a server that knows output_plugin_libraries: WALMETRICS_POSTGRES_NEWER_BIN
     * when set, else the installed server when it knows the setting (as {@code .ci/postgres-newer.sh}
     * reports it then).
     */
    private static Path newerBin() throws Exception {
        PostgresServer.assumeUsable();
        String value = System.getenv(NEWER_BIN);
        if (value == null || value.isBlank()) {
            if (Files.isExecutable(INSTALLED_BIN.resolve("initdb")) && ScratchCluster.knowsSetting(INSTALLED_BIN, ALLOW_LIST)) {
                return INSTALLED_BIN;
            }
            skipOrFail(NEWER_BIN + " is not set and the installed server in " + INSTALLED_BIN + " does not know " + ALLOW_LIST
                    + ": it names the bin folder of a PostgreSQL with " + ALLOW_LIST
                    + " (15.19 or later), which .ci/postgres-newer.sh unpacks and prints (run it as root)");
        }
        Path bin = Path.of(value.trim());
        if (!Files.isExecutable(bin.resolve("initdb"))) {
            skipOrFail(NEWER_BIN + "=" + bin + " has no initdb (run .ci/postgres-newer.sh as root)");
        }
        if (!ScratchCluster.knowsSetting(bin, ALLOW_LIST)) {
            skipOrFail(NEWER_BIN + "=" + bin + " is a server that does not know " + ALLOW_LIST + " (run .ci/postgres-newer.sh as root)");
        }
        return bin;
    }

    private static void skipOrFail(String why) {
        if (PostgresServer.REQUIRED) {
            fail(why + ". WALMETRICS_POSTGRES_REQUIRED is set, so this is a failure, not a skip.");
        }
        Assumptions.abort(why);
    }
}
