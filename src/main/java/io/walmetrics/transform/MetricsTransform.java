package io.walmetrics.transform;

import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Runs the files of {@code sql/} in their number order once a group's changes are landed and
 * folded: affected keys to event ids, then the deletes against {@code metrics} (also remembered in
 * the outbox {@code metric_deletions} for {@code export}), then the upserts. The deletes go first:
 * the rows they look at are those that were there before, not the many a backfill has just written.
 */
public final class MetricsTransform implements AutoCloseable {

    /** The files of sql/, in run order; a test checks this is every file there. */
    public static final List<String> FILES = List.of(
            "010_collect_affected_events.sql",
            "020_clear_affected_keys.sql",
            "022_record_metric_deletions.sql",
            "025_delete_metrics.sql",
            "030_upsert_metrics.sql",
            "050_clear_affected_events.sql");

    private static final String UPSERT = "030_upsert_metrics.sql";
    private static final String DELETE = "025_delete_metrics.sql";

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
