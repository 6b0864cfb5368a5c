package io.walmetrics.load;

/**
 * @param batchSize  records a batch for arrays of records and record streams; null for the
 *                   shape's default (SPEC 2.2)
 * @param reprocess  apply batches the ledger already holds
 * @param maxRejects stop the run once more changes than this are rejected; null for no limit
 * @param listener   told of each batch as it is done, or null; with one, each batch commits alone
 */
public record LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects, BatchListener listener) {

    /** Told of every batch once it is committed (or skipped), with how long it took. */
    public interface BatchListener {
        void batchDone(int batchNo, boolean applied, long nanos);
    }

    public LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects) {
        this(batchSize, reprocess, maxRejects, null);
    }

    public LoadOptions(Integer batchSize, boolean reprocess) {
        this(batchSize, reprocess, null, null);
    }

    /**
     * With a listener every batch commits on its own, as in every-minute operation, so that
     * its time includes its commit.
     */
    boolean commitsEachBatch() {
        return listener != null;
    }
}
