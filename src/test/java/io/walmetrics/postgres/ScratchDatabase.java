package io.walmetrics.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    @Override
    public void close() throws SQLException {
        try (Connection admin = PostgresServer.connect(); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + name + " with (force)");
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
