package io.walmetrics.cli;

import java.util.concurrent.CountDownLatch;

/**
 * SIGTERM and Ctrl-C for the commands that run until stopped (watch, follow): the JVM's shutdown
 * hook asks the loop to stop, waits until the command is finished with the batch in hand, and ends
 * the JVM itself with exit 0, since a JVM ended by a signal otherwise exits 143 or 130.
 */
final class StopThenExitZero implements AutoCloseable {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private StopThenExitZero(String name, Runnable beforeExit) {
        this.hook = name == null ? null : new Thread(() -> {
            requested.countDown();
            awaitUninterruptibly(finished);
            beforeExit.run();
            Runtime.getRuntime().halt(ExitCode.OK);
        }, name);
    }

    /** @param beforeExit run by the hook once the command is finished, just before the JVM ends */
    static StopThenExitZero install(String name, Runnable beforeExit) {
        StopThenExitZero stop = new StopThenExitZero(name, beforeExit);
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** A stop no signal requests, for a command that runs once: a signal ends it as it ends any JVM. */
    static StopThenExitZero notInstalled() {
        return new StopThenExitZero(null, null);
    }

    /** Counted down once a signal asked the loop to stop. */
    CountDownLatch requested() {
        return requested;
    }

    boolean isRequested() {
        return requested.getCount() == 0;
    }

    /** The command is finished: without a signal the JVM ends as usual, with one the hook ends it with 0. */
    @Override
    public void close() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and waits for the command to be finished
            }
        }
        finished.countDown();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException keepWaiting) {
                // the batch in hand must be finished before the JVM ends
            }
        }
    }
}
