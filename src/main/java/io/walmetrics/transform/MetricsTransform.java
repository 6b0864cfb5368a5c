package io.walmetrics.transform;

import io.walmetrics.schema.ProjectFiles;
import io.walmetrics.schema.SqlHeader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Runs the files of {@code sql/} in their number order once a group's changes are landed and
 * folded: affected keys to event ids, then the deletes against {@code metrics} (also remembered in
 * the outbox {@code metric_deletions} for {@code export}), then the upserts. The deletes go first:
 * the rows they look at are those that were there before, not the many a backfill has just written.
 *
 * <p>A file's header line {@code -- Counts: metrics_upserted} (or {@code metrics_deleted}) says that
 * the rows its statement changes are that figure of the summary; exactly one file says each.
 */
public final class MetricsTransform implements AutoCloseable {

    /** The files of sql/, in run order: every {@code .sql} file there, in number order. */
    public static final List<String> FILES = ProjectFiles.listSql("sql");

    private static final String HEADER_KEY = "Counts";
    static final String UPSERTED = "metrics_upserted";
    static final String DELETED = "metrics_deleted";

    /** One file of sql/, and the figure its row count is, if any. */
    private record Step(SqlFile file, Optional<String> counts) {
    }

    private final List<Step> steps;

    /** Prepares every file on the handle's connection; apply it on the same handle. */
    public MetricsTransform(Handle handle) {
        this.steps = FILES.stream().map(name -> {
            String sql = ProjectFiles.read("sql/" + name);
            Optional<String> counts = SqlHeader.of("sql/" + name, sql).find(HEADER_KEY).map(MetricsTransform::figure);
            return new Step(SqlFile.prepareText(name, sql, handle), counts);
        }).toList();
        for (String figure : List.of(UPSERTED, DELETED)) {
            long files = steps.stream().filter(step -> step.counts().equals(Optional.of(figure))).count();
            if (files != 1) {
                close();
                throw new IllegalStateException(files + " files of sql/ say \"-- " + HEADER_KEY + ": " + figure
                        + "\" in their header; exactly one must");
            }
        }
    }

    /** The figure a {@code Counts:} line names: its first word, one of the two the summary has. */
    private static String figure(String countsLine) {
        String figure = countsLine.split("[\\s,]", 2)[0];
        if (!figure.equals(UPSERTED) && !figure.equals(DELETED)) {
            throw new IllegalStateException("\"-- " + HEADER_KEY + ": " + countsLine + "\": the figure is "
                    + UPSERTED + " or " + DELETED);
        }
        return figure;
    }

    public MetricChanges apply(long batchId) {
        Map<String, Object> parameters = Map.of("batch_id", batchId);
        int upserted = 0;
        int deleted = 0;
        for (Step step : steps) {
            int rows = step.file().execute(parameters);
            if (step.counts().isPresent()) {
                if (step.counts().get().equals(UPSERTED)) {
                    upserted = rows;
                } else {
                    deleted = rows;
                }
            }
        }
        return new MetricChanges(upserted, deleted);
    }

    public record MetricChanges(int upserted, int deleted) {
    }

    @Override
    public void close() {
        if (steps != null) {
            steps.forEach(step -> step.file().close());
        }
    }
}
