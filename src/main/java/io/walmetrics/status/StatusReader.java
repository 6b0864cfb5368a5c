package io.walmetrics.status;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.schema.SourceTable;
import io.walmetrics.wal.Lsn;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Reads a {@link DatabaseStatus} in one read transaction; writes nothing and migrates nothing.
 * Check the file is a loader's database first ({@link io.walmetrics.schema.NotALoaderDatabaseException}).
 */
public final class StatusReader {

    private StatusReader() {
    }

    public static DatabaseStatus read(Jdbi jdbi) {
        return jdbi.inTransaction(StatusReader::read);
    }

    private static DatabaseStatus read(Handle handle) {
        long batches = count(handle, "batch_ledger");
        DatabaseStatus.LastBatch last = handle.createQuery("""
                        select batch_id, input, batch_no, applied_at
                        from batch_ledger
                        order by batch_id desc
                        limit 1""")
                .map((rs, ctx) -> new DatabaseStatus.LastBatch(rs.getLong("batch_id"), rs.getString("input"),
                        rs.getLong("batch_no"), rs.getString("applied_at")))
                .findOne().orElse(null);
        Lsn lastApplied = handle.createQuery("select max(last_lsn) from batch_source_positions")
                .mapTo(Long.class).findOne().map(Lsn::new).orElse(null);
        List<DatabaseStatus.SourceRows> sources = new ArrayList<>();
        for (SourceTable source : SourceCatalog.load(handle).sources()) {
            sources.add(new DatabaseStatus.SourceRows(source.source(),
                    source.stagingTable(), count(handle, source.stagingTable()),
                    source.currentTable(), count(handle, source.currentTable())));
        }
        List<DatabaseStatus.RejectReason> reasons = handle.createQuery("""
                        select reason, count(*) as changes
                        from rejected_changes
                        group by reason
                        order by changes desc, reason
                        limit :top""")
                .bind("top", DatabaseStatus.TOP_REJECT_REASONS)
                .map((rs, ctx) -> new DatabaseStatus.RejectReason(rs.getString("reason"), rs.getLong("changes")))
                .list();
        List<DatabaseStatus.DriftColumn> drift = handle.createQuery("""
                        select wal_table, column_name, observed_type, expected_type, changes, first_batch_id, last_batch_id
                        from schema_drift
                        order by wal_table, column_name, observed_type""")
                .map((rs, ctx) -> new DatabaseStatus.DriftColumn(rs.getString("wal_table"), rs.getString("column_name"),
                        rs.getString("observed_type"), rs.getString("expected_type"), rs.getLong("changes"),
                        rs.getLong("first_batch_id"), rs.getLong("last_batch_id")))
                .list();
        return new DatabaseStatus(batches, last, lastApplied, sources, count(handle, "metrics"), count(handle, "rejected_changes"),
                reasons, drift);
    }

    /** Table names come from the catalog and this class, never from a user. */
    private static long count(Handle handle, String table) {
        return handle.createQuery("select count(*) from " + table).mapTo(Long.class).one();
    }
}
