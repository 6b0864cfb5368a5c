package io.walmetrics.load;

/** A file's batch differs from the batch at the same position applied before: it was rewritten. */
public final class BatchConflictException extends RuntimeException {

    public BatchConflictException(String input, int batchNo) {
        super(input + ": batch " + batchNo + " differs from batch " + batchNo
                + " applied from this file before, so the file was rewritten rather than appended to;"
                + " nothing of it was applied (--reprocess applies it anyway)");
    }
}
