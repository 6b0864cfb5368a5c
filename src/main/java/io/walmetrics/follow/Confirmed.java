package io.walmetrics.follow;

import io.walmetrics.wal.Lsn;
import java.sql.SQLException;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The highest position whose changes are committed in SQLite (or were none of ours), and the only
 * value follow ever gives the slot as flushed and applied: on the stand-by replies the driver
 * sends by itself, after a batch, on a quiet slot, on a new connection. Nothing else in follow
 * calls {@code setFlushedLSN} or {@code setAppliedLSN}, so an error, a signal or a lost connection
 * can confirm nothing that is not committed. It only moves forward. The driver's own automatic
 * flush, which moves the flushed position to a keepalive's by itself, is turned off.
 */
final class Confirmed {

    private Lsn position;

    /** The position confirmed so far by this run, or null. */
    Lsn position() {
        return position;
    }

    /**
     * Everything up to {@code committed} is committed in SQLite or was none of ours: the slot may
     * forget it. Tells the stream at once (the driver sends it with its next reply).
     */
    void advance(Lsn committed, PGReplicationStream stream) {
        if (committed != null && committed.isAfter(position)) {
            position = committed;
        }
        tell(stream);
    }

    /** Gives the stream the confirmed position (on a new connection, before anything is read). */
    void tell(PGReplicationStream stream) {
        if (position != null) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.value());
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
        }
    }

    /** Sends the confirmed position to the server now, rather than with the next periodic reply. */
    void send(PGReplicationStream stream) throws SQLException {
        tell(stream);
        stream.forceUpdateStatus();
    }
}
