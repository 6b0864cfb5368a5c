package io.walmetrics.status;

import io.walmetrics.schema.SourceCatalog;
import io.walmetrics.wal.Lsn;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * Reads a {@link DatabaseStatus} in one read transaction; writes nothing and migrates nothing.
 * Check the file is a loader's database first ({@link io.walmetrics.schema.NotALoaderDatabaseException}).
 */
public final class StatusReader {

    /** The queries of status, one typed method each; a record is built from the columns named as its components. */
    @RegisterConstructorMapper(DatabaseStatus.LastBatch.class)
    @RegisterConstructorMapper(DatabaseStatus.RejectReason.class)
    @RegisterConstructorMapper(DatabaseStatus.DriftColumn.class)
    interface Queries {

        @SqlQuery("""
                select batch_id, input, batch_no, applied_at
                from batch_ledger
                order by batch_id desc
                limit 1""")
        Optional<DatabaseStatus.LastBatch> lastBatch();

        // positions are unsigned: those stored negative (above 7FFFFFFF/FFFFFFFF) are the highest
        @SqlQuery("""
                select coalesce(
                    (select max(last_lsn) from batch_source_positions where last_lsn < 0),
                    (select max(last_lsn) from batch_source_positions))""")
        Optional<Long> lastAppliedLsn();

        @SqlQuery("""
                select reason, count(*) as changes
                from rejected_changes
                group by reason
                order by changes desc, reason
                limit :top""")
        List<DatabaseStatus.RejectReason> topRejectReasons(@Bind("top") int top);

        @SqlQuery("""
                select wal_table, column_name as "column", observed_type, expected_type, changes, first_batch_id, last_batch_id
                from schema_drift
                order by wal_table, column_name, observed_type""")
        List<DatabaseStatus.DriftColumn> schemaDrift();
    }

    private StatusReader() {
    }

    public static DatabaseStatus read(Jdbi jdbi) {
        return jdbi.inTransaction(StatusReader::read);
    }

    private static DatabaseStatus read(Handle handle) {
        Queries queries = handle.attach(Queries.class);
        List<DatabaseStatus.SourceRows> sources = SourceCatalog.load(handle).sources().stream()
                .map(source -> new DatabaseStatus.SourceRows(source.source(),
                        source.stagingTable(), count(handle, source.stagingTable()),
                        source.currentTable(), count(handle, source.currentTable())))
                .toList();
        return new DatabaseStatus(count(handle, "batch_ledger"), queries.lastBatch().orElse(null),
                queries.lastAppliedLsn().map(Lsn::new).orElse(null), sources, count(handle, "metrics"),
                count(handle, "rejected_changes"), queries.topRejectReasons(DatabaseStatus.TOP_REJECT_REASONS),
                queries.schemaDrift());
    }

    /** Table names come from the catalog and this class, never from a user. */
    private static long count(Handle handle, String table) {
        return handle.createQuery("select count(*) from " + table).mapTo(Long.class).one();
    }
}
