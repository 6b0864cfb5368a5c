package io.walmetrics.load;

import io.walmetrics.staging.Rejection;
import java.util.List;
import java.util.Map;

/** What a load did, as the summary and {@code --json} print it. */
public record LoadReport(
        int batchesRead,
        int batchesApplied,
        int batchesSkipped,
        long changesLanded,
        long changesIgnored,
        long changesRejected,
        long metricsUpserted,
        long metricsDeleted,
        long metricRows,
        List<String> schemaDrift,
        List<Rejection> firstRejections,
        Map<String, Double> phaseSeconds,
        double seconds) {

    static LoadReport nothing(long startedNanos) {
        return new LoadReport(0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), Map.of(), (System.nanoTime() - startedNanos) / 1e9);
    }

    public boolean hasRejections() {
        return changesRejected > 0;
    }
}
