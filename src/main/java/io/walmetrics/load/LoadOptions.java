package io.walmetrics.load;

/**
 * @param batchSize records a batch for arrays of records and record streams; null for the
 *                  shape's default (SPEC 2.2)
 * @param reprocess apply batches the ledger already holds
 */
public record LoadOptions(Integer batchSize, boolean reprocess) {
}
