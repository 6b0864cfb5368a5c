package io.walmetrics.load;

/**
 * A record whose source position contradicts the ledger or the input: the input is refused there,
 * and the batch holding the record applies nothing (docs/reference.md#the-ledger).
 */
public final class SourcePositionException extends RuntimeException {

    private SourcePositionException(String message) {
        super(message);
    }

    static SourcePositionException appliedWithOtherChanges(String input, int batchNo, int recordNo, Object position,
                                                           BatchLedger.Application appliedFrom) {
        return new SourcePositionException(where(input, batchNo, recordNo) + "position " + position
                + " was applied before with other changes" + from(appliedFrom) + refusing(batchNo));
    }

    static SourcePositionException neverApplied(String input, int batchNo, int recordNo, Object position, Object highest,
                                                BatchLedger.Application highestFrom) {
        return new SourcePositionException(where(input, batchNo, recordNo) + "position " + position
                + " was never applied here, though positions up to " + highest + " were" + from(highestFrom)
                + refusing(batchNo));
    }

    static SourcePositionException backwards(String input, int batchNo, int recordNo, Object position,
                                             int previousBatchNo, int previousRecordNo, Object previous) {
        return new SourcePositionException(where(input, batchNo, recordNo) + "position " + position
                + " does not follow position " + previous + " of batch " + previousBatchNo + ", record " + previousRecordNo
                + ": positions must grow within an input; nothing of batch " + batchNo + " applied");
    }

    private static String where(String input, int batchNo, int recordNo) {
        return input + ": batch " + batchNo + ", record " + recordNo + ": ";
    }

    private static String from(BatchLedger.Application application) {
        if (application == null) {
            return "";
        }
        String input = "-".equals(application.input()) ? "standard input" : application.input();
        return " (from " + input + ", batch " + application.batchNo() + ")";
    }

    private static String refusing(int batchNo) {
        return ": refusing this input; nothing of batch " + batchNo + " applied";
    }
}
