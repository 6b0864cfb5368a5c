package io.walmetrics.load;

import io.walmetrics.wal.Lsn;
import io.walmetrics.wal.LsnRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The batch ledger, what makes a load exactly-once. Every call of a load runs inside the group's
 * write transaction ({@link WriteTransaction}). The statements run for every batch,
 * so they are prepared once on the handle's connection.
 */
final class BatchLedger implements AutoCloseable {

    /** The last batch applied to this database and the last change sequence it handed out. */
    record Last(long batchId, long changeSeq) {
    }

    /** Where a batch's content was first applied: its input and position there. */
    record Application(String input, long batchNo) {
    }

    private final PreparedStatement appliedHash;
    private final PreparedStatement streamApplied;
    private final PreparedStatement last;
    private final PreparedStatement record;
    private final PreparedStatement metricRows;
    private final PreparedStatement firstApplication;
    private final PreparedStatement highestLsn;
    private final PreparedStatement recordPositions;
    private final PreparedStatement recordMetrics;
    private final PreparedStatement recordHash;
    private final PreparedStatement keepRecordHash;
    private final PreparedStatement highestRecordPosition;
    private final PreparedStatement positionsWithoutHashes;
    private final PreparedStatement recordApplication;
    private final PreparedStatement positionApplication;

    BatchLedger(Handle handle) {
        Connection connection = handle.getConnection();
        try {
            appliedHash = connection.prepareStatement("""
                    select content_hash
                    from batch_ledger
                    where input = ? and batch_no = ?
                    order by batch_id desc
                    limit 1""");
            streamApplied = connection.prepareStatement("select exists (select 1 from batch_ledger where stream_hash = ?)");
            last = connection.prepareStatement("""
                    select batch_id, last_change_seq
                    from batch_ledger
                    order by batch_id desc
                    limit 1""");
            record = connection.prepareStatement("""
                    insert into batch_ledger (
                        batch_id, input, batch_no, content_hash, stream_hash, records,
                        changes_landed, changes_ignored, changes_rejected,
                        metrics_upserted, metrics_deleted, last_change_seq
                    ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""");
            metricRows = connection.prepareStatement("select count(*) from metrics");
            firstApplication = connection.prepareStatement("""
                    select input, batch_no
                    from batch_ledger
                    where content_hash = ? and (input <> ? or batch_id <= ?)
                    order by batch_id
                    limit 1""");
            // positions are unsigned: those stored negative (above 7FFFFFFF/FFFFFFFF) are the highest
            highestLsn = connection.prepareStatement("""
                    select coalesce(
                        (select max(last_lsn) from batch_source_positions where last_lsn < 0),
                        (select max(last_lsn) from batch_source_positions))""");
            recordPositions = connection.prepareStatement(
                    "insert into batch_source_positions (batch_id, first_lsn, last_lsn) values (?, ?, ?)");
            recordMetrics = connection.prepareStatement(
                    "update batch_ledger set metrics_upserted = ?, metrics_deleted = ? where batch_id = ?");
            recordHash = connection.prepareStatement("select record_hash from applied_record where position = ?");
            keepRecordHash = connection.prepareStatement("""
                    insert into applied_record (position, record_hash, batch_id, record_no)
                    values (?, ?, ?, ?)
                    on conflict (position) do update set
                        record_hash = excluded.record_hash, batch_id = excluded.batch_id, record_no = excluded.record_no""");
            highestRecordPosition = connection.prepareStatement("""
                    select coalesce(
                        (select max(position) from applied_record where position < 0),
                        (select max(position) from applied_record))""");
            positionsWithoutHashes = connection.prepareStatement(
                    "select up_to_lsn from positions_without_record_hashes where id = 1");
            recordApplication = connection.prepareStatement("""
                    select batch_ledger.input, batch_ledger.batch_no
                    from applied_record
                    join batch_ledger on batch_ledger.batch_id = applied_record.batch_id
                    where applied_record.position = ?""");
            positionApplication = connection.prepareStatement("""
                    select batch_ledger.input, batch_ledger.batch_no
                    from batch_source_positions
                    join batch_ledger on batch_ledger.batch_id = batch_source_positions.batch_id
                    where batch_source_positions.last_lsn = ?
                    order by batch_source_positions.batch_id
                    limit 1""");
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The hash of the record applied at this source position, if one with changes of source tables was. */
    Optional<String> recordHash(Lsn position) {
        try {
            recordHash.setLong(1, position.value());
            try (ResultSet rows = recordHash.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Keeps the hash of a record applied at this position (replacing one applied there before: --reprocess). */
    void keepRecordHash(Lsn position, String hash, long batchId, int recordNo) {
        try {
            keepRecordHash.setLong(1, position.value());
            keepRecordHash.setString(2, hash);
            keepRecordHash.setLong(3, batchId);
            keepRecordHash.setInt(4, recordNo);
            keepRecordHash.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * The highest position at which a record was applied: of the records with a hash, and of the
     * positions applied before record hashes were kept ({@link #positionsWithoutHashesUpTo()}).
     */
    Optional<Lsn> highestRecordPosition() {
        Optional<Lsn> hashed = lsn(highestRecordPosition);
        Optional<Lsn> unhashed = positionsWithoutHashesUpTo();
        if (hashed.isEmpty() || unhashed.isPresent() && unhashed.get().isAfter(hashed.get())) {
            return unhashed;
        }
        return hashed;
    }

    /** Up to where a database loaded before migration 015 had applied positions, which have no record hashes. */
    Optional<Lsn> positionsWithoutHashesUpTo() {
        return lsn(positionsWithoutHashes);
    }

    /** Where the record at this position was applied from, when one with a hash was. */
    Optional<Application> recordApplication(Lsn position) {
        return application(recordApplication, position);
    }

    /** Where the record at this position was applied from: one with a hash, else the batch that ended there. */
    Optional<Application> positionApplication(Lsn position) {
        Optional<Application> record = recordApplication(position);
        return record.isPresent() ? record : application(positionApplication, position);
    }

    private Optional<Application> application(PreparedStatement query, Lsn position) {
        try {
            query.setLong(1, position.value());
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(new Application(rows.getString(1), rows.getLong(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static Optional<Lsn> lsn(PreparedStatement query) {
        try (ResultSet rows = query.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            long value = rows.getLong(1);
            return rows.wasNull() ? Optional.empty() : Optional.of(new Lsn(value));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The metrics a group derived, on the ledger entry of its last batch (the others say 0). */
    void recordMetrics(long batchId, int upserted, int deleted) {
        try {
            recordMetrics.setInt(1, upserted);
            recordMetrics.setInt(2, deleted);
            recordMetrics.setLong(3, batchId);
            recordMetrics.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The hash of the batch at this position of this input, when one was applied. */
    Optional<String> appliedHash(String input, int batchNo) {
        try {
            appliedHash.setString(1, input);
            appliedHash.setInt(2, batchNo);
            try (ResultSet rows = appliedHash.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Standard input has no stable positions: a batch is known by the stream up to it. */
    boolean streamApplied(String streamHash) {
        try {
            streamApplied.setString(1, streamHash);
            try (ResultSet rows = streamApplied.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * The first batch applied with this content from another input, or from standard input up to
     * batch {@code upToBatchId} (the streams of earlier runs): a batch that repeats an earlier one of
     * its own stream is not a copy.
     */
    Optional<Application> firstApplication(String contentHash, String input, long upToBatchId) {
        try {
            firstApplication.setString(1, contentHash);
            firstApplication.setString(2, input);
            firstApplication.setLong(3, upToBatchId);
            try (ResultSet rows = firstApplication.executeQuery()) {
                return rows.next() ? Optional.of(new Application(rows.getString(1), rows.getLong(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The highest source position of a batch applied to this database, if any batch carried one. */
    Optional<Lsn> highestLsn() {
        return lsn(highestLsn);
    }

    void recordPositions(long batchId, LsnRange range) {
        try {
            recordPositions.setLong(1, batchId);
            recordPositions.setLong(2, range.first().value());
            recordPositions.setLong(3, range.last().value());
            recordPositions.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    Last last() {
        try (ResultSet rows = last.executeQuery()) {
            return rows.next() ? new Last(rows.getLong(1), rows.getLong(2)) : new Last(0, 0);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    void record(long batchId, String input, int batchNo, String contentHash, String streamHash, int records,
                int changesLanded, int changesIgnored, int changesRejected,
                int metricsUpserted, int metricsDeleted, long lastChangeSeq) {
        try {
            record.setLong(1, batchId);
            record.setString(2, input);
            record.setInt(3, batchNo);
            record.setString(4, contentHash);
            record.setString(5, streamHash);
            record.setInt(6, records);
            record.setInt(7, changesLanded);
            record.setInt(8, changesIgnored);
            record.setInt(9, changesRejected);
            record.setInt(10, metricsUpserted);
            record.setInt(11, metricsDeleted);
            record.setLong(12, lastChangeSeq);
            record.executeUpdate();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    long metricRows() {
        try (ResultSet rows = metricRows.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() {
        for (Statement statement : new Statement[] {appliedHash, streamApplied, last, record, metricRows,
                firstApplication, highestLsn, recordPositions, recordMetrics, recordHash, keepRecordHash,
                highestRecordPosition, positionsWithoutHashes, recordApplication, positionApplication}) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // closing the connection finalizes it anyway
            }
        }
    }

    private static UnableToExecuteStatementException failed(SQLException e) {
        return new UnableToExecuteStatementException(e.getMessage(), e, null);
    }
}
