package io.walmetrics.follow;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * A followed slot as the server sees it now, for {@code status}: its confirmed position, how many
 * bytes of WAL the server keeps for it (from there to the server's current position), and whether
 * a session reads it. When the server cannot be asked (or the slot is gone), {@code problem} says
 * why, in follow's words for the same problem: a server that is down is "not reachable", one that
 * refuses the password or asks for one says so.
 */
public record SlotStatus(FollowState.Slot slot, String confirmedLsn, Long lagBytes, Boolean active, String problem) {

    /**
     * Asks the server, with the user and password of the environment (PGUSER, PGPASSWORD), or the
     * password of {@code passwordFile} when not null.
     *
     * @throws IOException when the password file cannot be read
     */
    public static SlotStatus query(FollowState.Slot slot, Map<String, String> environment, Path passwordFile) throws IOException {
        if (slot.droppedAt() != null) {
            return new SlotStatus(slot, null, null, null, "dropped at " + slot.droppedAt());
        }
        PgSource source;
        try {
            source = PgSource.of(slot.source(), environment, passwordFile);
        } catch (IllegalArgumentException e) {
            return new SlotStatus(slot, null, null, null, "cannot ask the server: " + e.getMessage());
        }
        try (Connection connection = source.connect();
             PreparedStatement query = connection.prepareStatement("""
                     select confirmed_flush_lsn::text, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, active
                     from pg_replication_slots
                     where slot_name = ?""")) {
            query.setString(1, slot.slotName());
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return new SlotStatus(slot, null, null, null, "no such slot on the server any more");
                }
                long lag = rows.getLong(2);
                return new SlotStatus(slot, rows.getString(1), rows.wasNull() ? null : lag, rows.getBoolean(3), null);
            }
        } catch (SQLException e) {
            return new SlotStatus(slot, null, null, null, problem(e, source, slot.slotName()));
        }
    }

    /**
     * Follow's line for the error without the server's name (the status line names the source), or
     * "server not reachable: …" for a connection that failed with no more particular reason.
     */
    private static String problem(SQLException e, PgSource source, String slot) {
        String text = SourceProblem.firstLine(e);
        String where = source.display() + ": ";
        String message = SourceProblem.of(e, source, slot).getMessage();
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (message.equals(where + text) && (state.startsWith("08") || state.isEmpty())) {
            return "server not reachable: " + text;
        }
        return message.startsWith(where) ? message.substring(where.length()) : message;
    }
}
