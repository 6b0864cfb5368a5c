package io.walmetrics.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A PostgreSQL database of one test's own, created empty and dropped afterwards. Its tables live
 * in {@code public}, as in production, so wal2json names their enum types without a schema
 * ({@code transaction_lifecycle_event_type}, not {@code s.transaction_lifecycle_event_type}), and
 * a replication slot in it sees this test's changes only.
 */
final class ScratchDatabase implements AutoCloseable {

    private static final String PREFIX = "walmetrics_e2e_";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final Duration DROP_PATIENCE = Duration.ofSeconds(30);

    private final String name;

    private ScratchDatabase(String name) {
        this.name = name;
    }

    static ScratchDatabase create() throws SQLException {
        String name = PREFIX + LocalDateTime.now().format(STAMP) + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
            dropLeftovers(statement);
            statement.execute("create database " + name);
        }
        return new ScratchDatabase(name);
    }

    String name() {
        return name;
    }

    Connection connect() throws SQLException {
        return PostgresServer.connect(PostgresServer.urlOf(name));
    }

    /**
     * Drops the database, terminating its sessions. PostgreSQL refuses the whole drop when one of
     * them is a process the test role may not signal: an autovacuum worker that has just begun on
     * the database, or a backend still authenticating, neither yet with a role of its own
     * ("must be a member of the role whose process is being terminated"). Both are gone in a
     * moment, so the drop is tried again for a while before the error is let through.
     */
    @Override
    public void close() throws SQLException {
        long until = System.nanoTime() + DROP_PATIENCE.toNanos();
        while (true) {
            try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
                statement.execute("drop database if exists " + name + " with (force)");
                return;
            } catch (SQLException refused) {
                if (!INSUFFICIENT_PRIVILEGE.equals(refused.getSQLState()) || System.nanoTime() > until) {
                    throw refused;
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while dropping " + name, e);
            }
        }
    }

    /** Databases of runs killed before they could drop theirs, an hour old or more (never a running test's). */
    private static void dropLeftovers(Statement statement) throws SQLException {
        String anHourAgo = LocalDateTime.now().minusHours(1).format(STAMP);
        List<String> old = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery("select datname from pg_database where datname like '" + PREFIX + "%'")) {
            while (rows.next()) {
                String database = rows.getString(1);
                String stamp = database.substring(PREFIX.length()).split("_")[0];
                if (stamp.compareTo(anHourAgo) < 0) {
                    old.add(database);
                }
            }
        }
        for (String database : old) {
            try {
                statement.execute("drop database if exists " + database + " with (force)");
            } catch (SQLException stillInUse) {
                // a slot or a session holds it: leave it to whoever owns it
            }
        }
    }
}
