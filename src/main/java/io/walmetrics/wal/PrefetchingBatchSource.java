package io.walmetrics.wal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link WalReader} run on a daemon thread of its own ("wal-reader"), so that parsing the
 * next changes overlaps the caller's work on the ones in hand. The caller sees the same calls
 * give the same values, in the same order, as the reader would have given on its own thread; a
 * failure of the reader (an {@link IOException}, a {@link RuntimeException} or an {@link Error}, the
 * very object it threw) is raised by the call that would have raised it, after everything read
 * before it.
 *
 * <p>Memory stays bounded whatever the batch size: the reader hands over chunks of at most
 * {@value #CHUNK_CHANGES} changes through a queue of at most {@value #QUEUE_CHUNKS} chunks, and
 * waits while the queue is full. A chunk ends at the end of each batch, so a batch is handed over
 * as soon as it is read (an input that arrives slowly, such as a replication stream, is not held
 * back waiting for a full chunk).
 *
 * <p>{@link #offset()} reports, mid-batch, the reader's position when the chunk in hand was
 * handed over: ahead of the change in hand, never past the end of its batch. At the start and
 * end of a batch and at the end of the input it is exactly the reader's.
 *
 * <p>{@link #close()} stops the thread (also when it waits on a full queue) and closes the
 * reader. A reader blocked on its input (a pipe with nothing to read) cannot be woken: close
 * then waits {@link #CLOSE_WAIT_MILLIS} and returns, and the thread closes the reader itself as
 * soon as the read returns. The reader is never closed while the thread may still use it.
 */
public final class PrefetchingBatchSource implements BatchSource {

    static final int CHUNK_CHANGES = 1_024;
    static final int QUEUE_CHUNKS = 16;
    static final long CLOSE_WAIT_MILLIS = 1_000;
    static final String THREAD_NAME = "wal-reader";

    private record BatchStart(int batchNo, long offset) {
    }

    private record BatchEnd(int recordCount, String batchHash, String streamHash, LsnRange lsnRange, long offset) {
    }

    private record End(boolean wasEmpty, long offset) {
    }

    private record Failure(Throwable thrown, int recordCount, boolean wasEmpty, long offset) {
    }

    /** What the thread hands over: batch starts, changes, batch ends, then an end or a failure. */
    private static final class Chunk {
        final Object[] items = new Object[CHUNK_CHANGES + 2];
        int size;
        int changes;
        long offset;
    }

    private final WalReader reader;
    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final Thread thread;
    private final AtomicBoolean readerClosed = new AtomicBoolean();
    private volatile boolean closed;

    // ---- the thread's side
    private Chunk building = new Chunk();
    private long changesRead;
    /** Changes read by the thread and not yet done with by the caller, at most; for tests. */
    private volatile long highWater;

    // ---- the caller's side: the state the reader had when it gave the item in hand
    private Chunk chunk;
    private int next;
    /** Changes of the chunks the caller has finished with; written by the caller only. */
    private volatile long changesConsumed;
    private boolean batchOpen;
    private boolean batchEnded;
    private int batchNo;
    private int recordCount;
    private BatchEnd lastEnd;
    private boolean wasEmpty = true;
    private long offset;
    private Failure failure;

    public PrefetchingBatchSource(WalReader reader) {
        this.reader = reader;
        this.thread = new Thread(this::readAll, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean nextBatch() throws IOException {
        if (batchOpen && !batchEnded) {
            while (nextChange() != null) {
                // draining: the caller did not want the rest of this batch
            }
        }
        batchOpen = false;
        Object item = take();
        if (item instanceof BatchStart start) {
            batchOpen = true;
            batchEnded = false;
            batchNo = start.batchNo();
            recordCount = 0;
            wasEmpty = false;
            offset = start.offset();
            return true;
        }
        if (item instanceof End end) {
            wasEmpty = end.wasEmpty();
            offset = end.offset();
            next--; // stays the answer to every later call
            return false;
        }
        throw new IllegalStateException("the WAL reader thread handed over " + item + " where a batch starts");
    }

    @Override
    public WalChange nextChange() throws IOException {
        if (!batchOpen || batchEnded) {
            return null;
        }
        Object item = take();
        if (item instanceof WalChange change) {
            recordCount = change.position().recordNo();
            offset = chunk.offset;
            return change;
        }
        if (item instanceof BatchEnd end) {
            batchEnded = true;
            lastEnd = end;
            recordCount = end.recordCount();
            offset = end.offset();
            return null;
        }
        throw new IllegalStateException("the WAL reader thread handed over " + item + " inside a batch");
    }

    @Override
    public String streamHash() {
        return ended().streamHash();
    }

    @Override
    public boolean wasEmpty() {
        return wasEmpty;
    }

    @Override
    public int batchNo() {
        return batchNo;
    }

    @Override
    public int recordCount() {
        return recordCount;
    }

    @Override
    public String batchHash() {
        return ended().batchHash();
    }

    @Override
    public LsnRange batchLsnRange() {
        return ended().lsnRange();
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            closeReader();
        }
    }

    /** The thread, for tests: it must end when the source is closed. */
    Thread thread() {
        return thread;
    }

    /** The most changes the thread had read ahead of the caller, for tests. */
    long highWater() {
        return highWater;
    }

    private BatchEnd ended() {
        if (!batchEnded) {
            throw new IllegalStateException("the batch has not been read to its end");
        }
        return lastEnd;
    }

    /** The next item, waiting for the thread when it has handed over none; rethrows a failure. */
    private Object take() throws IOException {
        if (failure != null) {
            throw rethrow(failure.thrown());
        }
        if (closed) {
            throw new IOException("the WAL source is closed");
        }
        while (chunk == null || next >= chunk.size) {
            if (chunk != null) {
                changesConsumed += chunk.changes;
            }
            chunk = null;
            try {
                Chunk taken;
                while ((taken = queue.poll(100, TimeUnit.MILLISECONDS)) == null) {
                    if (!thread.isAlive() && queue.isEmpty()) {
                        throw new IllegalStateException("the WAL reader thread ended without handing over the end of the input");
                    }
                }
                chunk = taken;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the WAL reader");
            }
            next = 0;
        }
        Object item = chunk.items[next++];
        if (item instanceof Failure thrown) {
            failure = thrown;
            recordCount = thrown.recordCount();
            wasEmpty = thrown.wasEmpty();
            offset = thrown.offset();
            throw rethrow(thrown.thrown());
        }
        return item;
    }

    private static IOException rethrow(Throwable thrown) {
        if (thrown instanceof IOException io) {
            return io;
        }
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(thrown);
    }

    // ---- the thread

    private void readAll() {
        try {
            try {
                while (reader.nextBatch()) {
                    add(new BatchStart(reader.batchNo(), reader.offset()));
                    WalChange change;
                    while ((change = reader.nextChange()) != null) {
                        changesRead++;
                        long ahead = changesRead - changesConsumed;
                        if (ahead > highWater) {
                            highWater = ahead;
                        }
                        building.items[building.size++] = change;
                        if (++building.changes == CHUNK_CHANGES) {
                            handOver();
                        }
                    }
                    add(new BatchEnd(reader.recordCount(), reader.batchHash(), reader.streamHash(),
                            reader.batchLsnRange(), reader.offset()));
                    handOver();
                }
                add(new End(reader.wasEmpty(), reader.offset()));
                handOver();
            } catch (IOException | RuntimeException | Error e) {
                if (closed) {
                    return; // the caller left; what the reader makes of a closed input is no news
                }
                add(new Failure(e, reader.recordCount(), reader.wasEmpty(), reader.offset()));
                handOver();
            }
        } catch (InterruptedException stop) {
            // closed while waiting on a full queue
        } finally {
            if (closed) {
                try {
                    closeReader();
                } catch (IOException | RuntimeException ignored) {
                    // nobody is left to tell
                }
            }
        }
    }

    private void add(Object item) {
        building.items[building.size++] = item;
    }

    private void handOver() throws InterruptedException {
        if (closed) {
            throw new InterruptedException("closed");
        }
        building.offset = reader.offset();
        queue.put(building);
        building = new Chunk();
    }

    private void closeReader() throws IOException {
        if (readerClosed.compareAndSet(false, true)) {
            reader.close();
        }
    }
}
