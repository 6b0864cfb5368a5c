package io.walmetrics.load;

import io.walmetrics.staging.Rejection;

/** More changes were rejected than --max-rejects allows; the batch in hand applied nothing. */
public final class TooManyRejectionsException extends RuntimeException {

    public TooManyRejectionsException(String input, int batchNo, long rejected, int maxRejects, Rejection last) {
        super(input + ": batch " + batchNo + ": stopped after " + rejected + " rejected changes, more than --max-rejects "
                + maxRejects + "; nothing of batch " + batchNo + " was applied (the last: " + last.describe() + ")");
    }
}
