package io.walmetrics.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A logical replication slot with the wal2json output plugin, on a connection of its own.
 *
 * <p>The slot is temporary: PostgreSQL drops it when its session ends, so a test killed halfway
 * leaves no slot holding back WAL. {@link #take()} reads what committed since the last call,
 * through the SQL interface, with only {@code format-version 1} given: wal2json's defaults
 * (types with their typmod, schema names, no xids, no pretty-printing) write the published shape,
 * one record a transaction.
 */
final class Wal2jsonSlot implements AutoCloseable {

    private final Connection connection;
    private final String name;

    private Wal2jsonSlot(Connection connection, String name) {
        this.connection = connection;
        this.name = name;
    }

    /** Creates the slot; only transactions that commit after this are decoded. */
    static Wal2jsonSlot create(ScratchDatabase database) throws SQLException {
        Connection connection = database.connect();
        String name = "walmetrics_" + database.name().substring(database.name().lastIndexOf('_') + 1);
        try (PreparedStatement create = connection.prepareStatement(
                "select slot_name from pg_create_logical_replication_slot(?, 'wal2json', true)")) {
            create.setString(1, name);
            create.executeQuery().close();
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return new Wal2jsonSlot(connection, name);
    }

    /** The wal2json records (JSON text, one per transaction, in commit order) since the last call. */
    List<String> take() throws SQLException {
        return take(false);
    }

    /** As {@link #take()}; with {@code positions} each record also carries its nextlsn. */
    List<String> take(boolean positions) throws SQLException {
        List<String> records = new ArrayList<>();
        try (PreparedStatement changes = connection.prepareStatement(
                "select data from pg_logical_slot_get_changes(?, null, null, 'format-version', '1'"
                        + (positions ? ", 'include-lsn', '1'" : "") + ")")) {
            changes.setString(1, name);
            try (ResultSet rows = changes.executeQuery()) {
                while (rows.next()) {
                    records.add(rows.getString(1));
                }
            }
        }
        return records;
    }

    /**
     * What the slot holds now in wal2json's format-version 2, one action a line ({@code B}, {@code I},
     * {@code U}, {@code D}, {@code T}, {@code M}, {@code C}, with xids), without consuming it: a
     * {@link #takeWithXids()} after it reads the same transactions in format-version 1.
     */
    List<String> peekFormatTwo() throws SQLException {
        return read("select data from pg_logical_slot_peek_changes(?, null, null, 'format-version', '2', 'include-xids', '1')");
    }

    /** As {@link #take()}, each record carrying its transaction's xid. */
    List<String> takeWithXids() throws SQLException {
        return read("select data from pg_logical_slot_get_changes(?, null, null, 'format-version', '1', 'include-xids', '1')");
    }

    private List<String> read(String query) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement changes = connection.prepareStatement(query)) {
            changes.setString(1, name);
            try (ResultSet rows = changes.executeQuery()) {
                while (rows.next()) {
                    lines.add(rows.getString(1));
                }
            }
        }
        return lines;
    }

    @Override
    public void close() throws SQLException {
        try (connection; Statement statement = connection.createStatement()) {
            // dropped now rather than when the session ends, so the database can be dropped at once
            statement.execute("select pg_drop_replication_slot('" + name + "')");
        }
    }
}
