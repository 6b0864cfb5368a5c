package io.walmetrics.wal;

/** Gathers the {@code nextlsn} of a batch's records, record by record, into its {@link LsnRange}. */
final class LsnRangeCollector {

    private Lsn first;
    private Lsn last;
    private int recordsWithout;

    void startBatch() {
        first = null;
        last = null;
        recordsWithout = 0;
    }

    void record(Lsn lsn) {
        if (lsn == null) {
            recordsWithout++;
            return;
        }
        if (first == null || lsn.compareTo(first) < 0) {
            first = lsn;
        }
        if (last == null || lsn.compareTo(last) > 0) {
            last = lsn;
        }
    }

    /** Null when no record of the batch carried a position. */
    LsnRange range() {
        return first == null ? null : new LsnRange(first, last, recordsWithout == 0);
    }
}
