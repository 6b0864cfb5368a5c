package io.walmetrics.feed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What changed in {@code metrics} after a batch: the one definition that {@code export} and {@code sink} share.
 * The rows whose {@code updated_in_batch} is greater are index changes (their latest state); the ids deleted
 * since then that are not back are delete changes (the outbox {@code metric_deletions}, through the view
 * {@code metric_feed} of migrations/010); in batch order, then id order. Everything is read in one read
 * transaction, so the last batch returned matches what was read.
 *
 * <p>{@code since} 0 means "for an empty index": every metric, and no deletes.
 */
public final class MetricChanges {

    /** Takes the changes one by one. */
    @FunctionalInterface
    public interface Receiver {
        void accept(MetricChange change) throws IOException;
    }

    /** A {@code since} the database cannot answer exactly. */
    public static final class SinceOutOfRangeException extends RuntimeException {

        /** Why. */
        public enum Reason {
            /** After the last batch of the ledger: another database, or one restored from an older copy. */
            PAST_THE_LAST_BATCH,
            /** Before the outbox of deletions existed: deletes would be missed. */
            BEFORE_DELETIONS_WERE_RECORDED
        }

        private final Reason reason;
        private final long since;
        private final long bound;

        SinceOutOfRangeException(Reason reason, long since, long bound) {
            super(reason == Reason.PAST_THE_LAST_BATCH
                    ? "batch " + since + " is past the last batch of the database (" + bound + ")"
                    : "deletions are recorded only after batch " + bound + ", so changes after batch " + since + " would miss deletes");
            this.reason = reason;
            this.since = since;
            this.bound = bound;
        }

        public Reason reason() {
            return reason;
        }

        public long since() {
            return since;
        }

        /** The last batch of the ledger, or the batch after which deletions are recorded. */
        public long bound() {
            return bound;
        }
    }

    private static final String SELECT = "select f.op, f.id as feed_id, f.batch_id as feed_batch, "
            + MetricDocument.COLUMNS.stream().map(column -> "m." + column).collect(Collectors.joining(", "))
            + """

            from metric_feed as f
            left join metrics as m on f.op = 'index' and m.id = f.id
            """;

    private static final String FEED = SELECT + """
            where f.batch_id > :since
              and (f.op = 'index' or :since > 0 or :deletes_from_start)
            order by f.batch_id, f.id""";


    private final Jdbi jdbi;

    public MetricChanges(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Hands every change after batch {@code since} to {@code receiver}, in order, and returns the last batch of
     * the ledger as this read saw it: what a follower has caught up to once it has applied them all.
     */
    public long read(long since, Receiver receiver) {
        return read(since, false, receiver);
    }

    /**
     * As {@link #read(long, Receiver)}; with {@code deletesFromStart}, {@code since} 0 also hands every recorded
     * deletion (of an id not back): what an index of unknown content needs to become equal to metrics.
     */
    public long read(long since, boolean deletesFromStart, Receiver receiver) {
        return jdbi.inTransaction(handle -> {
            long lastBatch = handle.createQuery("select coalesce(max(batch_id), 0) from batch_ledger")
                    .mapTo(Long.class).one();
            checkSince(handle, since, lastBatch);
            handle.createQuery(FEED)
                    .bind("since", since)
                    .bind("deletes_from_start", deletesFromStart)
                    .scanResultSet((results, context) -> {
                        hand(results.get(), receiver);
                        return null;
                    });
            return lastBatch;
        });
    }

    /** Hands the change of each of these ids as it is now (its row, or its deletion), in batch order. */
    public void readIds(java.util.Collection<String> ids, Receiver receiver) {
        List<String> all = List.copyOf(ids);
        jdbi.useTransaction(handle -> {
            for (int from = 0; from < all.size(); from += 500) {
                List<String> some = all.subList(from, Math.min(all.size(), from + 500));
                String parameters = java.util.stream.IntStream.range(0, some.size()).mapToObj(i -> ":id" + i)
                        .collect(Collectors.joining(", "));
                var query = handle.createQuery(SELECT + "where f.id in (" + parameters + ")\norder by f.batch_id, f.id");
                for (int i = 0; i < some.size(); i++) {
                    query.bind("id" + i, some.get(i));
                }
                query.scanResultSet((results, context) -> {
                            hand(results.get(), receiver);
                            return null;
                        });
            }
        });
    }

    private static void hand(java.sql.ResultSet rs, Receiver receiver) throws java.sql.SQLException {
        while (rs.next()) {
            String id = rs.getString("feed_id");
            long batch = rs.getLong("feed_batch");
            MetricChange change = "index".equals(rs.getString("op"))
                    ? new MetricChange.Index(id, batch, MetricDocument.read(rs))
                    : new MetricChange.Delete(id, batch);
            try {
                receiver.accept(change);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void checkSince(Handle handle, long since, long lastBatch) {
        if (since > lastBatch) {
            throw new SinceOutOfRangeException(SinceOutOfRangeException.Reason.PAST_THE_LAST_BATCH, since, lastBatch);
        }
        long recordedAfter = handle.createQuery("select batch_id from metric_deletions_recorded_after where id = 1")
                .mapTo(Long.class).findOne().orElse(0L);
        if (since != 0 && since < recordedAfter) {
            throw new SinceOutOfRangeException(SinceOutOfRangeException.Reason.BEFORE_DELETIONS_WERE_RECORDED, since, recordedAfter);
        }
    }
}
