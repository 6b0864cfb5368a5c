package io.walmetrics.postgres;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the end-to-end suite runs against, as {@code .ci/postgres-setup.sh} sets it up.
 *
 * <p>Settings, each a system property or else an environment variable, else the setup script's
 * fixed value:
 * <pre>
 *   walmetrics.postgres.url       WALMETRICS_POSTGRES_URL       jdbc:postgresql://127.0.0.1:5433/walmetrics
 *   walmetrics.postgres.user      WALMETRICS_POSTGRES_USER      walmetrics
 *   walmetrics.postgres.password  WALMETRICS_POSTGRES_PASSWORD  walmetrics
 *   walmetrics.postgres.required  WALMETRICS_POSTGRES_REQUIRED  unset: skip when unusable; 1 or true: fail
 * </pre>
 * The role needs LOGIN, CREATEDB (each test works in a database of its own) and REPLICATION
 * (logical replication slots); the server needs {@code wal_level = logical} and wal2json.
 */
final class PostgresServer {

    static final String URL = setting("walmetrics.postgres.url", "WALMETRICS_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5433/walmetrics");
    static final String USER = setting("walmetrics.postgres.user", "WALMETRICS_POSTGRES_USER", "walmetrics");
    static final String PASSWORD = setting("walmetrics.postgres.password", "WALMETRICS_POSTGRES_PASSWORD", "walmetrics");
    static final boolean REQUIRED = isTrue(setting("walmetrics.postgres.required", "WALMETRICS_POSTGRES_REQUIRED", ""));

    /** Why the server cannot be used, or null when it can; found out once per JVM. */
    private static String unusable;
    private static boolean checked;

    private PostgresServer() {
    }

    /**
     * Returns when the server is there and fit for the suite. Otherwise the calling test is
     * aborted, which JUnit reports as skipped; or, where PostgreSQL is required (CI), it fails.
     */
    static synchronized void assumeUsable() {
        if (!checked) {
            unusable = whyUnusable();
            checked = true;
        }
        if (unusable == null) {
            return;
        }
        String message = "PostgreSQL at " + URL + " (user " + USER + ") cannot be used: " + unusable
                + ". Run .ci/postgres-setup.sh as root, or point walmetrics.postgres.url/user/password at a server"
                + " with wal_level = logical and wal2json.";
        if (REQUIRED) {
            fail(message + " WALMETRICS_POSTGRES_REQUIRED is set, so this is a failure, not a skip.");
        }
        Assumptions.abort(message);
    }

    /**
     * Runs SQL as the cluster's superuser (postgres, through psql as the setup script does): for
     * what the test role may not do, such as making roles. Needs root, as the tests have in CI.
     */
    static void asSuperuser(String sql) throws java.io.IOException, InterruptedException {
        asSuperuser("walmetrics", sql);
    }

    /** {@link #asSuperuser(String)} in this database; the SQL may hold several statements. */
    static void asSuperuser(String database, String sql) throws java.io.IOException, InterruptedException {
        Process psql = new ProcessBuilder("runuser", "-u", "postgres", "--", "psql", "--cluster", "15/walmetrics", "-X", "-q",
                "-v", "ON_ERROR_STOP=1", "-tA", "-d", database, "-c", sql).redirectErrorStream(true).start();
        String output = new String(psql.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (psql.waitFor() != 0) {
            throw new AssertionError("psql as postgres failed for " + sql + ": " + output);
        }
    }

    /** Waits until the server takes connections again (after a restart). */
    static void awaitUp(java.time.Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection connection = connect()) {
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > until) {
                    throw new AssertionError("PostgreSQL did not come back within " + timeout.toSeconds() + " s: " + notYet.getMessage());
                }
                Thread.sleep(200);
            }
        }
    }

    static Connection connect() throws SQLException {
        return connect(URL);
    }

    static Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("password", PASSWORD);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("ApplicationName", "wal-metrics-loader e2e tests");
        return DriverManager.getConnection(url, properties);
    }

    /** The JDBC address of another database of the same server. */
    static String urlOf(String database) {
        int slash = URL.indexOf('/', "jdbc:postgresql://".length());
        int query = URL.indexOf('?', slash);
        return URL.substring(0, slash + 1) + database + (query < 0 ? "" : URL.substring(query));
    }

    private static String whyUnusable() {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            String walLevel = single(statement, "show wal_level");
            if (!"logical".equals(walLevel)) {
                return "wal_level is " + walLevel + ", not logical";
            }
            String rights = single(statement, "select concat_ws(' ', case when rolreplication or rolsuper then 'replication' end,"
                    + " case when rolcreatedb or rolsuper then 'createdb' end) from pg_roles where rolname = current_user");
            if (rights == null || !rights.contains("replication") || !rights.contains("createdb")) {
                return "role " + USER + " lacks REPLICATION or CREATEDB";
            }
            // wal2json is an output plugin, not an extension: the one proof is a slot that decodes.
            single(statement, "select slot_name from pg_create_logical_replication_slot("
                    + "'walmetrics_probe_' || pg_backend_pid(), 'wal2json', true)");
            return null;
        } catch (SQLException e) {
            return e.getMessage().lines().findFirst().orElse(e.toString()).replaceAll("\\.+$", "");
        }
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static String setting(String property, String variable, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(variable);
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static boolean isTrue(String value) {
        return value.equals("1") || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("yes");
    }
}
