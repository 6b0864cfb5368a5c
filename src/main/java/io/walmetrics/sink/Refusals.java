package io.walmetrics.sink;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The table sink_refused (migrations/018): the documents an index refused for good, as sent, with the node's reason,
 * for a person to see and for the next sink to send again. A row goes once the index acknowledges that id.
 */
final class Refusals {

    private final Jdbi jdbi;
    private final SinkTarget target;
    private final IndexIdentity index;
    private final Set<String> kept;

    private Refusals(Jdbi jdbi, SinkTarget target, IndexIdentity index, Set<String> kept) {
        this.jdbi = jdbi;
        this.target = target;
        this.index = index;
        this.kept = kept;
    }

    /** The refusals kept for this index. */
    static Refusals of(Jdbi jdbi, SinkTarget target, IndexIdentity index) {
        List<String> ids = jdbi.withHandle(handle -> handle.createQuery("""
                        select document_id
                        from sink_refused
                        where cluster_uuid = :cluster_uuid
                          and index_uuid = :index_uuid""")
                .bind("cluster_uuid", index.clusterUuid())
                .bind("index_uuid", index.indexUuid())
                .mapTo(String.class)
                .list());
        return new Refusals(jdbi, target, index, new TreeSet<>(ids));
    }

    /** The ids kept, in id order. */
    Set<String> ids() {
        return Set.copyOf(kept);
    }

    /** Keeps (or updates) the refusal of a document; {@code document} null for a delete. */
    void keep(String id, long batch, boolean delete, String reason, String document) {
        try (Handle handle = jdbi.open()) {
            handle.createUpdate("""
                        insert into sink_refused (cluster_uuid, index_uuid, index_name, document_id, batch_id, action, reason, document,
                                                  refused_at)
                        values (:cluster_uuid, :index_uuid, :index_name, :document_id, :batch_id, :action, :reason, :document, :refused_at)
                        on conflict (cluster_uuid, index_uuid, document_id) do update
                        set batch_id = excluded.batch_id,
                            action = excluded.action,
                            reason = excluded.reason,
                            document = excluded.document,
                            refused_at = excluded.refused_at""")
                    .bind("cluster_uuid", index.clusterUuid())
                    .bind("index_uuid", index.indexUuid())
                    .bind("index_name", target.index())
                    .bind("document_id", id)
                    .bind("batch_id", batch)
                    .bind("action", delete ? "delete" : "index")
                    .bind("reason", reason)
                    .bind("document", document)
                    .bind("refused_at", Checkpoints.now())
                    .execute();
        }
        kept.add(id);
    }

    /** The index acknowledged this id (at this version or a newer one): its refusal, if any, goes. */
    void acknowledged(String id) {
        if (!kept.remove(id)) {
            return;
        }
        try (Handle handle = jdbi.open()) {
            handle.createUpdate("""
                        delete from sink_refused
                        where cluster_uuid = :cluster_uuid
                          and index_uuid = :index_uuid
                          and document_id = :document_id""")
                    .bind("cluster_uuid", index.clusterUuid())
                    .bind("index_uuid", index.indexUuid())
                    .bind("document_id", id)
                    .execute();
        }
    }
}
