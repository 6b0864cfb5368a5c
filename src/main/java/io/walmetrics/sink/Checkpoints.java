package io.walmetrics.sink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The table sink_index_checkpoints (migrations/018): per index (its cluster's and its own uuid), the last batch it
 * acknowledged entirely. A checkpoint of the same index name that is not this index's (the index was deleted and
 * made again, the node restarted empty, or a checkpoint from before uuids) is superseded: it tells the sink to start
 * over, and goes once the new index's first checkpoint is written.
 */
public final class Checkpoints {

    /** A checkpoint of the same name that is not this index's; {@code indexUuid} null for one from before uuids. */
    public record Superseded(long batch, String indexUuid) {
    }

    private static final String SUPERSEDED = """
            index_name = :index_name
              and (cluster_uuid = :cluster_uuid or target_url = :target_url)
              and not (cluster_uuid is not null and cluster_uuid = :cluster_uuid and index_uuid = :index_uuid)""";

    private final Jdbi jdbi;

    public Checkpoints(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The index's checkpoint; empty for an index never synced from this database. */
    public OptionalLong of(IndexIdentity index) {
        Optional<Long> batch = jdbi.withHandle(handle -> handle.createQuery("""
                        select batch_id
                        from sink_index_checkpoints
                        where cluster_uuid = :cluster_uuid
                          and index_uuid = :index_uuid""")
                .bind("cluster_uuid", index.clusterUuid())
                .bind("index_uuid", index.indexUuid())
                .mapTo(Long.class)
                .findOne());
        return batch.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** The greatest checkpoint of the same name, reached by this cluster or this URL, that is not this index's. */
    public Optional<Superseded> superseded(SinkTarget target, IndexIdentity index) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select batch_id, index_uuid
                        from sink_index_checkpoints
                        where\s""" + SUPERSEDED + """

                        order by batch_id desc
                        limit 1""")
                .bind("index_name", target.index())
                .bind("target_url", target.url())
                .bind("cluster_uuid", index.clusterUuid())
                .bind("index_uuid", index.indexUuid())
                .map((rs, ctx) -> new Superseded(rs.getLong("batch_id"), rs.getString("index_uuid")))
                .findOne());
    }

    /**
     * Moves the index's checkpoint forward to {@code batch}; never back (a second sink may be further); the first
     * time, removes the superseded checkpoints of that name and the refusals of the indexes they were for. Called
     * while the sink reads the feed in a read transaction: on a connection of its own ({@link Jdbi#open()}; useHandle
     * would reuse the reading handle of this thread), so it commits at once instead of upgrading a stale snapshot.
     */
    public void advance(SinkTarget target, IndexIdentity index, long batch) {
        try (Handle handle = jdbi.open()) {
            handle.useTransaction(transaction -> {
                transaction.createUpdate("""
                            delete from sink_refused
                            where index_name = :index_name
                              and not (cluster_uuid = :cluster_uuid and index_uuid = :index_uuid)
                              and exists (
                                  select 1
                                  from sink_index_checkpoints as c
                                  where c.cluster_uuid = sink_refused.cluster_uuid
                                    and c.index_uuid = sink_refused.index_uuid
                                    and c.index_name = :index_name
                                    and (c.cluster_uuid = :cluster_uuid or c.target_url = :target_url))""")
                        .bind("index_name", target.index())
                        .bind("target_url", target.url())
                        .bind("cluster_uuid", index.clusterUuid())
                        .bind("index_uuid", index.indexUuid())
                        .execute();
                transaction.createUpdate("delete from sink_index_checkpoints where " + SUPERSEDED)
                        .bind("index_name", target.index())
                        .bind("target_url", target.url())
                        .bind("cluster_uuid", index.clusterUuid())
                        .bind("index_uuid", index.indexUuid())
                        .execute();
                transaction.createUpdate("""
                            insert into sink_index_checkpoints (index_name, cluster_uuid, index_uuid, target_url, batch_id, acknowledged_at)
                            values (:index_name, :cluster_uuid, :index_uuid, :target_url, :batch_id, :acknowledged_at)
                            on conflict (cluster_uuid, index_uuid) do update
                            set batch_id = excluded.batch_id,
                                target_url = excluded.target_url,
                                acknowledged_at = excluded.acknowledged_at
                            where excluded.batch_id > sink_index_checkpoints.batch_id""")
                        .bind("index_name", target.index())
                        .bind("cluster_uuid", index.clusterUuid())
                        .bind("index_uuid", index.indexUuid())
                        .bind("target_url", target.url())
                        .bind("batch_id", batch)
                        .bind("acknowledged_at", now())
                        .execute();
            });
        }
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
