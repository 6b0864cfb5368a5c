package io.walmetrics.load;

import java.util.function.BooleanSupplier;

/**
 * @param batchSize     records a batch for arrays of records and record streams; null for the
 *                      shape's default (docs/reference.md#file-shapes)
 * @param reprocess     apply batches the ledger already holds
 * @param maxRejects    stop the run once more changes than this are rejected; null for no limit
 * @param listener      told of each batch as it is done, or null; with one, each batch commits alone
 * @param stopRequested asked before each batch: once it says true, the load commits what it has
 *                      applied and returns, the rest of the input unread; null never stops
 * @param progress      told of each batch as it is done, or null; unlike {@code listener} it does
 *                      not change when batches commit
 * @param groupBatches  at most this many batches of a file fold and commit together; null for the
 *                      loader's bounds (tests force groups of one, a few and many)
 * @param sourceSchema  the PostgreSQL schema whose tables are the sources ({@code --schema}); null for
 *                      the database's own (docs/reference.md#source-tables)
 */
public record LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects, BatchListener listener,
                          BooleanSupplier stopRequested, ProgressListener progress, Integer groupBatches,
                          String sourceSchema) {

    public LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects, BatchListener listener,
                       BooleanSupplier stopRequested, ProgressListener progress) {
        this(batchSize, reprocess, maxRejects, listener, stopRequested, progress, null, null);
    }

    /** Told of every batch once it is committed (or skipped), with how long it took. */
    public interface BatchListener {
        void batchDone(int batchNo, boolean applied, long nanos);
    }

    /** Told of every batch once it is applied or skipped, with the run's totals so far. */
    public interface ProgressListener {
        /**
         * @param changes   changes of the applied batches (landed, ignored or rejected)
         * @param bytesRead how far into the input the reader stands
         */
        void progress(int batchesRead, long changes, long bytesRead);
    }

    public LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects, BatchListener listener) {
        this(batchSize, reprocess, maxRejects, listener, null, null);
    }

    public LoadOptions(Integer batchSize, boolean reprocess, Integer maxRejects) {
        this(batchSize, reprocess, maxRejects, null);
    }

    public LoadOptions(Integer batchSize, boolean reprocess) {
        this(batchSize, reprocess, null, null);
    }

    public LoadOptions withStopRequested(BooleanSupplier stopRequested) {
        return new LoadOptions(batchSize, reprocess, maxRejects, listener, stopRequested, progress, groupBatches, sourceSchema);
    }

    /** At most this many batches fold together (tests force small and large groups); null for the default. */
    public LoadOptions withGroupBatches(Integer groupBatches) {
        return new LoadOptions(batchSize, reprocess, maxRejects, listener, stopRequested, progress, groupBatches, sourceSchema);
    }

    /** The schema whose tables are the sources; null for the database's own. */
    public LoadOptions withSourceSchema(String sourceSchema) {
        return new LoadOptions(batchSize, reprocess, maxRejects, listener, stopRequested, progress, groupBatches, sourceSchema);
    }

    public LoadOptions withProgress(ProgressListener progress) {
        return new LoadOptions(batchSize, reprocess, maxRejects, listener, stopRequested, progress, groupBatches, sourceSchema);
    }

    /**
     * With a listener every batch commits on its own, as in every-minute operation, so that
     * its time includes its commit.
     */
    boolean commitsEachBatch() {
        return listener != null;
    }

    boolean isStopRequested() {
        return stopRequested != null && stopRequested.getAsBoolean();
    }
}
