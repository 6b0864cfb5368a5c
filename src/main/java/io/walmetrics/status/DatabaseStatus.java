package io.walmetrics.status;

import io.walmetrics.wal.Lsn;
import java.util.List;

/**
 * What a database holds, at a glance: the ledger, row counts, rejects and schema drift.
 *
 * @param lastAppliedLsn the highest source position (wal2json nextlsn) applied, or null when no
 *                       batch carried positions
 */
public record DatabaseStatus(
        long batchesApplied,
        LastBatch lastBatch,
        Lsn lastAppliedLsn,
        List<SourceRows> sources,
        long metricRows,
        long changesRejected,
        List<RejectReason> topRejectReasons,
        List<DriftColumn> schemaDrift) {

    /** How many reasons {@link #topRejectReasons} lists at most. */
    public static final int TOP_REJECT_REASONS = 10;

    /** The last batch applied: the ledger's id, its input and position there, and when. */
    public record LastBatch(long batchId, String input, long batchNo, String appliedAt) {
    }

    /** Rows of one source: its staging table (every landed change) and its current table. */
    public record SourceRows(String source, String stagingTable, long stagedRows, String currentTable, long currentRows) {
    }

    public record RejectReason(String reason, long changes) {
    }

    /** One row of schema_drift: a column seen in the WAL that the migrations do not declare so. */
    public record DriftColumn(String walTable, String column, String observedType, String expectedType,
                              long changes, long firstBatchId, long lastBatchId) {

        public String describe() {
            return walTable + "." + column + ": " + observedType
                    + (expectedType == null ? ", not in the migrations (kept in extra_columns)" : ", declared " + expectedType);
        }
    }
}
