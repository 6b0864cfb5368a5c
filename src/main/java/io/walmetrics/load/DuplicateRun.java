package io.walmetrics.load;

import java.util.Locale;

/**
 * Consecutive batches of an input that were not applied because the same content had been applied
 * from another input: batches {@code fromBatchNo..toBatchNo} here are batches
 * {@code firstFromBatchNo..firstToBatchNo} of {@code firstInput}.
 */
public record DuplicateRun(int fromBatchNo, int toBatchNo, String firstInput, long firstFromBatchNo,
                           long firstToBatchNo) {

    boolean extendsWith(int batchNo, BatchLedger.Application first) {
        return batchNo == toBatchNo + 1 && first.input().equals(firstInput) && first.batchNo() == firstToBatchNo + 1;
    }

    DuplicateRun extendedTo(int batchNo, BatchLedger.Application first) {
        return new DuplicateRun(fromBatchNo, batchNo, firstInput, firstFromBatchNo, first.batchNo());
    }

    boolean precedes(DuplicateRun next) {
        return next.fromBatchNo == toBatchNo + 1 && next.firstInput.equals(firstInput)
                && next.firstFromBatchNo == firstToBatchNo + 1;
    }

    DuplicateRun joinedWith(DuplicateRun next) {
        return new DuplicateRun(fromBatchNo, next.toBatchNo, firstInput, firstFromBatchNo, next.firstToBatchNo);
    }

    /** "batches 1 to 23 (batches 1 to 23 of /data/wal.json)". */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%s of %s)", range(fromBatchNo, toBatchNo),
                range(firstFromBatchNo, firstToBatchNo), firstInput);
    }

    static String range(long from, long to) {
        return from == to ? String.format(Locale.ROOT, "batch %,d", from)
                : String.format(Locale.ROOT, "batches %,d to %,d", from, to);
    }
}
