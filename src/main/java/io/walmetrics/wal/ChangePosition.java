package io.walmetrics.wal;

/** Where a change stands: batch, record in the batch and change in the record, all from 1. */
public record ChangePosition(int batchNo, int recordNo, int changeNo) {

    @Override
    public String toString() {
        return "batch " + batchNo + ", record " + recordNo;
    }
}
