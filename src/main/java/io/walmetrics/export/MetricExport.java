package io.walmetrics.export;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.feed.MetricChange;
import io.walmetrics.feed.MetricChanges;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes what changed in {@code metrics} after a batch ({@link MetricChanges}, the definition {@code sink}
 * shares) to a stream, for a search-index sink that follows the table incrementally: index actions with the
 * rows' latest state and delete actions, in batch order.
 *
 * <p>{@code since} 0 is a full export for an empty index: every metric, and no deletes.
 */
public final class MetricExport {

    /** What was written, and the batch to pass as {@code --since} next time. */
    public record Report(long since, long indexActions, long deleteActions, long nextSince) {
    }

    /** An export from an earlier batch than the outbox knows deletions from, or past the ledger's end. */
    public static final class SinceOutOfRangeException extends RuntimeException {
        SinceOutOfRangeException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final MetricChanges changes;

    public MetricExport(Jdbi jdbi) {
        this.changes = new MetricChanges(jdbi);
    }

    /** Writes the actions after batch {@code since} (0: every metric) to {@code out}, which stays open. */
    public Report write(long since, ExportFormat format, OutputStream out) {
        long[] counts = new long[2];
        long lastBatch;
        try (JsonGenerator lines = Json.linesGenerator(out)) {
            lastBatch = changes.read(since, change -> {
                format.write(lines, change);
                counts[change instanceof MetricChange.Index ? 0 : 1]++;
            });
            lines.flush();
        } catch (MetricChanges.SinceOutOfRangeException e) {
            throw new SinceOutOfRangeException(describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Report(since, counts[0], counts[1], lastBatch);
    }

    private static String describe(MetricChanges.SinceOutOfRangeException e) {
        return switch (e.reason()) {
            case PAST_THE_LAST_BATCH -> "--since " + e.since() + " is past the last batch of the database (" + e.bound()
                    + "): is this the database the sink has followed? export --since 0 sends everything";
            case BEFORE_DELETIONS_WERE_RECORDED -> "deletions are recorded only after batch " + e.bound()
                    + " (the database predates the metric_deletions outbox), so --since " + e.since()
                    + " would miss deletes; export --since 0 sends every metric to a fresh index";
        };
    }
}
