package io.walmetrics.schema;

import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.BusyHandler;

/**
 * SQLite's busy timeout, done in Java so that a long wait can be announced: retried with SQLite's
 * own back-off until {@link LockWait#atMost()} has passed, told once to {@link LockWait#onLongWait()}
 * after {@link LockWait#NOTICE_AFTER}.
 */
final class LockWaitHandler extends BusyHandler {

    /** SQLite's own busy-timeout sleeps, in milliseconds; the last repeats. */
    private static final int[] SLEEPS_MILLIS = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};

    private final LockWait wait;
    private long waitStartedNanos;
    private boolean announced;

    private LockWaitHandler(LockWait wait) {
        this.wait = wait;
    }

    static void install(Connection connection, LockWait wait) throws SQLException {
        BusyHandler.setHandler(connection, new LockWaitHandler(wait));
    }

    @Override
    protected int callback(int previousCalls) {
        long now = System.nanoTime();
        if (previousCalls == 0) {
            waitStartedNanos = now;
            announced = false;
        }
        long waited = now - waitStartedNanos;
        if (waited >= wait.atMost().toNanos()) {
            return 0;
        }
        if (!announced && waited >= LockWait.NOTICE_AFTER.toNanos()) {
            announced = true;
            wait.onLongWait().accept(wait.atMost());
        }
        long sleep = Math.min(SLEEPS_MILLIS[Math.min(previousCalls, SLEEPS_MILLIS.length - 1)],
                Math.max(1, (wait.atMost().toNanos() - waited) / 1_000_000));
        try {
            Thread.sleep(sleep);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        return 1;
    }
}
