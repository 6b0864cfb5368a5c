package io.walmetrics.load;

import io.walmetrics.staging.LandedBatch;
import io.walmetrics.staging.Rejection;
import io.walmetrics.transform.MetricsTransform;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a run of batches did. The loader keeps one for the transaction in hand and one for what
 * has been committed, and adds the first to the second only once the commit succeeded: a summary
 * counts only what is in the database.
 */
final class Tally {

    private static final int REJECTIONS_KEPT_FOR_REPORT = 20;

    int batchesApplied;
    int batchesSkipped;
    int batchesDuplicate;
    long changesLanded;
    long changesIgnored;
    long changesRejected;
    long changesSkippedByLsn;
    long metricsUpserted;
    long metricsDeleted;
    final Set<String> driftColumns = new TreeSet<>();
    final List<Rejection> firstRejections = new ArrayList<>();
    final List<DuplicateRun> duplicates = new ArrayList<>();

    void applied(LandedBatch landed) {
        batchesApplied++;
        changesLanded += landed.landed();
        changesIgnored += landed.ignored();
        changesRejected += landed.rejected();
        driftColumns.addAll(landed.driftColumns());
        keepRejections(landed.rejections());
    }

    /** The metrics a group's fold changed. */
    void metrics(MetricsTransform.MetricChanges metrics) {
        metricsUpserted += metrics.upserted();
        metricsDeleted += metrics.deleted();
    }

    void duplicate(int batchNo, BatchLedger.Application first) {
        batchesDuplicate++;
        DuplicateRun last = duplicates.isEmpty() ? null : duplicates.get(duplicates.size() - 1);
        if (last != null && last.extendsWith(batchNo, first)) {
            duplicates.set(duplicates.size() - 1, last.extendedTo(batchNo, first));
        } else {
            duplicates.add(new DuplicateRun(batchNo, batchNo, first.input(), first.batchNo(), first.batchNo()));
        }
    }

    /** Adds a committed transaction's tally to this one. */
    void add(Tally committed) {
        batchesApplied += committed.batchesApplied;
        batchesSkipped += committed.batchesSkipped;
        batchesDuplicate += committed.batchesDuplicate;
        changesLanded += committed.changesLanded;
        changesIgnored += committed.changesIgnored;
        changesRejected += committed.changesRejected;
        changesSkippedByLsn += committed.changesSkippedByLsn;
        metricsUpserted += committed.metricsUpserted;
        metricsDeleted += committed.metricsDeleted;
        driftColumns.addAll(committed.driftColumns);
        keepRejections(committed.firstRejections);
        for (DuplicateRun run : committed.duplicates) {
            DuplicateRun last = duplicates.isEmpty() ? null : duplicates.get(duplicates.size() - 1);
            if (last != null && last.precedes(run)) {
                duplicates.set(duplicates.size() - 1, last.joinedWith(run));
            } else {
                duplicates.add(run);
            }
        }
    }

    long changes() {
        return changesLanded + changesIgnored + changesRejected;
    }

    private void keepRejections(List<Rejection> rejections) {
        for (Rejection rejection : rejections) {
            if (firstRejections.size() < REJECTIONS_KEPT_FOR_REPORT) {
                firstRejections.add(rejection);
            }
        }
    }
}
