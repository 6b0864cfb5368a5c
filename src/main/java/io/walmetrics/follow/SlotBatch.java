package io.walmetrics.follow;

import io.walmetrics.wal.BatchSource;
import io.walmetrics.wal.ChangePosition;
import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.LsnRange;
import io.walmetrics.wal.Wal2jsonV2.Action;
import io.walmetrics.wal.Wal2jsonV2.Message;
import io.walmetrics.wal.WalChange;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/**
 * One follow batch, read from the replication stream as the {@link io.walmetrics.load.Loader}
 * asks for its changes: nothing of it is held but the change in hand (and what the Loader reads
 * ahead), whatever the size of a transaction. It begins with the first change after the last
 * batch and ends only at a transaction's {@code C}: once {@code --batch-seconds} have passed since
 * its first change, once it holds {@link Follower#MAX_BATCH_CHANGES} changes or
 * {@link Follower#MAX_BATCH_BYTES} of wal2json text, or once a stop is asked for.
 * {@link #endPosition()} is then the {@code nextlsn} of that last {@code C}: the position to confirm
 * once the batch is committed.
 */
final class SlotBatch implements BatchSource {

    /** A failure of the replication connection while the batch was read (the Loader sees an I/O error). */
    static final class SourceFailure extends IOException {
        SourceFailure(SQLException cause) {
            super(cause.getMessage(), cause);
        }

        SQLException sql() {
            return (SQLException) getCause();
        }
    }

    private final SlotStream stream;
    private final long deadlineNanos;
    private final BooleanSupplier stopRequested;
    private final long bytesAtStart;
    private final MessageDigest digest;
    private Message pending;

    private boolean opened;
    private boolean ended;
    private int transactions;
    private int changeNo;
    private long changes;
    private boolean transactionHasChanges;
    private Lsn first;
    private Lsn last;
    private Lsn endPosition;
    private String hash;

    /**
     * @param firstChange the change that begins the batch, already read (its transaction's B too)
     * @param window      how long after the first change the batch may go on collecting
     */
    SlotBatch(SlotStream stream, Message firstChange, java.time.Duration window, BooleanSupplier stopRequested) {
        this.stream = stream;
        this.pending = firstChange;
        this.deadlineNanos = System.nanoTime() + window.toNanos();
        this.stopRequested = stopRequested;
        this.bytesAtStart = stream.bytesRead();
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean nextBatch() throws IOException {
        if (!opened) {
            opened = true;
            return true;
        }
        while (nextChange() != null) {
            // draining: the caller did not want the rest of this batch
        }
        return false;
    }

    @Override
    public WalChange nextChange() throws IOException {
        while (!ended) {
            Message message = take();
            if (message == null) {
                if (!stream.inTransaction() && (System.nanoTime() >= deadlineNanos || stopRequested.getAsBoolean())) {
                    end();
                    return null;
                }
                pause();
                continue;
            }
            switch (message.action()) {
                case BEGIN -> {
                    transactionHasChanges = false;
                    changeNo = 0;
                }
                case COMMIT -> {
                    endPosition = message.nextLsn();
                    if (transactionHasChanges) {
                        last = message.nextLsn();
                        first = first == null ? last : first;
                    }
                    if (changes >= Follower.MAX_BATCH_CHANGES || stream.bytesRead() - bytesAtStart >= Follower.MAX_BATCH_BYTES
                            || System.nanoTime() >= deadlineNanos || stopRequested.getAsBoolean()) {
                        end();
                        return null;
                    }
                }
                case CHANGE -> {
                    if (!transactionHasChanges) {
                        transactionHasChanges = true;
                        transactions++;
                    }
                    changes++;
                    WalChange change = message.change();
                    stream.digestLast(digest);
                    return new WalChange(new ChangePosition(1, transactions, ++changeNo), change.kind(), change.schema(),
                            change.table(), change.columnNames(), change.columnTypes(), change.columnValues(), change.oldKeys(),
                            change.malformed(), change.otherFields(), change.recordLsn());
                }
                case NON_TRANSACTIONAL_MESSAGE -> {
                    // outside every transaction, and nothing the loader applies
                }
            }
        }
        return null;
    }

    /** The batch's first change was read before the batch began, and was the stream's last message. */
    private Message take() throws IOException {
        if (pending != null) {
            Message message = pending;
            pending = null;
            return message;
        }
        try {
            return stream.poll();
        } catch (SQLException e) {
            throw new SourceFailure(e);
        }
    }

    private static void pause() throws InterruptedIOException {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the replication slot");
        }
    }

    private void end() {
        ended = true;
        hash = HexFormat.of().formatHex(digest.digest());
    }

    /** The nextlsn of the batch's last C: everything before it is in the batch or none of ours. */
    Lsn endPosition() {
        return endPosition;
    }

    /** The transactions of the batch that had changes of ours. */
    int transactions() {
        return transactions;
    }

    /** The ledger's name for the batch: its slot and the range of its transactions' nextlsn, once read. */
    String ledgerName(String slotName) {
        return slotName + " " + (first == null ? "?" : first.toString()) + ".." + (ended && last != null ? last.toString() : "?");
    }

    @Override
    public String streamHash() {
        return batchHash();
    }

    @Override
    public boolean wasEmpty() {
        return false;
    }

    @Override
    public int batchNo() {
        return opened ? 1 : 0;
    }

    @Override
    public int recordCount() {
        return transactions;
    }

    @Override
    public String batchHash() {
        if (!ended) {
            throw new IllegalStateException("the batch has not been read to its end");
        }
        return hash;
    }

    @Override
    public LsnRange batchLsnRange() {
        batchHash();
        return first == null ? null : new LsnRange(first, last, true);
    }

    @Override
    public long offset() {
        return stream.bytesRead() - bytesAtStart;
    }

    @Override
    public void close() {
        // the stream belongs to the session, not to the batch
    }
}
