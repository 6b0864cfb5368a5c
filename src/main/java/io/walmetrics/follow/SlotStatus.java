package io.walmetrics.follow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * A followed slot as the server sees it now, for {@code status}: its confirmed position, how many
 * bytes of WAL the server keeps for it (from there to the server's current position), and whether
 * a session reads it. When the server cannot be reached (or the slot is gone), {@code problem} says why.
 */
public record SlotStatus(FollowState.Slot slot, String confirmedLsn, Long lagBytes, Boolean active, String problem) {

    /** Asks the server, with the user and password of the environment (PGUSER, PGPASSWORD). */
    public static SlotStatus query(FollowState.Slot slot, Map<String, String> environment) {
        if (slot.droppedAt() != null) {
            return new SlotStatus(slot, null, null, null, "dropped at " + slot.droppedAt());
        }
        try {
            PgSource source = PgSource.of(slot.source(), environment, null);
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
            }
        } catch (SQLException e) {
            return new SlotStatus(slot, null, null, null, "server not reachable: " + SourceProblem.firstLine(e));
        } catch (Exception e) {
            return new SlotStatus(slot, null, null, null, "server not reachable: " + e.getMessage());
        }
    }
}
