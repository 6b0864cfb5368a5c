package io.walmetrics.load;

/** A load that stopped on an error; {@link #partialReport()} says what was committed before it. */
public final class LoadFailedException extends Exception {

    private final transient LoadReport partialReport;

    public LoadFailedException(LoadReport partialReport, Exception cause) {
        super(cause.getMessage(), cause);
        this.partialReport = partialReport;
    }

    public LoadReport partialReport() {
        return partialReport;
    }
}
