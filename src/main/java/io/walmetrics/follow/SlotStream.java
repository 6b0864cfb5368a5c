package io.walmetrics.follow;

import io.walmetrics.wal.ChangePosition;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.Wal2jsonV2;
import io.walmetrics.wal.Wal2jsonV2.Action;
import io.walmetrics.wal.Wal2jsonV2.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The replication stream of one session as wal2json format-version 2 messages, parsed one at a
 * time, with the state a confirmation needs: whether a transaction is open (its {@code B} read,
 * its {@code C} not yet). Nothing here confirms anything: {@link Confirmed} does, with the one
 * position it holds.
 */
final class SlotStream {

    private static final ChangePosition UNPLACED = new ChangePosition(0, 0, 0);

    private final PGReplicationStream stream;
    /** The open transaction's nextlsn, from its B; null between transactions. */
    private Lsn openTransaction;
    private long bytesRead;
    /** The text of the message {@link #poll()} gave last. */
    private ByteBuffer last;

    SlotStream(PGReplicationStream stream) {
        this.stream = stream;
    }

    /**
     * The next message, or null when none has arrived. A change comes at no position (its batch
     * places it) and carries its transaction's nextlsn.
     *
     * @throws SQLException for the connection
     * @throws IOException  for a message that is not wal2json format-version 2
     */
    Message poll() throws SQLException, IOException {
        ByteBuffer buffer = stream.readPending();
        if (buffer == null) {
            return null;
        }
        int offset = buffer.arrayOffset() + buffer.position();
        int length = buffer.remaining();
        bytesRead += length;
        last = buffer;
        Message message;
        try {
            message = Wal2jsonV2.parse(buffer.array(), offset, length, UNPLACED, openTransaction);
        } catch (IOException e) {
            throw new IOException("a message of the replication slot at LSN " + stream.getLastReceiveLSN().asString()
                    + " is not wal2json format-version 2 (" + e.getMessage() + ")", e);
        }
        if (message.action() == Action.BEGIN) {
            openTransaction = message.nextLsn();
        } else if (message.action() == Action.COMMIT) {
            openTransaction = null;
        }
        return message;
    }

    /** True between a transaction's B and its C: something received is not complete yet. */
    boolean inTransaction() {
        return openTransaction != null;
    }

    /**
     * The server's position as the stream knows it: that of the last message, or of a keepalive
     * when one came after it (the server has sent everything before it). Null before anything came.
     */
    Lsn receivedPosition() {
        LogSequenceNumber received = stream.getLastReceiveLSN();
        return received == null || received.asLong() == 0 ? null : new Lsn(received.asLong());
    }

    /** Adds the text of the message {@link #poll()} gave last to the digest. */
    void digestLast(java.security.MessageDigest digest) {
        digest.update(last.array(), last.arrayOffset() + last.position(), last.remaining());
        digest.update((byte) '\n');
    }

    /** Bytes of wal2json text read so far. */
    long bytesRead() {
        return bytesRead;
    }

    PGReplicationStream replicationStream() {
        return stream;
    }
}
