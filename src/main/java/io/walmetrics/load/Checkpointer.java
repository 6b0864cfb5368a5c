package io.walmetrics.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies committed pages from SQLite's write-ahead log into the database file on a thread and a
 * connection of its own, so that a backfill's commits do not wait for it (SQLite's automatic
 * checkpoint runs inside the commit that crosses its threshold, on the writer's thread). A passive
 * checkpoint never blocks the writer. So that the log does not grow without bound when the copying
 * falls behind, {@link #awaitBelow} makes the writer wait, between two groups, until the log has
 * been copied and can start over.
 *
 * <p>Like SQLite's automatic checkpoint it copies about every {@value #SQLITE_AUTOCHECKPOINT_PAGES} pages,
 * not after every commit: minute batches a few milliseconds apart would otherwise each share the
 * second core with a checkpoint of their predecessor. The pages a commit adds are estimated from
 * what the log grew by between two checkpoints.
 */
final class Checkpointer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    /** SQLite's default threshold for its automatic checkpoint, which this one follows. */
    static final long SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

    private final Handle handle;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean requested;
    private boolean running;
    private boolean closed;
    /** Pages in the log and pages copied, after the last checkpoint. */
    private long logPages;
    private long copiedPages;
    /** Commits since the last checkpoint was requested, and the pages one adds to the log (0: not known yet). */
    private long commitsSinceRequest;
    private long commitsInLastCheckpoint;
    private double pagesPerCommit;

    Checkpointer(Jdbi jdbi) {
        this.handle = jdbi.open();
        this.thread = new Thread(this::run, "wal-checkpoint");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called after a commit: copy what is committed, when the thread is free and enough is in the log. */
    void request() {
        lock.lock();
        try {
            commitsSinceRequest++;
            if (pagesPerCommit > 0 && commitsSinceRequest * pagesPerCommit < SQLITE_AUTOCHECKPOINT_PAGES) {
                return;
            }
            commitsInLastCheckpoint = commitsSinceRequest;
            commitsSinceRequest = 0;
            requested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the last checkpoint copied the whole log, when the log holds more than
     * {@code maxPages}: the next write transaction then starts the log over.
     */
    void awaitBelow(long maxPages) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && logPages > maxPages && (copiedPages < logPages || requested || running)) {
                requested = true;
                changed.signalAll();
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (!requested && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                requested = false;
                running = true;
            } finally {
                lock.unlock();
            }
            long[] result = checkpoint();
            lock.lock();
            try {
                running = false;
                if (result != null) {
                    long grown = result[0] >= logPages ? result[0] - logPages : result[0];
                    if (commitsInLastCheckpoint > 0 && grown > 0) {
                        pagesPerCommit = (double) grown / commitsInLastCheckpoint;
                    }
                    logPages = result[0];
                    copiedPages = result[1];
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** {log pages, pages copied}, or null when the checkpoint could not run (it is retried on the next request). */
    private long[] checkpoint() {
        try {
            return handle.createQuery("pragma wal_checkpoint(passive)")
                    .map((rows, context) -> new long[] {rows.getLong(2), rows.getLong(3)}).one();
        } catch (RuntimeException e) {
            LOG.debug("checkpoint did not run: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handle.close();
    }
}
