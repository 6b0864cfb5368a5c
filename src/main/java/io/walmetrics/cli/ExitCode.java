package io.walmetrics.cli;

/** The exit codes of every command (docs/reference.md#exit-codes). */
public final class ExitCode {

    /** Done. */
    public static final int OK = 0;
    /** A fatal error: malformed JSON, I/O, a database that cannot be opened or is locked. */
    public static final int FAILED = 1;
    /** The command line itself is wrong. */
    public static final int USAGE = 2;
    /** Done, but some changes were rejected: see the rejected_changes table (sink: documents the index refused, sink_refused). */
    public static final int REJECTED = 3;
    /** verify: the maintained tables differ from their recomputation. */
    public static final int DIFFERENT = 4;
    /** sink: the search node stayed unreachable or overloaded for --give-up-after; the next run sends the rest. */
    public static final int GAVE_UP = 5;

    private ExitCode() {
    }
}
