package io.walmetrics.load;

/**
 * A load that stopped on an error; {@link #partialReport()} says what was committed before it, and
 * {@link #notApplied()} which batches of the input were not applied (null when none was read).
 */
public final class LoadFailedException extends Exception {

    private final transient LoadReport partialReport;
    private final transient NotApplied notApplied;

    public LoadFailedException(LoadReport partialReport, NotApplied notApplied, Exception cause) {
        super(cause.getMessage(), cause);
        this.partialReport = partialReport;
        this.notApplied = notApplied;
    }

    public LoadReport partialReport() {
        return partialReport;
    }

    public NotApplied notApplied() {
        return notApplied;
    }
}
