package io.walmetrics.export;

import com.fasterxml.jackson.core.JsonGenerator;
import io.walmetrics.wal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes what changed in {@code metrics} after a batch, for a search-index sink that follows the
 * table incrementally: the rows whose {@code updated_in_batch} is greater as index actions (their
 * latest state), and the ids deleted since then that are not back as delete actions (the outbox
 * {@code metric_deletions}, through the view {@code metric_feed} of migrations/010), in batch order.
 * Everything is read in one read transaction, so the batch to pass next time matches what was written.
 *
 * <p>{@code since} 0 is a full export for an empty index: every metric, and no deletes.
 */
public final class MetricExport {

    /** What was written, and the batch to pass as {@code --since} next time. */
    public record Report(long since, long indexActions, long deleteActions, long nextSince) {
    }

    /** An export from an earlier batch than the outbox knows deletions from, or past the ledger's end. */
    public static final class SinceOutOfRangeException extends RuntimeException {
        SinceOutOfRangeException(String message) {
            super(message);
        }
    }

    private static final String FEED = "select f.op, f.id as feed_id, "
            + MetricDocument.COLUMNS.stream().map(column -> "m." + column).collect(Collectors.joining(", "))
            + """

            from metric_feed as f
            left join metrics as m on f.op = 'index' and m.id = f.id
            where f.batch_id > :since
              and (f.op = 'index' or :since > 0)
            order by f.batch_id, f.id""";

    private final Jdbi jdbi;

    public MetricExport(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Writes the actions after batch {@code since} (0: every metric) to {@code out}, which stays open. */
    public Report write(long since, ExportFormat format, OutputStream out) {
        return jdbi.inTransaction(handle -> {
            long lastBatch = handle.createQuery("select coalesce(max(batch_id), 0) from batch_ledger")
                    .mapTo(Long.class).one();
            checkSince(handle, since, lastBatch);
            long[] counts = new long[2];
            try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
                json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                json.setRootValueSeparator(null);
                handle.createQuery(FEED)
                        .bind("since", since)
                        .scanResultSet((results, context) -> {
                            var rs = results.get();
                            while (rs.next()) {
                                String id = rs.getString("feed_id");
                                try {
                                    if ("index".equals(rs.getString("op"))) {
                                        format.writeIndex(json, id, MetricDocument.read(rs));
                                        counts[0]++;
                                    } else {
                                        format.writeDelete(json, id);
                                        counts[1]++;
                                    }
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            }
                            return null;
                        });
                json.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Report(since, counts[0], counts[1], lastBatch);
        });
    }

    private static void checkSince(Handle handle, long since, long lastBatch) {
        if (since > lastBatch) {
            throw new SinceOutOfRangeException("--since " + since + " is past the last batch of the database (" + lastBatch
                    + "): is this the database the sink has followed? export --since 0 sends everything");
        }
        long recordedAfter = handle.createQuery("select batch_id from metric_deletions_recorded_after where id = 1")
                .mapTo(Long.class).findOne().orElse(0L);
        if (since != 0 && since < recordedAfter) {
            throw new SinceOutOfRangeException("deletions are recorded only after batch " + recordedAfter
                    + " (the database predates the metric_deletions outbox), so --since " + since
                    + " would miss deletes; export --since 0 sends every metric to a fresh index");
        }
    }
}
