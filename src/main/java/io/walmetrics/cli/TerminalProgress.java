package io.walmetrics.cli;

import io.walmetrics.load.LoadOptions;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A long load's progress on one line of standard error, rewritten in place at most four times a
 * second. Only on a terminal: redirected to a file or a pipe, standard error gets none of it.
 */
final class TerminalProgress implements LoadOptions.ProgressListener {

    private static final long SHOWN_EVERY_NANOS = 250_000_000L;

    private final PrintWriter err;
    /** The input's size in bytes, or 0 when unknown (standard input). */
    private final long inputBytes;
    private final long started = System.nanoTime();
    private long lastShown = started;
    private int shownLength;

    private TerminalProgress(PrintWriter err, long inputBytes) {
        this.err = err;
        this.inputBytes = inputBytes;
    }

    /** A progress line for a terminal, or null when standard error goes elsewhere. */
    static TerminalProgress onTerminal(PrintWriter err, long inputBytes) {
        return System.console() != null ? new TerminalProgress(err, inputBytes) : null;
    }

    @Override
    public void progress(int batchesRead, long changes, long bytesRead) {
        long now = System.nanoTime();
        if (now - lastShown < SHOWN_EVERY_NANOS) {
            return;
        }
        lastShown = now;
        double seconds = (now - started) / 1e9;
        String line = String.format(Locale.ROOT, "  %,d batches, %,.0f changes/s", batchesRead, changes / seconds);
        if (inputBytes > 0) {
            line += String.format(Locale.ROOT, ", %d%% of %,d MB read",
                    Math.min(100, bytesRead * 100 / inputBytes), Math.max(1, inputBytes / 1_000_000));
        }
        err.print("\r" + line + " ".repeat(Math.max(0, shownLength - line.length())));
        err.flush();
        shownLength = line.length();
    }

    /** Clears the line, so that the summary starts on a clean one. */
    void clear() {
        if (shownLength > 0) {
            err.print("\r" + " ".repeat(shownLength) + "\r");
            err.flush();
            shownLength = 0;
        }
    }
}
