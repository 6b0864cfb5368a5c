package io.walmetrics.wal;

import java.io.Closeable;
import java.io.IOException;

/**
 * WAL changes as a sequence of batches: what the loader needs of a reader. {@link WalReader}
 * parses on the caller's thread; {@link PrefetchingBatchSource} parses on a thread of its own and
 * gives exactly the same calls the same values.
 *
 * <p>Use: {@code while (source.nextBatch()) { while ((change = source.nextChange()) != null) ...;
 * source.batchHash(); }}.
 */
public interface BatchSource extends Closeable {

    /** Moves to the next batch; false at the end of the input. Drains the batch in hand first. */
    boolean nextBatch() throws IOException;

    /** The next change of the batch in hand, or null when the batch has no more. */
    WalChange nextChange() throws IOException;

    /** SHA-256 over the hashes of every batch so far; known once {@link #nextChange()} gave null. */
    String streamHash();

    /** True when the input held nothing at all but white space; known once {@link #nextBatch()} gave false. */
    boolean wasEmpty();

    /** The number of the batch in hand, from 1; 0 before the first. */
    int batchNo();

    /** Records read in the batch in hand so far; all of them once {@link #nextChange()} gave null. */
    int recordCount();

    /** SHA-256 of the batch's record tokens, in hex; known once {@link #nextChange()} gave null. */
    String batchHash();

    /** The lowest and highest {@code nextlsn} of the batch; known once {@link #nextChange()} gave null. */
    LsnRange batchLsnRange();

    /** Bytes or characters of the input consumed so far, for progress. */
    long offset();
}
