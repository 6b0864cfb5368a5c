package io.walmetrics.load;

import io.walmetrics.staging.Rejection;
import io.walmetrics.wal.Lsn;
import java.util.List;
import java.util.Map;

/**
 * What a load committed, as the summary and {@code --json} print it. Only the batches read count
 * what was not committed.
 *
 * @param batchesSkipped      batches applied before: at the same position of the same input, or
 *                            every record at a source position applied before with the same changes
 * @param batchesDuplicate    batches without source positions whose content was applied before from
 *                            another input, and so not applied again ({@link #duplicates()} says where)
 * @param changesSkippedByLsn changes not landed because their record was applied before at its
 *                            {@code nextlsn}, with the same changes
 * @param lastAppliedLsn      the highest source position applied to the database, or null
 * @param inputEnded          the input was read to its end, every batch of it applied or skipped; false
 *                            when a stop request or a failure left batches of it unread
 */
public record LoadReport(
        int batchesRead,
        int batchesApplied,
        int batchesSkipped,
        int batchesDuplicate,
        long changesLanded,
        long changesIgnored,
        long changesRejected,
        long changesSkippedByLsn,
        long metricsUpserted,
        long metricsDeleted,
        long metricRows,
        Lsn lastAppliedLsn,
        List<String> schemaDrift,
        List<Rejection> firstRejections,
        List<DuplicateRun> duplicates,
        Map<String, Double> phaseSeconds,
        double seconds,
        boolean inputEnded) {

    static LoadReport nothing(long startedNanos) {
        return new LoadReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, List.of(), List.of(), List.of(), Map.of(),
                (System.nanoTime() - startedNanos) / 1e9, false);
    }

    public boolean hasRejections() {
        return changesRejected > 0;
    }

    /**
     * Which batches were not applied as copies of batches applied from another input, and where
     * those were applied first, in one line; null when there were none.
     */
    public String duplicatesLine() {
        if (duplicates.isEmpty()) {
            return null;
        }
        int shown = Math.min(duplicates.size(), DUPLICATE_RUNS_SHOWN);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            line.append(i == 0 ? "" : "; ").append(duplicates.get(i).describe());
        }
        if (duplicates.size() > shown) {
            line.append("; and ").append(duplicates.size() - shown).append(" more runs of batches");
        }
        return line.append(batchesDuplicate == 1 ? " was" : " were")
                .append(" applied before from another input: not applied again (--reprocess applies them)").toString();
    }

    private static final int DUPLICATE_RUNS_SHOWN = 3;
}
