package io.walmetrics.sink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The table sink_checkpoints (migrations/013): per target, the last batch it acknowledged entirely. */
public final class Checkpoints {

    private final Jdbi jdbi;

    public Checkpoints(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The target's checkpoint; 0 for a target never synced (everything goes). */
    public long of(SinkTarget target) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select batch_id
                        from sink_checkpoints
                        where target_url = :target_url
                          and index_name = :index_name""")
                .bind("target_url", target.url())
                .bind("index_name", target.index())
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
    }

    /**
     * Moves the checkpoint forward to {@code batch}; never back (a second sink may be further). Called while the
     * sink reads the feed in a read transaction: on a connection of its own ({@link Jdbi#open()}; useHandle would
     * reuse the reading handle of this thread), so it commits at once instead of upgrading a stale snapshot.
     */
    public void advance(SinkTarget target, long batch) {
        try (Handle handle = jdbi.open()) {
            handle.createUpdate("""
                        insert into sink_checkpoints (target_url, index_name, batch_id, acknowledged_at)
                        values (:target_url, :index_name, :batch_id, :acknowledged_at)
                        on conflict (target_url, index_name) do update
                        set batch_id = excluded.batch_id,
                            acknowledged_at = excluded.acknowledged_at
                        where excluded.batch_id > sink_checkpoints.batch_id""")
                .bind("target_url", target.url())
                .bind("index_name", target.index())
                .bind("batch_id", batch)
                    .bind("acknowledged_at", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
                    .execute();
        }
    }
}
