package io.walmetrics.cli;

/** The exit codes of every command (docs/reference.md#exit-codes). */
public final class ExitCode {

    /** Done. */
    public static final int OK = 0;
    /** A fatal error: malformed JSON, I/O, a database that cannot be opened or is locked. */
    public static final int FAILED = 1;
    /** The command line itself is wrong. */
    public static final int USAGE = 2;
    /** Done, but some changes were rejected: see the rejected_changes table. */
    public static final int REJECTED = 3;
    /** verify: the maintained tables differ from their recomputation. */
    public static final int DIFFERENT = 4;

    private ExitCode() {
    }
}
