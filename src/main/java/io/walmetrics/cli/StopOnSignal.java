package io.walmetrics.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM and Ctrl-C (SIGINT) during a load: the JVM's shutdown hook asks the load to stop before
 * its next batch and waits until the batch in hand is committed and the command has said where it
 * stopped; the JVM then ends with the signal's usual status (143 for SIGTERM, 130 for SIGINT).
 * A load waiting for standard input to say more holds no batch in hand (each batch of standard
 * input commits as it arrives), so it is not waited for: the hook says where it stopped itself.
 * A signal that finds the load past its last batch stopped nothing: once the command is done the
 * hook ends the JVM with the command's own exit code ({@link #completed}).
 */
final class StopOnSignal implements AutoCloseable {

    /** How long a read of standard input must have been waiting for the load to count as idle. */
    private static final long IDLE_READ_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Says where the load stopped, in one line; called once, by the command or by the hook. */
    interface Announcement {
        void stopped();
    }

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean requested;
    private volatile long readWaitingSince;
    private volatile boolean announced;
    /** The exit code of a load that read its whole input; null while it has not. */
    private volatile Integer completedExitCode;

    private StopOnSignal(Announcement announcement) {
        this.hook = new Thread(() -> {
            requested = true;
            try {
                while (!finished.await(50, TimeUnit.MILLISECONDS)) {
                    long since = readWaitingSince;
                    if (since != 0 && System.nanoTime() - since > IDLE_READ_NANOS) {
                        announceOnce(announcement);
                        return;
                    }
                }
                Integer exitCode = completedExitCode;
                if (exitCode != null) {
                    Runtime.getRuntime().halt(exitCode);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "load-stopper");
    }

    static StopOnSignal install(Announcement announcement) {
        StopOnSignal stop = new StopOnSignal(announcement);
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** True once a signal asked the load to stop. */
    boolean requested() {
        return requested;
    }

    /** The command says where it stopped, unless the hook already did. */
    void announce(Announcement announcement) {
        if (requested) {
            announceOnce(announcement);
        }
    }

    private synchronized void announceOnce(Announcement announcement) {
        if (!announced) {
            announced = true;
            announcement.stopped();
        }
    }

    /**
     * The load read its whole input and ends with {@code exitCode}: a signal that comes from now on
     * stopped nothing, and the JVM ends with this code, not the signal's. Called before {@link #close}.
     */
    void completed(int exitCode) {
        completedExitCode = exitCode;
    }

    /** Standard input, telling this stop when a read of it is waiting for the producer. */
    InputStream watching(InputStream input) {
        return new FilterInputStream(input) {
            @Override
            public int read() throws IOException {
                readWaitingSince = System.nanoTime();
                try {
                    return super.read();
                } finally {
                    readWaitingSince = 0;
                }
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                readWaitingSince = System.nanoTime();
                try {
                    return super.read(buffer, offset, length);
                } finally {
                    readWaitingSince = 0;
                }
            }
        };
    }

    /** The load is over (done, failed or stopped): a signal from now on ends the JVM at once. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, and returns now that the load is over
        }
    }
}
