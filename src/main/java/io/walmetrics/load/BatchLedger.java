package io.walmetrics.load;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The batch ledger: what makes a load exactly-once. Called inside the batch's write transaction. */
public interface BatchLedger {

    @SqlQuery("""
            select content_hash
            from batch_ledger
            where input = :input and batch_no = :batch_no
            order by batch_id desc
            limit 1""")
    Optional<String> appliedHash(@Bind("input") String input, @Bind("batch_no") int batchNo);

    /** Standard input has no stable positions: a batch is known by the stream up to it. */
    @SqlQuery("""
            select exists (
                select 1 from batch_ledger where stream_hash = :stream_hash
            )""")
    boolean streamApplied(@Bind("stream_hash") String streamHash);

    @SqlQuery("select coalesce(max(batch_id), 0) + 1 from batch_ledger")
    long nextBatchId();

    @SqlQuery("select coalesce((select last_change_seq from batch_ledger order by batch_id desc limit 1), 0)")
    long lastChangeSeq();

    @SqlUpdate("""
            insert into batch_ledger (
                batch_id, input, batch_no, content_hash, stream_hash, records,
                changes_landed, changes_ignored, changes_rejected,
                metrics_upserted, metrics_deleted, last_change_seq
            ) values (
                :batch_id, :input, :batch_no, :content_hash, :stream_hash, :records,
                :changes_landed, :changes_ignored, :changes_rejected,
                :metrics_upserted, :metrics_deleted, :last_change_seq
            )""")
    void record(@Bind("batch_id") long batchId,
                @Bind("input") String input,
                @Bind("batch_no") int batchNo,
                @Bind("content_hash") String contentHash,
                @Bind("stream_hash") String streamHash,
                @Bind("records") int records,
                @Bind("changes_landed") int changesLanded,
                @Bind("changes_ignored") int changesIgnored,
                @Bind("changes_rejected") int changesRejected,
                @Bind("metrics_upserted") int metricsUpserted,
                @Bind("metrics_deleted") int metricsDeleted,
                @Bind("last_change_seq") long lastChangeSeq);

    @SqlQuery("select count(*) from metrics")
    long metricRows();
}
