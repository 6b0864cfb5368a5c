package io.walmetrics.transform;

import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Runs the files of {@code sql/} in their number order once the batch's changes are landed and
 * folded: affected keys to event ids, then the upsert and delete against {@code metrics}, the
 * deletes also remembered in the outbox {@code metric_deletions} for {@code export}.
 */
public final class MetricsTransform implements AutoCloseable {

    /** The files of sql/, in run order; a test checks this is every file there. */
    public static final List<String> FILES = List.of(
            "010_collect_affected_events.sql",
            "020_clear_affected_keys.sql",
            "030_upsert_metrics.sql",
            "035_record_metric_deletions.sql",
            "040_delete_metrics.sql",
            "050_clear_affected_events.sql");

    private static final String UPSERT = "030_upsert_metrics.sql";
    private static final String DELETE = "040_delete_metrics.sql";

    private final List<SqlFile> files;

    /** Prepares every file on the handle's connection; apply it on the same handle. */
    public MetricsTransform(Handle handle) {
        this.files = FILES.stream().map(name -> SqlFile.prepare(name, handle)).toList();
    }

    public MetricChanges apply(long batchId) {
        Map<String, Object> parameters = Map.of("batch_id", batchId);
        int upserted = 0;
        int deleted = 0;
        for (SqlFile file : files) {
            int rows = file.execute(parameters);
            if (file.name().equals(UPSERT)) {
                upserted = rows;
            } else if (file.name().equals(DELETE)) {
                deleted = rows;
            }
        }
        return new MetricChanges(upserted, deleted);
    }

    public record MetricChanges(int upserted, int deleted) {
    }

    @Override
    public void close() {
        files.forEach(SqlFile::close);
    }
}
