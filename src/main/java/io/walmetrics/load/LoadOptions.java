package io.walmetrics.load;

/**
 * @param batchSize  records a batch for arrays of records and record streams; null for the
 *                   shape's default (SPEC 2.2)
 * @param reprocess  apply batches the ledger already holds
 * @param maxRejects stop the run once more changes than this are rejected; null for no limit
 */
public record LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects) {

    public LoadOptions(Integer batchSize, boolean reprocess) {
        this(batchSize, reprocess, null);
    }
}
