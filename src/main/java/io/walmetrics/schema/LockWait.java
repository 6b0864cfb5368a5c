package io.walmetrics.schema;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How long a connection waits for another connection's lock on the database (a loader's batch, a
 * {@code sqlite3} shell's transaction), and who is told once a wait has lasted {@link #NOTICE_AFTER}.
 *
 * @param atMost     the wait after which the statement fails with SQLITE_BUSY
 * @param onLongWait told once a wait, with {@code atMost}, when it has lasted {@link #NOTICE_AFTER}
 */
public record LockWait(Duration atMost, Consumer<Duration> onLongWait) {

    /** A wait shorter than this is an ordinary handover between two loaders' batches and goes unsaid. */
    public static final Duration NOTICE_AFTER = Duration.ofSeconds(1);

    /** How long a second loader waits for the first to finish its batch before giving up. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public static final LockWait SILENT = new LockWait(DEFAULT_TIMEOUT, atMost -> { });

    public static LockWait announcing(Duration atMost, Consumer<Duration> onLongWait) {
        return new LockWait(atMost, onLongWait);
    }
}
